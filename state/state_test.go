package state_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
	"github.com/newsflow/newsflow/state"
)

// changelog creates a compacted changelog topic as newsflow does.
func changelog(t *testing.T, brokers []string, partitions int) string {
	t.Helper()
	topic := testkafka.Name(t, "changelog")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := engine.EnsureTopicSpecs(ctx, brokers, nil, engine.TopicSpec{Name: topic, Partitions: partitions, Replication: -1, Configs: state.ChangelogConfigs()}); err != nil {
		t.Fatal(err)
	}
	return topic
}

func write(t *testing.T, brokers []string, recs ...record.Record) {
	t.Helper()
	p, err := producer.New(producer.Config{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
}

// table is a map fed by a Global table.
type table struct {
	mu sync.Mutex
	m  map[string]string
}

func (tb *table) apply(k, v []byte) error {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if strings.HasPrefix(string(v), "bad") {
		return fmt.Errorf("malformed value %q", v)
	}
	if v == nil {
		delete(tb.m, string(k))
	} else {
		tb.m[string(k)] = string(v)
	}
	return nil
}

func (tb *table) get(k string) (string, bool) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	v, ok := tb.m[k]
	return v, ok
}

func (tb *table) len() int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return len(tb.m)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGlobalRestoresToTheEndThenFollows(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := changelog(t, brokers, 3)
	var recs []record.Record
	for i := range 300 {
		recs = append(recs, record.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i%100), Value: fmt.Appendf(nil, "v%d", i)})
	}
	recs = append(recs,
		record.Record{Topic: topic, Key: []byte("k7")},                       // tombstone
		record.Record{Topic: topic, Key: []byte("k8"), Value: []byte("bad")}, // malformed: passed over
	)
	write(t, brokers, recs...)

	tb := &table{m: map[string]string{}}
	m := state.NewMetrics()
	g, err := state.NewGlobal(state.Config{Brokers: brokers, Topic: topic, Name: "test", Metrics: m}, tb.apply)
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := g.Ready(); ok || !strings.Contains(why, "restoring") {
		t.Fatalf("ready before the restore: %v %q", ok, why)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-g.Restored():
	case <-time.After(20 * time.Second):
		t.Fatal("not restored")
	}
	// Everything written before the restore is in the table when Restored
	// is closed: the last value of each key, without the deleted one.
	if n := tb.len(); n != 99 {
		t.Fatalf("restored %d keys, want 99", n)
	}
	if v, _ := tb.get("k99"); v != "v299" {
		t.Fatalf("k99 = %q, want the last value v299", v)
	}
	if _, ok := tb.get("k7"); ok {
		t.Fatal("the tombstone was not applied")
	}
	if v, _ := tb.get("k8"); v != "v208" {
		t.Fatalf("k8 = %q: the malformed record must be passed over, keeping v208", v)
	}
	if ok, why := g.Ready(); !ok {
		t.Fatalf("not ready after the restore: %s", why)
	}
	if got := testutil.ToFloat64(m.RestoreRecords.WithLabelValues("test")); got != 302 {
		t.Fatalf("restore records = %v, want 302", got)
	}
	if got := testutil.ToFloat64(m.Invalid.WithLabelValues("test")); got != 1 {
		t.Fatalf("invalid = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.Restoring.WithLabelValues("test")); got != 0 {
		t.Fatalf("restoring = %v after the restore", got)
	}

	// Updates written afterwards, by anyone, are followed.
	write(t, brokers, record.Record{Topic: topic, Key: []byte("new"), Value: []byte("x")}, record.Record{Topic: topic, Key: []byte("k1")})
	eventually(t, "the update", func() bool {
		_, gone := tb.get("k1")
		v, _ := tb.get("new")
		return v == "x" && !gone
	})
	if got := testutil.ToFloat64(m.Updates.WithLabelValues("test")); got != 2 {
		t.Fatalf("updates = %v, want 2", got)
	}
}

func TestGlobalRestoreOfEmptyChangelog(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := changelog(t, brokers, 2)
	g, err := state.NewGlobal(state.Config{Brokers: brokers, Topic: topic, Name: "empty"}, func(k, v []byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.Run(ctx)
	select {
	case <-g.Restored():
	case <-time.After(20 * time.Second):
		t.Fatal("an empty changelog must restore at once")
	}
}

// A restore reads to the last stable offset: it waits for a transaction
// still open on the changelog, and applies its records only if it commits.
func TestGlobalRestoreWaitsForOpenTransactions(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := changelog(t, brokers, 1)
	write(t, brokers, record.Record{Topic: topic, Key: []byte("a"), Value: []byte("1")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tp, err := producer.NewTxn(ctx, producer.TxnConfig{Brokers: brokers, TransactionalID: testkafka.Name(t, "txn")})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	// An aborted transaction: never applied.
	if err := tp.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := tp.Write(ctx, []record.Record{{Topic: topic, Key: []byte("aborted"), Value: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := tp.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	// An open one.
	if err := tp.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := tp.Write(ctx, []record.Record{{Topic: topic, Key: []byte("b"), Value: []byte("2")}}); err != nil {
		t.Fatal(err)
	}

	tb := &table{m: map[string]string{}}
	g, err := state.NewGlobal(state.Config{Brokers: brokers, Topic: topic, Name: "txn"}, tb.apply)
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithCancel(ctx)
	defer rcancel()
	go g.Run(rctx)
	select {
	case <-g.Restored():
		// The last stable offset is below the open transaction: the
		// restore may finish, but must not have applied it.
		if _, ok := tb.get("b"); ok {
			t.Fatal("a record of an open transaction was applied")
		}
	case <-time.After(time.Second):
	}
	if err := tp.Commit(ctx, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the committed transaction", func() bool {
		v, _ := tb.get("b")
		return v == "2"
	})
	select {
	case <-g.Restored():
	case <-time.After(20 * time.Second):
		t.Fatal("not restored after the commit")
	}
	if v, _ := tb.get("a"); v != "1" {
		t.Fatalf("a = %q", v)
	}
	if _, ok := tb.get("aborted"); ok {
		t.Fatal("a record of an aborted transaction was applied")
	}
}

// partitioned makes a partitioned store "windows" over a new changelog of
// the given partitions, and a context for the test's calls.
func partitioned(t *testing.T, partitions int) (brokers []string, topic string, m *state.Metrics, ps *state.Partitioned, ctx context.Context) {
	t.Helper()
	brokers = testkafka.Brokers(t)
	topic = changelog(t, brokers, partitions)
	m = state.NewMetrics()
	ps, err := state.NewPartitioned(state.Config{Brokers: brokers, Topic: topic, Name: "windows", Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return brokers, topic, m, ps, ctx
}

func TestPartitionedRestoresOnlyItsPartition(t *testing.T) {
	brokers, topic, m, ps, ctx := partitioned(t, 3)
	// Fill partitions 0 and 2 through stores, as a processing stage does:
	// each update is a pinned changelog record the caller writes.
	var recs []record.Record
	for _, p := range []int{0, 2} {
		s, err := ps.Restore(ctx, p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 0 {
			t.Fatalf("partition %d: %d keys in a new changelog", p, s.Len())
		}
		for i := range 50 {
			recs = append(recs, s.Put(fmt.Sprintf("p%d-k%d", p, i%20), fmt.Appendf(nil, "%d", i)))
		}
		recs = append(recs, s.Delete(fmt.Sprintf("p%d-k3", p)))
	}
	for _, r := range recs {
		if !r.Pinned || r.Topic != topic {
			t.Fatalf("changelog record %+v is not pinned to its partition", r)
		}
	}
	write(t, brokers, recs...)
	if got := testutil.ToFloat64(m.Entries.WithLabelValues("windows")); got != 38 {
		t.Fatalf("entries = %v, want 38", got)
	}

	// A new owner (another instance) restores partition 2 only.
	other, err := state.NewPartitioned(state.Config{Brokers: brokers, Topic: topic, Name: "windows"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := other.Restore(ctx, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Len() != 19 {
		t.Fatalf("restored %d keys of partition 2, want 19", s2.Len())
	}
	n := 0
	s2.Range(func(k string, v []byte) bool {
		if !strings.HasPrefix(k, "p2-") {
			t.Errorf("key %s of another partition restored", k)
		}
		n++
		return true
	})
	if v, _ := s2.Get("p2-k19"); string(v) != "39" {
		t.Fatalf("p2-k19 = %q, want the last value 39", v)
	}
	if _, ok := s2.Get("p2-k3"); ok {
		t.Fatal("deleted key restored")
	}
	if _, ok := other.Store(0); ok {
		t.Fatal("partition 0 was never restored here")
	}
	other.Drop(2)
	if _, ok := other.Store(2); ok {
		t.Fatal("dropped partition still there")
	}
	if ok, why := other.Ready(); !ok {
		t.Fatal(why)
	}
}

// TestLoggedEntriesAreRestoredButNotKept: Log writes an entry to the
// changelog without keeping it in memory (the caller indexes it), a
// restore loads it back for the caller to read, and Forget drops it from
// memory again without a tombstone.
func TestLoggedEntriesAreRestoredButNotKept(t *testing.T) {
	brokers, topic, m, ps, ctx := partitioned(t, 1)
	s, err := ps.Restore(ctx, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := []record.Record{s.Put("w|a", []byte("old")), s.Put("keep", []byte("1"))}
	// Log replaces the in-memory "w|a" and keeps nothing of "w|b".
	recs = append(recs, s.Log("w|a", []byte("new")), s.Log("w|b", []byte("2")), s.Log("w|c", []byte("3")), s.Delete("w|c"))
	for _, r := range recs {
		if !r.Pinned || r.Topic != topic || r.Partition != 0 {
			t.Fatalf("changelog record %+v is not pinned to its partition", r)
		}
	}
	if _, ok := s.Get("w|a"); ok {
		t.Fatal("a logged key's older value is still in memory")
	}
	if s.Len() != 1 {
		t.Fatalf("%d keys in memory, want only the one Put", s.Len())
	}
	if got := testutil.ToFloat64(m.Entries.WithLabelValues("windows")); got != 1 {
		t.Fatalf("entries = %v, want 1", got)
	}
	write(t, brokers, recs...)

	r, err := ps.Restore(ctx, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	r.Range(func(k string, v []byte) bool {
		got[k] = string(v)
		return true
	})
	want := map[string]string{"w|a": "new", "w|b": "2", "keep": "1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("restored %v, want %v", got, want)
	}
	r.Forget("w|")
	if v, ok := r.Get("keep"); !ok || string(v) != "1" || r.Len() != 1 {
		t.Fatalf("after Forget: %d keys, keep = %q", r.Len(), v)
	}
	if got := testutil.ToFloat64(m.Entries.WithLabelValues("windows")); got != 1 {
		t.Fatalf("entries after Forget = %v, want 1", got)
	}

	// A restore that takes the w| records sees each, tombstones (nil)
	// included, in log order, and the store never holds them.
	var taken []string
	r, err = ps.Restore(ctx, 0, func(k string, v []byte) bool {
		if !strings.HasPrefix(k, "w|") {
			return false
		}
		if v == nil {
			taken = append(taken, k+"=<nil>")
		} else {
			taken = append(taken, k+"="+string(v))
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "w|a=old w|a=new w|b=2 w|c=3 w|c=<nil>"; strings.Join(taken, " ") != want {
		t.Fatalf("taken %q, want %q", taken, want)
	}
	if v, ok := r.Get("keep"); !ok || string(v) != "1" || r.Len() != 1 {
		t.Fatalf("after a taking restore: %d keys, keep = %q", r.Len(), v)
	}
}
