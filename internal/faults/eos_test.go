package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/record"
)

// startEOSChild is `newsflow run --guarantee exactly-once` as instance
// name (its transactional id is GROUP.name, so a restart with the same name
// fences its predecessor).
func startEOSChild(t *testing.T, bin string, e env, name string) *child {
	t.Helper()
	log := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := newsflowCmd(bin, e, name, "127.0.0.1:0", 500, 100)
	cmd.Args = append(cmd.Args, "--guarantee", "exactly-once", "--pipeline", "core")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &child{cmd: cmd, log: log}
}

// readCommittedIDs reads the output and DLQ topics to their end with an
// independent read_committed reader and returns the id of every record.
func readCommittedIDs(t *testing.T, e env) []string {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	for _, topic := range []string{e.out, e.dlq} {
		ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
		parts, err := e.partitions(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		// The read_committed end: what a reader can ever see now.
		end, err := e.endOffsets(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		last := map[int]int64{}
		done := func() bool {
			for p, off := range end {
				if off > 0 && last[p] < off-1 {
					// Markers and aborted records end a partition too:
					// stop once nothing more arrives (below).
					return false
				}
			}
			return true
		}
		quiet := time.Now()
		var g errgroup.Group
		rctx, rcancel := context.WithCancel(ctx)
		g.Go(func() error {
			return consumer.Read(rctx, consumer.ReadConfig{Brokers: e.brokers, Topic: topic, Partition: parts, FromBeginning: true},
				func(r record.Record) error {
					mu.Lock()
					defer mu.Unlock()
					last[r.Partition] = r.Offset
					quiet = time.Now()
					if topic == e.out {
						var a struct{ ID string }
						if err := json.Unmarshal(r.Value, &a); err != nil {
							return fmt.Errorf("output %d/%d: %w", r.Partition, r.Offset, err)
						}
						ids = append(ids, a.ID)
					} else {
						ids = append(ids, string(r.Key))
					}
					return nil
				})
		})
		waitFor(60*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return done() || time.Since(quiet) > 3*time.Second
		})
		rcancel()
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	return ids
}

// Exactly-once under kill -9: two instances share the group; one of them
// is killed at random moments (at least 5 times) while 10,000 articles
// flow and restarted under the same name; at the end an independent
// read_committed reader sees every id exactly once: 0 lost, 0 duplicates.
func TestExactlyOnceKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	n, kills := 10000, 5
	brokers := testkafka.Brokers(t)
	e := newEnv(t, brokers, 3)
	msgs, ids := articles(t, "eos", n, 200)
	bin := buildBinary(t)

	var pub errgroup.Group
	pub.Go(func() error {
		chunk := max(len(msgs)/25, 1)
		for rest := msgs; len(rest) > 0; {
			k := min(chunk, len(rest))
			if err := produce(context.Background(), brokers, e.in, 0, rest[:k]...); err != nil {
				return err
			}
			rest = rest[k:]
			time.Sleep(300 * time.Millisecond)
		}
		return nil
	})
	ctx := t.Context()
	steady := startEOSChild(t, bin, e, "steady")
	defer func() {
		_ = steady.cmd.Process.Signal(syscall.SIGTERM)
		_ = steady.cmd.Wait()
	}()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	var kinds []string
	for i := range kills {
		before := outputCount(ctx, e)
		c := startEOSChild(t, bin, e, "victim")
		if !waitFor(60*time.Second, func() bool { return outputCount(ctx, e) > before }) {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
			t.Fatalf("no progress in 60 s before kill %d:\n%s\n---\n%s", i+1, c.logTail(), steady.logTail())
		}
		wait := time.Duration(rng.Int64N(int64(1500 * time.Millisecond)))
		time.Sleep(wait)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = c.cmd.Wait()
		kinds = append(kinds, wait.Round(time.Millisecond).String())
		t.Logf("kill -9 #%d of the victim after %v", i+1, wait.Round(time.Millisecond))
		if err := evictMembers(ctx, e); err != nil {
			t.Logf("evicting: %v", err)
		}
	}
	if err := pub.Wait(); err != nil {
		t.Fatal(err)
	}
	final := startEOSChild(t, bin, e, "victim")
	took := waitCommittedToEnd(t, e, 300*time.Second)
	// SIGTERM once the process has joined (its signal handler is in place).
	waitFor(60*time.Second, func() bool { return strings.Contains(final.logTail(), "partitions assigned") })
	_ = final.cmd.Process.Signal(syscall.SIGTERM)
	if err := final.cmd.Wait(); err != nil {
		t.Errorf("final victim exit: %v\n%s", err, final.logTail())
	}

	l := faults.NewLedger()
	l.In(ids...)
	got := readCommittedIDs(t, e)
	for _, id := range got {
		l.Out(id)
	}
	tally := l.Tally()
	t.Logf("exactly-once, 2 instances, %d kill -9 (after %s): %s; caught up in %v", kills, strings.Join(kinds, ", "), tally, took.Round(time.Millisecond))
	checkTally(t, tally)
	if tally.Duplicates != 0 {
		t.Errorf("%d duplicates seen by a read_committed reader under exactly-once", tally.Duplicates)
	}
}
