package faults_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// soakPoint is one sample of the soaked process.
type soakPoint struct {
	at         time.Duration
	heap       float64 // go_memstats_heap_alloc_bytes
	goroutines float64
	rssKiB     int64
	finished   float64
}

// Fault 6, soak: a steady stream for 10 minutes (NEWSFLOW_SOAK_DURATION)
// at 25 articles/s (NEWSFLOW_SOAK_RATE) through a newsflow process, with
// its heap, RSS and goroutines sampled every 10 s: after warm-up they must
// stay flat, and nothing is lost. Gated behind NEWSFLOW_SOAK=1.
func TestSoak(t *testing.T) {
	if os.Getenv("NEWSFLOW_SOAK") != "1" {
		t.Skip("soak test: set NEWSFLOW_SOAK=1 (10 minutes; NEWSFLOW_SOAK_DURATION and NEWSFLOW_SOAK_RATE adjust it)")
	}
	duration := 10 * time.Minute
	if v := os.Getenv("NEWSFLOW_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("NEWSFLOW_SOAK_DURATION: %v", err)
		}
		duration = d
	}
	rate := 25
	if v := os.Getenv("NEWSFLOW_SOAK_RATE"); v != "" {
		r, err := strconv.Atoi(v)
		if err != nil || r < 1 {
			t.Fatalf("NEWSFLOW_SOAK_RATE must be a positive integer, got %q", v)
		}
		rate = r
	}
	brokers := testkafka.Brokers(t)
	e := newEnv(t, brokers, 3)
	n := int(duration.Seconds()) * rate
	msgs, ids := articles(t, "soak", n, 200)
	bin := buildBinary(t)
	metricsAddr := freePort(t)
	log, err := os.CreateTemp(t.TempDir(), "soak-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := newsflowCmd(bin, e, "soak", metricsAddr, 2000, 500)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	// Publish one second's worth every second.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var g errgroup.Group
	g.Go(func() error {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for rest := msgs; len(rest) > 0; {
			k := min(rate, len(rest))
			batch := make([]kafka.Message, k)
			copy(batch, rest[:k])
			for i := range batch {
				batch[i].Time = time.Now()
			}
			if err := produce(ctx, brokers, e.in, 0, batch...); err != nil {
				return err
			}
			rest = rest[k:]
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
		return nil
	})
	var points []soakPoint
	began := time.Now()
	sample := time.NewTicker(10 * time.Second)
	defer sample.Stop()
	url := "http://" + metricsAddr + "/metrics"
	pubDone := make(chan error, 1)
	go func() { pubDone <- g.Wait() }()
loop:
	for {
		select {
		case err := <-pubDone:
			if err != nil {
				t.Fatal(err)
			}
			break loop
		case <-sample.C:
		}
		m, err := scrape(ctx, url, mHeap, "go_goroutines", mFinished)
		if err != nil {
			t.Logf("scrape: %v", err)
			continue
		}
		rss, _ := rssKiB(cmd.Process.Pid)
		p := soakPoint{at: time.Since(began), heap: m[mHeap], goroutines: m["go_goroutines"], rssKiB: rss, finished: m[mFinished]}
		points = append(points, p)
		t.Logf("soak %5.0fs: heap %s, RSS %s, goroutines %.0f, finished %.0f",
			p.at.Seconds(), faults.MiB(uint64(p.heap)), faults.MiB(uint64(p.rssKiB)<<10), p.goroutines, p.finished)
	}
	waitCommittedToEnd(t, e, 300*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(log.Name())
		t.Errorf("exit after SIGTERM: %v\n%s", err, tail(string(b), 4000))
	}
	tally, _ := account(t, e, ids)
	checkTally(t, tally)

	if len(points) < 8 {
		t.Fatalf("only %d samples; run longer", len(points))
	}
	// Warm-up: the first quarter. Compare the second quarter with the
	// last.
	q := len(points) / 4
	early, late := summarise(points[q:2*q]), summarise(points[len(points)-q:])
	t.Logf("soak %v at %d/s: %s; early (samples %d–%d): heap %s, RSS %s, goroutines %.0f; late (last %d): heap %s, RSS %s, goroutines %.0f",
		duration, rate, tally, q, 2*q-1, faults.MiB(uint64(early.heap)), faults.MiB(uint64(early.rssKiB)<<10), early.goroutines,
		q, faults.MiB(uint64(late.heap)), faults.MiB(uint64(late.rssKiB)<<10), late.goroutines)
	if late.goroutines > early.goroutines+20 {
		t.Errorf("goroutines grew from %.0f to %.0f", early.goroutines, late.goroutines)
	}
	if late.heap > 2*early.heap+64<<20 {
		t.Errorf("heap grew from %s to %s", faults.MiB(uint64(early.heap)), faults.MiB(uint64(late.heap)))
	}
}

// summarise averages heap and RSS and takes the maximum goroutine count.
func summarise(ps []soakPoint) soakPoint {
	var s soakPoint
	for _, p := range ps {
		s.heap += p.heap / float64(len(ps))
		s.rssKiB += p.rssKiB / int64(len(ps))
		s.goroutines = max(s.goroutines, p.goroutines)
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
