package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/record"
)

// Exactly-once under faults: a zombie instance (SIGSTOP past its
// membership, then SIGCONT), an embedded broker that refuses every request
// for a while and then restarts mid-transaction, and a 30 s outage of a real
// Apache Kafka broker. In each, an independent read_committed reader must
// see every id exactly once at the end.

// eosProc is a `newsflow run --guarantee exactly-once --pipeline core`
// child process whose exit is watched.
type eosProc struct {
	*child
	name    string
	metrics string // host:port serving /metrics
	done    chan struct{}
	err     error // the exit status, once done is closed
}

// startEOS starts instance name (transactional id GROUP.name) with its
// metrics on a free port; the process is killed when the test ends if it
// still runs.
func startEOS(t *testing.T, bin string, e env, name string) *eosProc {
	t.Helper()
	log := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	addr := freePort(t)
	cmd := newsflowCmd(bin, e, name, addr, 500, 100)
	cmd.Args = append(cmd.Args, "--guarantee", "exactly-once", "--pipeline", "core")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &eosProc{child: &child{cmd: cmd, log: log}, name: name, metrics: addr, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p
}

// exited reports whether the process has ended.
func (p *eosProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the process (thawing it first) if it still runs.
func (p *eosProc) kill() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	_ = p.cmd.Process.Kill()
	<-p.done
}

// stop sends SIGTERM and waits up to 30 s for a clean exit.
func (p *eosProc) stop() error {
	if p.exited() {
		return fmt.Errorf("%s had already exited: %v", p.name, p.err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		p.kill()
		return fmt.Errorf("%s did not exit within 30 s of SIGTERM", p.name)
	}
}

// logOnFailure logs the process's whole log (its tail unless
// $NEWSFLOW_FAULTS_LOG is set) if t failed.
func (p *eosProc) logOnFailure(t *testing.T) {
	if !t.Failed() {
		return
	}
	if os.Getenv("NEWSFLOW_FAULTS_LOG") != "" {
		t.Logf("%s's log:\n%s", p.name, p.logFrom(0))
		return
	}
	t.Logf("%s's log (tail):\n%s", p.name, p.logTail())
}

// logLen is the size of the process's log so far.
func (p *eosProc) logLen() int {
	fi, err := os.Stat(p.log)
	if err != nil {
		return 0
	}
	return int(fi.Size())
}

// logFrom is the process's log from byte off on.
func (p *eosProc) logFrom(off int) string {
	b, _ := os.ReadFile(p.log)
	if off > len(b) {
		return ""
	}
	return string(b[off:])
}

// assignment is one "partitions assigned" line of a log.
type assignment struct {
	generation int
	member     string
	partitions int
}

var (
	assignedLine = regexp.MustCompile(`(?m)^.*msg="partitions assigned".*$`)
	generationKV = regexp.MustCompile(` generation=(\d+)`)
	memberKV     = regexp.MustCompile(` member=("(?:[^"\\]|\\.)*"|\S+)`)
	partitionsKV = regexp.MustCompile(` partitions=(\d+)`)
)

// assignments parses the "partitions assigned" lines of log.
func assignments(log string) []assignment {
	var out []assignment
	for _, line := range assignedLine.FindAllString(log, -1) {
		var a assignment
		if m := generationKV.FindStringSubmatch(line); m != nil {
			a.generation, _ = strconv.Atoi(m[1])
		}
		if m := memberKV.FindStringSubmatch(line); m != nil {
			a.member = m[1]
			if s, err := strconv.Unquote(a.member); err == nil {
				a.member = s
			}
		}
		if m := partitionsKV.FindStringSubmatch(line); m != nil {
			a.partitions, _ = strconv.Atoi(m[1])
		}
		out = append(out, a)
	}
	return out
}

// lastAssignment is the latest "partitions assigned" of log, if any.
func lastAssignment(log string) (assignment, bool) {
	as := assignments(log)
	if len(as) == 0 {
		return assignment{}, false
	}
	return as[len(as)-1], true
}

// txnSeries reads the newsflow_producer_txn_* series of an instance as
// "name{labels}" -> value (histogram buckets left out).
func txnSeries(ctx context.Context, addr string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	all, err := series(ctx, "http://"+addr+"/metrics", "newsflow_producer_txn_")
	for k := range all {
		if strings.Contains(k, "_bucket{") {
			delete(all, k)
		}
	}
	return all, err
}

// txnSummary formats an instance's transaction counters for a test log.
func txnSummary(m map[string]float64) string {
	return fmt.Sprintf("txns committed %.0f, aborted %.0f, fenced %.0f (by group %.0f), epoch bumps %.0f, retries %.0f",
		m[`newsflow_producer_txn_transactions_total{outcome="commit"}`], m[`newsflow_producer_txn_transactions_total{outcome="abort"}`],
		sumSeries(m, "newsflow_producer_txn_fenced_total"), m[`newsflow_producer_txn_fenced_total{by="group"}`],
		m["newsflow_producer_txn_epoch_bumps_total"], sumSeries(m, "newsflow_producer_txn_retries_total"))
}

// pacer publishes articles in chunks at a steady pace, in a goroutine.
// hold pauses it between two chunks (no input write is in flight while
// the test breaks the broker: a write retried after a partial failure
// would duplicate input); release lets it go on. With holdAt > 0 it also
// stops before that many records until open is called.
type pacer struct {
	gate   sync.Mutex
	sent   atomic.Int64
	holdAt int
	opened chan struct{}
	once   sync.Once
	done   chan struct{}
	err    error
}

func publishPaced(ctx context.Context, brokers []string, topic string, msgs []kafka.Message, chunk int, pause time.Duration, holdAt int) *pacer {
	p := &pacer{holdAt: holdAt, opened: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i := 0; i < len(msgs); {
			if p.holdAt > 0 && i >= p.holdAt {
				select {
				case <-p.opened:
				case <-ctx.Done():
					p.err = ctx.Err()
					return
				}
			}
			k := min(chunk, len(msgs)-i)
			if p.holdAt > i {
				k = min(k, p.holdAt-i)
			}
			p.gate.Lock()
			err := produce(ctx, brokers, topic, 0, msgs[i:i+k]...)
			p.gate.Unlock()
			if err != nil {
				p.err = err
				return
			}
			i += k
			p.sent.Store(int64(i))
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				p.err = ctx.Err()
				return
			}
		}
	}()
	return p
}

func (p *pacer) hold()    { p.gate.Lock() }
func (p *pacer) release() { p.gate.Unlock() }
func (p *pacer) open()    { p.once.Do(func() { close(p.opened) }) }

// wait waits for the publishing to end (bounded) and returns its error.
func (p *pacer) wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("publishing not done after %v (%d sent)", timeout, p.sent.Load())
	}
}

// exactlyOnce reads the output and DLQ with an independent read_committed
// reader, tallies them against ids, and fails the test on any loss,
// duplicate or unexpected id.
func exactlyOnce(t *testing.T, e env, ids []string) faults.Tally {
	t.Helper()
	l := faults.NewLedger()
	l.In(ids...)
	got := readCommittedIDs(t, e)
	seen := map[string]int{}
	for _, id := range got {
		l.Out(id)
		seen[id]++
	}
	tally := l.Tally()
	checkTally(t, tally)
	if len(tally.Lost) > 0 {
		diagnoseLost(t, e, tally.Lost)
	}
	if tally.Duplicates != 0 {
		var dups []string
		for id, n := range seen {
			if n > 1 {
				dups = append(dups, fmt.Sprintf("%s×%d", id, n))
			}
		}
		sort.Strings(dups)
		t.Errorf("%d duplicates seen by a read_committed reader under exactly-once, e.g. %v", tally.Duplicates, dups[:min(10, len(dups))])
	}
	return tally
}

// evictMember removes one member from the group, as the coordinator does
// when its session times out.
func evictMember(ctx context.Context, e env, member string) error {
	lr, err := e.client().LeaveGroup(ctx, &kafka.LeaveGroupRequest{GroupID: e.grp, Members: []kafka.LeaveGroupRequestMember{{ID: member}}})
	if err != nil {
		return err
	}
	if lr.Error != nil {
		return lr.Error
	}
	for _, m := range lr.Members {
		if m.Error != nil {
			return m.Error
		}
	}
	return nil
}

// fencedLine matches what an instance logs when its transaction cannot
// commit because it was fenced (by a newer group generation or producer
// epoch) or its commit failed and was aborted.
var fencedLine = regexp.MustCompile(`(?m)^.*(producer: fenced|transactional commit failed|exactly-once: aborted|aborting the transaction failed).*$`)

// Zombie: two exactly-once instances A and B share 3 partitions while
// 5,000 articles flow. A is frozen with SIGSTOP in the middle of a
// transaction (as soon as the broker acknowledged its first records of a
// burst) and removed from the group (as its session timeout would); B
// takes over every partition and commits past where A stopped; then A is
// thawed with SIGCONT. A must notice it was fenced (a failed or aborted transactional
// commit, or a fenced producer, in its log) and rejoin the group; none of
// what it wrote after the freeze may become visible: a read_committed
// reader sees every id exactly once at the end, with everything committed.
func TestExactlyOnceZombie(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and freezes the binary; skipped with -short")
	}
	runZombie(t, testkafka.Brokers(t), nil, 5000)
}

// Zombie frozen mid-commit, embedded broker: as TestExactlyOnceZombie, but
// A is frozen at the worst moment, right as the broker accepts its
// TxnOffsetCommit, before its EndTxn: its transaction holds offsets that
// are not yet visible to the group when B takes over A's partitions.
func TestExactlyOnceZombieMidCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and freezes the binary; skipped with -short")
	}
	b := embedded(t, broker.Options{Partitions: 3})
	t.Cleanup(b.Close)
	runZombie(t, b.Addrs(), b, 2000)
}

// runZombie runs the zombie scenario with n articles against brokers;
// with an embedded broker kb, A is frozen from the broker as it accepts
// A's TxnOffsetCommit, else as soon as A's metrics show records written in
// its open transaction.
func runZombie(t *testing.T, brokers []string, kb *broker.Broker, n int) {
	t.Helper()
	e := newEnv(t, brokers, 3)
	msgs, ids := articles(t, "zombie", n, 200)
	bin := buildBinary(t)
	ctx := t.Context()

	a := startEOS(t, bin, e, "zombie-a")
	b := startEOS(t, bin, e, "zombie-b")
	defer a.logOnFailure(t)
	defer b.logOnFailure(t)
	var trace txnTrace // with an embedded broker
	defer trace.dumpOnFailure(t)
	// 200 records every 250 ms; the last 1,000 wait for A's thaw, so that
	// A has fresh input to write (and fail to commit) when it wakes up. A
	// burst of 500 more is published just before the freeze, so that A is
	// frozen in the middle of a transaction.
	burst := msgs[n-1500 : n-1000]
	paced := append(slices.Clip(msgs[:n-1500]), msgs[n-1000:]...)
	pub := publishPaced(ctx, brokers, e.in, paced, 200, 250*time.Millisecond, n-1500)
	defer pub.open()

	// Both instances in the same generation.
	var ga assignment
	if !waitFor(60*time.Second, func() bool {
		la, ok1 := lastAssignment(a.logFrom(0))
		lb, ok2 := lastAssignment(b.logFrom(0))
		ga = la
		return ok1 && ok2 && la.generation == lb.generation && la.partitions > 0 && lb.partitions > 0
	}) {
		t.Fatalf("A and B never shared a generation within 60 s:\n%s\n---\n%s", a.logTail(), b.logTail())
	}

	// Freeze A, busy with the burst.
	how := "while writing in a transaction"
	mBefore, err := txnSeries(ctx, a.metrics)
	if err != nil {
		t.Fatal(err)
	}
	if kb == nil {
		if err := produce(ctx, brokers, e.in, 0, burst...); err != nil {
			t.Fatal(err)
		}
		// As soon as the broker acknowledged records of A's transaction.
		deadline := time.Now().Add(30 * time.Second)
		for {
			m, err := txnSeries(ctx, a.metrics)
			if err == nil && sumSeries(m, "newsflow_producer_txn_records_total") > sumSeries(mBefore, "newsflow_producer_txn_records_total") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("A wrote nothing of the burst within 30 s:\n%s", a.logTail())
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
	} else {
		how = "as the broker accepted its TxnOffsetCommit"
		c := kb.Cluster()
		c.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			trace.note(req)
			return nil, nil, false
		})
		tid := e.grp + "." + a.name
		var armed atomic.Bool
		armed.Store(true)
		h := kb.Cluster().Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.TxnOffsetCommit}, Observe: true, Count: -1,
			When: func(req kmsg.Request) bool {
				r, ok := req.(*kmsg.TxnOffsetCommitRequest)
				if !ok || r.TransactionalID != tid || !armed.CompareAndSwap(true, false) {
					return false
				}
				_ = a.cmd.Process.Signal(syscall.SIGSTOP)
				trace.mark("---- A frozen (SIGSTOP) as this TxnOffsetCommit arrived")
				return true
			}})
		if err := produce(ctx, brokers, e.in, 0, burst...); err != nil {
			t.Fatal(err)
		}
		if !waitFor(30*time.Second, func() bool { return h.Hits() > 0 }) {
			t.Fatalf("A sent no TxnOffsetCommit within 30 s:\n%s", a.logTail())
		}
		h.Remove()
	}
	if l, ok := lastAssignment(a.logFrom(0)); ok {
		ga = l
	}
	frozen := time.Now()
	markA, markB := a.logLen(), b.logLen()
	sentAtFreeze := pub.sent.Load()
	t.Logf("A (member %s, generation %d, %d partitions) frozen with SIGSTOP %s, after %d records published", ga.member, ga.generation, ga.partitions, how, sentAtFreeze)
	// Out of the group: as its session timeout would, without waiting 10 s.
	trace.mark("---- A frozen; evicting it")
	evicted := "evicted"
	if err := evictMember(ctx, e, ga.member); err != nil {
		evicted = fmt.Sprintf("not evicted (%v): waiting for its session timeout", err)
		t.Logf("A %s", evicted)
	}

	// B takes over every partition and commits past where A stopped.
	if !waitFor(60*time.Second, func() bool {
		l, ok := lastAssignment(b.logFrom(markB))
		return ok && l.partitions == 3
	}) {
		t.Fatalf("B did not take over the 3 partitions within 60 s of A's freeze:\n%s", b.logTail())
	}
	tookOver := time.Since(frozen)
	var endAtTakeover map[int]int64
	if !waitFor(30*time.Second, func() bool {
		var err error
		endAtTakeover, err = e.endOffsets(ctx, e.in)
		return err == nil
	}) {
		t.Fatal("no end offsets of the input")
	}
	if !waitFor(60*time.Second, func() bool {
		c, err := e.committed(ctx)
		if err != nil {
			return false
		}
		for p, end := range endAtTakeover {
			if c[p] < end {
				return false
			}
		}
		return true
	}) {
		c, _ := e.committed(ctx)
		t.Fatalf("B did not commit the input end %v on every partition within 60 s (committed %v):\n%s", endAtTakeover, c, b.logTail())
	}
	if a.exited() {
		t.Fatalf("A exited while frozen: %v", a.err)
	}
	// A zombie is frozen for a while: let B go on without it.
	if d := 2*time.Second - time.Since(frozen); d > 0 {
		time.Sleep(d)
	}

	// Thaw A: its transaction (if one was open) belongs to a generation
	// that is gone.
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	frozenFor := time.Since(frozen)
	thawed := time.Now()
	trace.mark("---- A thawed (SIGCONT)")
	pub.open()
	// Frozen mid-transaction, A must find its transaction fenced. (Frozen
	// after its TxnOffsetCommit was accepted, its EndTxn may well commit:
	// the offsets were sent while it was a member; then only the tally
	// tells whether the takeover was right.)
	needFence := kb == nil
	var fenced string
	if !waitFor(60*time.Second, func() bool {
		log := a.logFrom(markA)
		if fenced == "" {
			fenced = fencedLine.FindString(log)
		}
		_, rejoined := lastAssignment(log)
		return (fenced != "" || !needFence) && rejoined
	}) {
		t.Errorf("A did not report a fenced or failed commit and rejoin within 60 s of SIGCONT (fenced: %q):\n%s", fenced, a.logTail())
	}
	rejoinedIn := time.Since(thawed)

	if err := pub.wait(120 * time.Second); err != nil {
		t.Fatal(err)
	}
	took := waitCommittedToEnd(t, e, 120*time.Second)
	ma, _ := txnSeries(ctx, a.metrics)
	mb, _ := txnSeries(ctx, b.metrics)
	if err := a.stop(); err != nil {
		t.Errorf("A exit: %v\n%s", err, a.logTail())
	}
	if err := b.stop(); err != nil {
		t.Errorf("B exit: %v\n%s", err, b.logTail())
	}

	tally := exactlyOnce(t, e, ids)
	if len(fenced) > 240 {
		fenced = fenced[:240] + "…"
	}
	t.Logf("exactly-once zombie, 2 instances: A frozen %s for %v (%s; B had all 3 partitions %v after the freeze), A rejoined %v after SIGCONT; A: %s; B: %s; A's log after the thaw: %s",
		how, frozenFor.Round(time.Millisecond), evicted, tookOver.Round(time.Millisecond), rejoinedIn.Round(time.Millisecond), txnSummary(ma), txnSummary(mb), fenced)
	t.Logf("exactly-once zombie: %s; caught up in %v", tally, took.Round(time.Millisecond))
}

// Broker outage and restart mid-transaction, embedded broker: one
// exactly-once instance while 3,000 articles flow. First the broker
// refuses every request (it closes the connection, as a broker that went
// away does) for 6 s, starting at the instance's next EndTxn or
// transactional Produce; later it is shut down at the instance's next
// transactional Produce and restarted from its data 3 s later (kfake
// restores the transaction left open). The instance must recover by itself
// (no restart, no exit) and a read_committed reader must see every id
// exactly once.
//
// Skipped unless NEWSFLOW_EOS_KNOWN_GAPS=1: finding E5, a defect of the
// embedded broker that Apache Kafka does not share. When Close lands while
// this test's control function runs, kfake saves its state and then still
// appends the Produce; on restart it aborts that transaction without an
// abort marker, and read_committed readers skip the producer's later,
// committed batches on that partition.
func TestExactlyOnceBrokerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and breaks the broker; skipped with -short")
	}
	if os.Getenv("NEWSFLOW_EOS_KNOWN_GAPS") != "1" {
		t.Skip("known gap E5 (RELIABILITY.md, issue 12), a kfake defect: a Close that lands while the control function runs is saved before the Produce is appended (kfake cluster.go tryControlKey runs admin functions meanwhile); the restart then aborts that transaction without an abort marker (persist.go loadPartitionFullReplay), hiding later committed batches of the producer from read_committed readers; 1 run in 5 to 15; NEWSFLOW_EOS_KNOWN_GAPS=1 runs it")
	}
	dir := t.TempDir()
	var (
		mu      sync.Mutex
		b       *broker.Broker
		refuse  atomic.Bool // the outage: every request refused
		trigger atomic.Int32
	)
	const (
		armOutage  = 1
		armRestart = 2
	)
	fired := make(chan int32, 4)
	var trace txnTrace
	defer trace.dumpOnFailure(t)
	start := func(listen string) *broker.Broker {
		nb := embedded(t, broker.Options{Listen: listen, Partitions: 3, Extra: []kfake.Opt{kfake.DataDir(dir)}})
		c := nb.Cluster()
		c.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			trace.note(req)
			txnal := false
			switch r := req.(type) {
			case *kmsg.EndTxnRequest:
				txnal = true
			case *kmsg.ProduceRequest:
				txnal = r.TransactionID != nil
			}
			if txnal {
				if armed := trigger.Load(); armed != 0 && trigger.CompareAndSwap(armed, 0) {
					if armed == armOutage {
						refuse.Store(true)
					}
					select {
					case fired <- armed:
					default:
					}
				}
			}
			if refuse.Load() {
				return nil, errors.New("outage"), true
			}
			return nil, nil, false
		})
		return nb
	}
	b = start("127.0.0.1:0")
	addr := b.Addrs()[0]
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		b.Close()
	})
	e := newEnv(t, b.Addrs(), 3)
	msgs, ids := articles(t, "brk", 3000, 100)
	bin := buildBinary(t)
	ctx := t.Context()
	p := startEOS(t, bin, e, "brk")
	defer p.logOnFailure(t)

	// paced publishes msgs[from:to] in chunks of 100 every 100 ms.
	paced := func(from, to int) {
		for i := from; i < to; i += 100 {
			if err := produce(ctx, e.brokers, e.in, 0, msgs[i:min(i+100, to)]...); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// mid arms a trigger and publishes a burst for the instance to be busy
	// with when it fires; it returns whether it fired on a transactional
	// request (else, after 5 s, the fault starts anyway).
	mid := func(arm int32, burst []kafka.Message) bool {
		if err := produce(ctx, e.brokers, e.in, 0, burst...); err != nil {
			t.Fatal(err)
		}
		trigger.Store(arm)
		select {
		case <-fired:
			return true
		case <-time.After(5 * time.Second):
			if trigger.CompareAndSwap(arm, 0) {
				if arm == armOutage {
					refuse.Store(true)
				}
				return false
			}
			<-fired
			return true
		}
	}
	// progress waits until the group commits past what it had committed.
	progress := func(what string) time.Duration {
		t0 := time.Now()
		var before int64 = -1
		if !waitFor(90*time.Second, func() bool {
			c, err := e.committed(ctx)
			if err != nil {
				return false
			}
			if before < 0 {
				before = total(c)
				return false
			}
			return total(c) > before
		}) {
			t.Fatalf("no commit within 90 s after %s:\n%s", what, p.logTail())
		}
		if p.exited() {
			t.Fatalf("the instance exited after %s: %v\n%s", what, p.err, p.logTail())
		}
		return time.Since(t0)
	}

	paced(0, 500)
	if !waitFor(60*time.Second, func() bool { return outputCount(ctx, e) > 0 }) {
		t.Fatalf("no output within 60 s:\n%s", p.logTail())
	}

	// 1. Outage: every request refused for 6 s, from mid-transaction.
	onTxn := mid(armOutage, msgs[500:1500])
	outage := time.Now()
	trace.mark("---- outage: every request refused")
	time.Sleep(6 * time.Second)
	refuse.Store(false)
	trace.mark("---- outage over")
	outageFor := time.Since(outage)
	if p.exited() {
		t.Fatalf("the instance exited during the outage: %v\n%s", p.err, p.logTail())
	}
	afterOutage := progress("the outage")
	paced(1500, 1800)

	// 2. Restart: shut down at a transactional Produce, back 3 s later
	// with its data.
	onProduce := mid(armRestart, msgs[1800:2600])
	mu.Lock()
	b.Close()
	mu.Unlock()
	trace.mark("---- broker closed")
	down := time.Now()
	time.Sleep(3 * time.Second)
	mu.Lock()
	b = start(addr)
	mu.Unlock()
	trace.mark("---- broker restarted")
	downFor := time.Since(down)
	afterRestart := progress("the restart")
	paced(2600, len(msgs))

	took := waitCommittedToEnd(t, e, 120*time.Second)
	m, _ := txnSeries(ctx, p.metrics)
	if err := p.stop(); err != nil {
		t.Errorf("instance exit: %v\n%s", err, p.logTail())
	}
	tally := exactlyOnce(t, e, ids)
	t.Logf("exactly-once broker faults, 1 instance: every request refused for %v (from a transactional request: %v), first commit %v after; broker down %v and restarted (shut down at a transactional Produce: %v), first commit %v after; %s",
		outageFor.Round(time.Millisecond), onTxn, afterOutage.Round(time.Millisecond), downFor.Round(time.Millisecond), onProduce, afterRestart.Round(time.Millisecond), txnSummary(m))
	t.Logf("exactly-once broker faults: %s; caught up in %v", tally, took.Round(time.Millisecond))
}

// A 30 s outage of a real Apache Kafka broker mid-stream, with two
// exactly-once instances: `scripts/kafka.sh down`, 30 s, `up`. Skipped
// unless $NEWSFLOW_TEST_BROKERS names the broker that
// $NEWSFLOW_TEST_KAFKA_SCRIPT controls (with its $NEWSFLOW_KAFKA_PORT).
func TestExactlyOnceRealBrokerOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops the real broker for 30 s; skipped with -short")
	}
	script := os.Getenv(EnvKafkaScript)
	if script == "" || !testkafka.Real() {
		t.Skipf("needs a real broker started by scripts/kafka.sh: set %s to the script and %s (eval \"$(scripts/kafka.sh env)\")", EnvKafkaScript, testkafka.EnvBrokers)
	}
	run := func(arg string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, script, arg).CombinedOutput()
		return string(out), err
	}
	brokers := testkafka.Brokers(t)
	if out, err := run("status"); err != nil || !strings.Contains(out, "PLAINTEXT      "+brokers[0]+"\n") {
		t.Skipf("%s status does not show the broker %s (set NEWSFLOW_KAFKA_PORT to its port): %v\n%s", script, brokers[0], err, out)
	}
	n := 6000
	e := newEnv(t, brokers, 3)
	msgs, ids := articles(t, "outage", n, 200)
	bin := buildBinary(t)
	ctx := t.Context()
	a := startEOS(t, bin, e, "outage-a")
	b := startEOS(t, bin, e, "outage-b")
	defer a.logOnFailure(t)
	defer b.logOnFailure(t)
	pub := publishPaced(ctx, brokers, e.in, msgs[:n-2000], 200, 300*time.Millisecond, 0)

	if !waitFor(90*time.Second, func() bool {
		la, ok1 := lastAssignment(a.logFrom(0))
		lb, ok2 := lastAssignment(b.logFrom(0))
		return ok1 && ok2 && la.generation == lb.generation && outputCount(ctx, e) > 0 && pub.sent.Load() >= int64(n/3)
	}) {
		t.Fatalf("the two instances never shared a generation with output within 90 s:\n%s\n---\n%s", a.logTail(), b.logTail())
	}
	// Mid-stream: a burst the instances are busy with when the broker
	// goes down; no input write is in flight during the outage.
	pub.hold()
	released := false
	defer func() {
		if !released {
			pub.release()
		}
	}()
	if err := produce(ctx, brokers, e.in, 0, msgs[n-2000:n-1000]...); err != nil {
		t.Fatal(err)
	}
	before := outputCount(ctx, e)
	down := time.Now()
	if out, err := run("down"); err != nil {
		t.Fatalf("%s down: %v\n%s", script, err, out)
	}
	stoppedIn := time.Since(down)
	if d := 30*time.Second - time.Since(down); d > 0 {
		time.Sleep(d)
	}
	// While the broker is down its ports are free, and another process on
	// this machine may take one of them for a while (a client's ephemeral
	// port, a test's listener on port 0): `up` is retried for a minute.
	for try := 1; ; try++ {
		out, err := run("up")
		if err == nil {
			break
		}
		if try >= 12 || !strings.Contains(out, "Address already in use") {
			t.Fatalf("%s up (try %d): %v\n%s", script, try, err, out)
		}
		t.Logf("%s up (try %d): a port of the broker is in use by another process; trying again in 5 s", script, try)
		time.Sleep(5 * time.Second)
	}
	downFor := time.Since(down)
	up := time.Now()
	for _, p := range []*eosProc{a, b} {
		if p.exited() {
			t.Fatalf("%s exited during the outage: %v\n%s", p.name, p.err, p.logTail())
		}
	}
	pub.release()
	released = true
	if err := pub.wait(180 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := produce(ctx, brokers, e.in, 0, msgs[n-1000:]...); err != nil {
		t.Fatal(err)
	}
	waitCommittedToEnd(t, e, 300*time.Second)
	took := time.Since(up)
	ma, _ := txnSeries(ctx, a.metrics)
	mb, _ := txnSeries(ctx, b.metrics)
	for _, p := range []*eosProc{a, b} {
		if err := p.stop(); err != nil {
			t.Errorf("%s exit: %v\n%s", p.name, err, p.logTail())
		}
	}
	tally := exactlyOnce(t, e, ids)
	t.Logf("exactly-once real Kafka outage, 2 instances: broker stopped right after a burst of 1000 (outputs then %d; the stop took %v), down %v in all; A: %s; B: %s",
		before, stoppedIn.Round(time.Millisecond), downFor.Round(time.Second), txnSummary(ma), txnSummary(mb))
	t.Logf("exactly-once real Kafka outage: %s; all committed %v after the broker was up (the last 3,000 published after it)", tally, took.Round(time.Millisecond))
}

// diagnoseLost logs where the lost ids are: in the output or DLQ log but
// invisible to read_committed (written in an aborted or still open
// transaction), and their input offsets against the group's committed
// offsets.
func diagnoseLost(t *testing.T, e env, lost []string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range lost {
		want[id] = true
	}
	raw := map[string][]string{} // id -> where it is in the raw output
	in := map[string]string{}    // id -> its input position
	read := func(topic string, key func(record.Record) string, into func(id string, r record.Record)) {
		ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
		defer cancel()
		parts, err := e.partitions(ctx, topic)
		if err != nil {
			t.Logf("diagnose: %v", err)
			return
		}
		var mu sync.Mutex
		quiet := time.Now()
		rctx, rcancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- consumer.Read(rctx, consumer.ReadConfig{Brokers: e.brokers, Topic: topic, Partition: parts, FromBeginning: true, Isolation: consumer.ReadUncommitted},
				func(r record.Record) error {
					mu.Lock()
					defer mu.Unlock()
					quiet = time.Now()
					if id := key(r); want[id] {
						into(id, r)
					}
					return nil
				})
		}()
		waitFor(60*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return time.Since(quiet) > 3*time.Second
		})
		rcancel()
		<-done
	}
	outKey := func(r record.Record) string {
		var a struct{ ID string }
		_ = json.Unmarshal(r.Value, &a)
		return a.ID
	}
	read(e.out, outKey, func(id string, r record.Record) {
		raw[id] = append(raw[id], fmt.Sprintf("out/%d@%d", r.Partition, r.Offset))
	})
	read(e.dlq, func(r record.Record) string { return string(r.Key) }, func(id string, r record.Record) {
		raw[id] = append(raw[id], fmt.Sprintf("dlq/%d@%d", r.Partition, r.Offset))
	})
	read(e.in, func(r record.Record) string { return string(r.Key) }, func(id string, r record.Record) {
		in[id] = fmt.Sprintf("in/%d@%d", r.Partition, r.Offset)
	})
	c, err := e.committed(t.Context())
	var sample []string
	inRaw := 0
	for _, id := range lost {
		if len(raw[id]) > 0 {
			inRaw++
		}
		if len(sample) < 12 {
			sample = append(sample, fmt.Sprintf("%s (%s -> %v)", id, in[id], raw[id]))
		}
	}
	t.Logf("diagnose: %d of %d lost ids are in the output/DLQ log but invisible to read_committed; committed input offsets %v (%v); e.g. %s",
		inRaw, len(lost), c, err, strings.Join(sample, ", "))
}

// txnTrace records the transactional requests an embedded broker sees
// (and the test's own marks), to log when a test fails: with the
// instances' logs it shows which transaction held what.
type txnTrace struct {
	mu    sync.Mutex
	lines []string
}

// note records req if it is part of a transaction.
func (tr *txnTrace) note(req kmsg.Request) {
	var s string
	switch r := req.(type) {
	case *kmsg.InitProducerIDRequest:
		tid := ""
		if r.TransactionalID != nil {
			tid = *r.TransactionalID
		}
		s = fmt.Sprintf("InitProducerID %s pid %d epoch %d", tid, r.ProducerID, r.ProducerEpoch)
	case *kmsg.AddPartitionsToTxnRequest:
		var tps []string
		for _, tp := range r.Topics {
			for _, p := range tp.Partitions {
				tps = append(tps, fmt.Sprintf("%s/%d", shortTopic(tp.Topic), p))
			}
		}
		s = fmt.Sprintf("AddPartitionsToTxn pid %d epoch %d %v", r.ProducerID, r.ProducerEpoch, tps)
	case *kmsg.ProduceRequest:
		if r.TransactionID == nil {
			return
		}
		var tps []string
		for _, tp := range r.Topics {
			for _, p := range tp.Partitions {
				tps = append(tps, fmt.Sprintf("%s/%d", shortTopic(tp.Topic), p.Partition))
			}
		}
		s = fmt.Sprintf("Produce %s %v", *r.TransactionID, tps)
	case *kmsg.AddOffsetsToTxnRequest:
		s = fmt.Sprintf("AddOffsetsToTxn pid %d epoch %d", r.ProducerID, r.ProducerEpoch)
	case *kmsg.TxnOffsetCommitRequest:
		var offs []string
		for _, tp := range r.Topics {
			for _, p := range tp.Partitions {
				offs = append(offs, fmt.Sprintf("%d:%d", p.Partition, p.Offset))
			}
		}
		s = fmt.Sprintf("TxnOffsetCommit %s pid %d epoch %d generation %d offsets %v", r.TransactionalID, r.ProducerID, r.ProducerEpoch, r.Generation, offs)
	case *kmsg.EndTxnRequest:
		s = fmt.Sprintf("EndTxn %s pid %d epoch %d commit %v", r.TransactionalID, r.ProducerID, r.ProducerEpoch, r.Commit)
	default:
		return
	}
	tr.mark(s)
}

// mark records a line.
func (tr *txnTrace) mark(s string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.lines = append(tr.lines, time.Now().Format("15:04:05.000")+" "+s)
}

// dumpOnFailure logs the last lines recorded if t failed.
func (tr *txnTrace) dumpOnFailure(t *testing.T) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !t.Failed() || len(tr.lines) == 0 {
		return
	}
	// From a little before the first fault on: the test marks its steps
	// with "----".
	from := max(0, len(tr.lines)-400)
	for i, l := range tr.lines {
		if strings.Contains(l, " ---- ") {
			from = max(0, i-60)
			break
		}
	}
	lines := tr.lines[from:min(len(tr.lines), from+400)]
	t.Logf("transactional requests the broker saw (lines %d-%d of %d):\n%s", from+1, from+len(lines), len(tr.lines), strings.Join(lines, "\n"))
}

// shortTopic is a topic name without the test's suffix (out, dlq, in).
func shortTopic(topic string) string {
	name, _, _ := strings.Cut(topic, ".")
	return name
}

// One failed write, embedded broker: the broker answers one transactional
// produce to one output partition 500 ms late and with a fatal error
// (INVALID_TXN_STATE), while the instance's other partitions keep writing
// (as a broker in trouble does). The transaction is aborted and the
// generation ends; no input offset whose outputs were in the aborted
// transaction may be committed, so a read_committed reader still sees
// every id exactly once.
func TestExactlyOnceWriteFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	kb := embedded(t, broker.Options{Partitions: 3})
	t.Cleanup(kb.Close)
	var trace txnTrace
	defer trace.dumpOnFailure(t)
	c := kb.Cluster()
	c.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		trace.note(req)
		return nil, nil, false
	})
	e := newEnv(t, kb.Addrs(), 3)
	msgs, ids := articles(t, "wf", 3000, 100)
	bin := buildBinary(t)
	ctx := t.Context()
	p := startEOS(t, bin, e, "wf")
	defer p.logOnFailure(t)
	if err := produce(ctx, e.brokers, e.in, 0, msgs[:500]...); err != nil {
		t.Fatal(err)
	}
	if !waitFor(60*time.Second, func() bool { return outputCount(ctx, e) > 0 }) {
		t.Fatalf("no output within 60 s:\n%s", p.logTail())
	}
	// A burst for every partition to be busy with, then one fatal error.
	if err := produce(ctx, e.brokers, e.in, 0, msgs[500:2000]...); err != nil {
		t.Fatal(err)
	}
	// The refused produce is answered after 500 ms: the commit that waits
	// for it is late, and the other partitions' writes go on meanwhile.
	var slow atomic.Bool
	slow.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.ProduceRequest)
		if r.TransactionID == nil || !slow.Load() {
			return nil, nil, false
		}
		for _, tp := range r.Topics {
			for _, pp := range tp.Partitions {
				if tp.Topic == e.out && pp.Partition == 0 && slow.CompareAndSwap(true, false) {
					c.SleepControl(func() { time.Sleep(500 * time.Millisecond) })
				}
			}
		}
		return nil, nil, false
	})
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: e.out, Partitions: []int32{0}, Err: kerr.InvalidTxnState,
		When: func(req kmsg.Request) bool {
			r, ok := req.(*kmsg.ProduceRequest)
			return ok && r.TransactionID != nil
		}})
	if !waitFor(30*time.Second, func() bool { return h.Hits() > 0 }) {
		t.Fatalf("no transactional produce to partition 0 within 30 s:\n%s", p.logTail())
	}
	trace.mark("---- one produce to out/0 refused with INVALID_TXN_STATE")
	if err := produce(ctx, e.brokers, e.in, 0, msgs[2000:]...); err != nil {
		t.Fatal(err)
	}
	took := waitCommittedToEnd(t, e, 120*time.Second)
	m, _ := txnSeries(ctx, p.metrics)
	if err := p.stop(); err != nil {
		t.Errorf("instance exit: %v\n%s", err, p.logTail())
	}
	tally := exactlyOnce(t, e, ids)
	t.Logf("exactly-once, one fatal produce error: %s; %s; caught up in %v", txnSummary(m), tally, took.Round(time.Millisecond))
}
