package faults_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/faults"
)

// scrape reads the sum of every series of each named metric from a
// Prometheus text endpoint.
func scrape(ctx context.Context, url string, names ...string) (map[string]float64, error) {
	all, err := series(ctx, url, "")
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, n := range names {
		for k := range all {
			if k == n || strings.HasPrefix(k, n+"{") {
				out[n] = sumSeries(all, n)
				break
			}
		}
	}
	return out, nil
}

// series reads the samples of a Prometheus text endpoint whose names start
// with prefix, as "name{labels}" -> value.
func series(ctx context.Context, url, prefix string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, prefix) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// sumSeries adds up the series of m named name (any labels).
func sumSeries(m map[string]float64, name string) float64 {
	var n float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			n += v
		}
	}
	return n
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// rssKiB reads VmRSS and VmHWM (peak RSS) of a process from /proc.
func rssKiB(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}

// procSampler samples a child newsflow's /metrics and /proc status.
type procSampler struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu           sync.Mutex
	peakHeap     float64 // go_memstats_heap_alloc_bytes
	peakInFlight float64 // fetched minus finished records
	peakRSS      int64   // KiB
	hwm          int64   // KiB, the kernel's own peak
	fetched      float64
	scrapes      int
}

const (
	mFetched  = "newsflow_consumer_records_total"
	mFinished = "newsflow_pipeline_records_total"
	mHeap     = "go_memstats_heap_alloc_bytes"
)

func sampleProcess(pid int, metricsURL string) *procSampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &procSampler{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rss, hwm := rssKiB(pid)
			m, err := scrape(ctx, metricsURL, mFetched, mFinished, mHeap)
			s.mu.Lock()
			s.peakRSS = max(s.peakRSS, rss)
			s.hwm = max(s.hwm, hwm)
			if err == nil {
				s.scrapes++
				s.peakHeap = max(s.peakHeap, m[mHeap])
				s.peakInFlight = max(s.peakInFlight, m[mFetched]-m[mFinished])
				s.fetched = m[mFetched]
			}
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *procSampler) stop() {
	s.cancel()
	<-s.done
}

func (s *procSampler) fetchedSoFar() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetched
}

// Fault 5, backpressure: the output broker answers produce requests slowly,
// then refuses them for a while. The consumer must pause (fetched but
// unfinished records never exceed the in-flight bound), memory must stay
// bounded, and nothing is dropped. newsflow runs as a child process so the
// embedded broker's in-memory data does not count in its memory.
func TestBackpressureSlowAndUnavailableOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	n, slowFor, downFor := 12000, 4*time.Second, 4*time.Second
	parts, maxInFlight, batch := 3, 500, 100
	if raceEnabled {
		// The broker in this process is several times slower under the
		// race detector: fewer and smaller batches, same proof.
		n, maxInFlight, batch = 3000, 200, 50
	}
	if full() {
		n, slowFor, downFor = 30000, 20*time.Second, 20*time.Second
	}
	b := embedded(t, broker.Options{Partitions: parts})
	t.Cleanup(b.Close)
	e := newEnv(t, b.Addrs(), parts)
	msgs, ids := articles(t, "bp", n, 0)
	if err := produce(t.Context(), e.brokers, e.in, 0, msgs...); err != nil {
		t.Fatal(err)
	}

	// Slow: every produce to the output topic waits 500 ms.
	var slow atomic.Bool
	c := b.Cluster()
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if slow.Load() && len(req.Topics) > 0 && req.Topics[0].Topic == e.out {
			c.SleepControl(func() { time.Sleep(500 * time.Millisecond) })
		}
		return nil, nil, false
	})
	slow.Store(true)

	bin := buildBinary(t)
	metricsAddr := freePort(t)
	log, err := os.CreateTemp(t.TempDir(), "run-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := newsflowCmd(bin, e, "backpressure", metricsAddr, maxInFlight, batch)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ps := sampleProcess(cmd.Process.Pid, "http://"+metricsAddr+"/metrics")
	defer ps.stop()

	time.Sleep(slowFor)
	// Unavailable: the output topic refuses every produce.
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: e.out, Err: kerr.NotEnoughReplicas, Count: -1})
	time.Sleep(downFor / 2)
	fetchedMid := ps.fetchedSoFar()
	time.Sleep(downFor / 2)
	fetchedEnd := ps.fetchedSoFar()
	h.Remove()
	slow.Store(false)
	restored := time.Now()
	if !waitFor(300*time.Second, func() bool { return caughtUp(t.Context(), e) }) {
		b, _ := os.ReadFile(log.Name())
		t.Fatalf("the group never committed the end of the input; log:\n%s", tail(string(b), 6000))
	}
	recovered := time.Since(restored)
	ps.stop()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(log.Name())
		t.Errorf("exit after SIGTERM: %v\n%s", err, b)
	}

	tally, _ := account(t, e, ids)
	// Per partition: the claim's channel (max-in-flight), one record
	// blocked on it, and three batches: one being processed, one waiting
	// in the engine's one-slot hand-over channel, one being written.
	bound := float64(parts * (maxInFlight + 3*batch + 1))
	ps.mu.Lock()
	defer ps.mu.Unlock()
	t.Logf("backpressure: %d records; slow output %v then unavailable %v; fetched %0.f→%0.f during the second half of the outage; peak in-flight %0.f (bound %0.f); peak heap %s, peak RSS %s (VmHWM %s) over %d scrapes; caught up %v after the output came back; %s",
		n, slowFor, downFor, fetchedMid, fetchedEnd, ps.peakInFlight, bound,
		faults.MiB(uint64(ps.peakHeap)), faults.MiB(uint64(ps.peakRSS)<<10), faults.MiB(uint64(ps.hwm)<<10), ps.scrapes,
		recovered.Round(time.Millisecond), tally)
	checkTally(t, tally)
	if ps.scrapes == 0 {
		t.Fatal("never scraped the process's metrics")
	}
	if ps.peakInFlight > bound {
		t.Errorf("in-flight records reached %0.f, over the bound %0.f: the consumer did not pause", ps.peakInFlight, bound)
	}
	if fetchedEnd >= float64(n) {
		t.Errorf("the consumer fetched all %d records while the output was down: it did not pause", n)
	}
}
