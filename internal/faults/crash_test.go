package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/testkafka"
)

func buildBinary(t *testing.T) string { return bins.Newsflow(t) }

// child is one `newsflow run` process.
type child struct {
	cmd *exec.Cmd
	log string
}

func startChild(t *testing.T, bin string, e env, n int) *child {
	return startChildAt(t, bin, e, n, "127.0.0.1:0")
}

func startChildAt(t *testing.T, bin string, e env, n int, metricsAddr string) *child {
	t.Helper()
	return startChildWith(t, bin, e, n, metricsAddr)
}

// startChildWith is startChildAt with more flags.
func startChildWith(t *testing.T, bin string, e env, n int, metricsAddr string, extra ...string) *child {
	t.Helper()
	log := filepath.Join(t.TempDir(), fmt.Sprintf("run-%d.log", n))
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := newsflowCmd(bin, e, fmt.Sprintf("crash-%d", n), metricsAddr, 500, 100)
	cmd.Args = append(cmd.Args, extra...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return &child{cmd: cmd, log: log}
}

func (c *child) logTail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// newsflowCmd is `newsflow run` against e with the given limits.
func newsflowCmd(bin string, e env, instance, metricsAddr string, maxInFlight, batch int) *exec.Cmd {
	return exec.Command(bin, "run", "--brokers", strings.Join(e.brokers, ","),
		"--input", e.in, "--output", e.out, "--dlq", e.dlq, "--group", e.grp, "--trends-topic", e.grp+".trends.out",
		"--create-topics=false", "--metrics-addr", metricsAddr, "--commit-interval", "100ms",
		"--batch-size", strconv.Itoa(batch), "--max-in-flight", strconv.Itoa(maxInFlight),
		"--shutdown-timeout", "10s", "--instance", instance, "--log-level", "info")
}

// outputCount is the number of records in the output and dead-letter
// topics.
func outputCount(ctx context.Context, e env) int64 {
	var n int64
	for _, topic := range []string{e.out, e.dlq} {
		end, err := e.endOffsets(ctx, topic)
		if err == nil {
			n += total(end)
		}
	}
	return n
}

// caughtUp reports whether the group committed the end of every input
// partition.
func caughtUp(ctx context.Context, e env) bool {
	end, err := e.endOffsets(ctx, e.in)
	if err != nil {
		return false
	}
	c, err := e.committed(ctx)
	if err != nil {
		return false
	}
	for p, off := range end {
		if off > 0 && c[p] < off {
			return false
		}
	}
	return true
}

// evictMembers removes every member of the group, as the broker does when
// a dead member's session times out; it saves the test the 10 s session
// timeout per kill. The full-size run does not evict: it waits for the
// broker's own session expiry.
func evictMembers(ctx context.Context, e env) error {
	c := e.client()
	// The main group and the trends aggregation's.
	for _, group := range []string{e.grp, e.grp + ".trends"} {
		resp, err := c.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err != nil {
			return err
		}
		var members []kafka.LeaveGroupRequestMember
		for _, g := range resp.Groups {
			for _, m := range g.Members {
				members = append(members, kafka.LeaveGroupRequestMember{ID: m.MemberID})
			}
		}
		if len(members) == 0 {
			continue
		}
		lr, err := c.LeaveGroup(ctx, &kafka.LeaveGroupRequest{GroupID: group, Members: members})
		if err != nil {
			return err
		}
		if lr.Error != nil {
			return lr.Error
		}
	}
	return nil
}

// Fault 1, crash: kill -9 the newsflow process at random moments while
// articles flow, restart it, repeat; at the end every input id is in the
// output or (the malformed ones) in the DLQ, and no offset was ever
// committed before the outputs of the records below it were acknowledged.
func TestCrashKill9Restart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	n, kills := 2000, 5
	if full() {
		n, kills = 12000, 6
	}
	brokers := testkafka.Brokers(t)
	e := newEnv(t, brokers, 3)
	msgs, ids := articles(t, "crash", n, 100)
	bin := buildBinary(t)

	// The articles arrive while the processes are killed and restarted.
	var published atomic.Bool
	var pub errgroup.Group
	pub.Go(func() error {
		chunk := max(len(msgs)/20, 1)
		for rest := msgs; len(rest) > 0; {
			k := min(chunk, len(rest))
			if err := produce(context.Background(), brokers, e.in, 0, rest[:k]...); err != nil {
				return err
			}
			rest = rest[k:]
			time.Sleep(400 * time.Millisecond)
		}
		published.Store(true)
		return nil
	})
	watch := watchCommits(e)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var killedAt []string
	var recovery []time.Duration // restart to first new output
	for i := range kills {
		before := outputCount(ctx, e)
		c := startChild(t, bin, e, i)
		started := time.Now()
		var wait time.Duration
		if i%3 == 2 {
			// Sometimes early: while joining the group or fetching.
			wait = time.Duration(rng.Int64N(int64(2 * time.Second)))
		} else {
			// Usually mid-stream: after this process produced output.
			if !waitFor(60*time.Second, func() bool { return outputCount(ctx, e) > before || (published.Load() && caughtUp(ctx, e)) }) {
				_ = c.cmd.Process.Kill()
				_ = c.cmd.Wait()
				t.Fatalf("process %d made no progress in 60 s:\n%s", i, c.logTail())
			}
			recovery = append(recovery, time.Since(started).Round(time.Millisecond))
			wait = time.Duration(rng.Int64N(int64(1500 * time.Millisecond)))
		}
		time.Sleep(wait)
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = c.cmd.Wait()
		outs := outputCount(ctx, e)
		killedAt = append(killedAt, fmt.Sprintf("%d", outs))
		t.Logf("kill -9 #%d after %v (outputs so far %d)", i+1, wait.Round(time.Millisecond), outs)
		if !full() {
			if err := evictMembers(ctx, e); err != nil {
				t.Logf("evicting the dead member: %v (the broker's session timeout will)", err)
			}
		}
	}
	if err := pub.Wait(); err != nil {
		t.Fatal(err)
	}
	metricsAddr := freePort(t)
	final := startChildAt(t, bin, e, kills, metricsAddr)
	took := waitCommittedToEnd(t, e, 300*time.Second)
	// SIGTERM only once the process is serving (its signal handler is
	// installed by then).
	if !waitFor(30*time.Second, func() bool {
		_, err := scrape(ctx, "http://"+metricsAddr+"/metrics", mFetched)
		return err == nil
	}) {
		t.Errorf("the final process never served /metrics:\n%s", final.logTail())
	}
	if err := final.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := final.cmd.Wait(); err != nil {
		t.Errorf("final process exit: %v (want 0)\n%s", err, final.logTail())
	}
	watch.stop()

	tally, outs := account(t, e, ids)
	inEnd, err := e.endOffsets(ctx, e.in)
	if err != nil {
		t.Fatal(err)
	}
	observed, violations := watch.check(t, inEnd, outs)
	var worst time.Duration
	for _, d := range recovery {
		worst = max(worst, d)
	}
	t.Logf("crash: %d kill -9 (outputs at each kill: %s); %s; commits observed %d, commits ahead of acknowledged output %d; restart to first new output: worst %v of %v; final process caught up in %v",
		kills, strings.Join(killedAt, " "), tally, observed, violations, worst.Round(time.Millisecond), recovery, took.Round(time.Millisecond))
	checkTally(t, tally)
	if violations > 0 {
		t.Errorf("%d committed offsets were ahead of acknowledged outputs", violations)
	}
}
