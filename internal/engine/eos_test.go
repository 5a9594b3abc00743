package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// fakeTxn records the calls of the exactly-once sink.
type fakeTxn struct {
	mu        sync.Mutex
	calls     []string
	writeErr  error
	commitErr error
	abortErr  error
	committed []*producer.GroupOffsets
	closed    bool
}

func (f *fakeTxn) log(c string) { f.mu.Lock(); f.calls = append(f.calls, c); f.mu.Unlock() }
func (f *fakeTxn) Begin() error { f.log("begin"); return nil }
func (f *fakeTxn) Write(_ context.Context, recs []record.Record) error {
	f.log(fmt.Sprintf("write %d", len(recs)))
	return f.writeErr
}
func (f *fakeTxn) Commit(_ context.Context, g *producer.GroupOffsets) error {
	f.log("commit")
	f.mu.Lock()
	f.committed = append(f.committed, g)
	f.mu.Unlock()
	return f.commitErr
}
func (f *fakeTxn) Abort(context.Context) error { f.log("abort"); return f.abortErr }
func (f *fakeTxn) Close() error                { f.log("close"); f.closed = true; return nil }
func (f *fakeTxn) trace() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.calls, ",")
}

func newEOS(t *testing.T, txns ...*fakeTxn) (*ExactlyOnce, *int) {
	t.Helper()
	n := 0
	x := NewExactlyOnce(func(context.Context) (Txn, error) {
		if n >= len(txns) {
			return nil, errors.New("no more producers")
		}
		n++
		return txns[n-1], nil
	})
	if err := x.Write(context.Background(), nil); !errors.Is(err, errNotStarted) {
		t.Fatalf("write before Start: %v", err)
	}
	if err := x.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return x, &n
}

var gen = consumer.Generation{GroupID: "g", ID: 7, MemberID: "m"}

func offsets(o int64) func() map[string]map[int]int64 {
	return func() map[string]map[int]int64 { return map[string]map[int]int64{"in": {0: o}} }
}

func TestExactlyOnceCommitsWritesWithTheirOffsets(t *testing.T) {
	f := &fakeTxn{}
	x, _ := newEOS(t, f)
	ctx := context.Background()
	if err := x.Write(ctx, make([]record.Record, 3)); err != nil {
		t.Fatal(err)
	}
	if err := x.Write(ctx, make([]record.Record, 2)); err != nil {
		t.Fatal(err)
	}
	if err := x.Commit(ctx, gen, offsets(5)); err != nil {
		t.Fatal(err)
	}
	if got := f.trace(); got != "begin,write 3,write 2,commit" {
		t.Errorf("calls = %s", got)
	}
	g := f.committed[0]
	if g.GroupID != "g" || g.GenerationID != 7 || g.MemberID != "m" || g.Offsets["in"][0] != 5 {
		t.Errorf("group offsets = %+v", g)
	}
	// Nothing written and no offsets: no transaction at all.
	if err := x.Commit(ctx, gen, func() map[string]map[int]int64 { return nil }); err != nil {
		t.Fatal(err)
	}
	// Only offsets moved (markers): a transaction of their own.
	if err := x.Commit(ctx, gen, offsets(9)); err != nil {
		t.Fatal(err)
	}
	if got := f.trace(); got != "begin,write 3,write 2,commit,begin,commit" {
		t.Errorf("calls = %s", got)
	}
}

func TestExactlyOnceCommitWaitsForHeldWrites(t *testing.T) {
	f := &fakeTxn{}
	x, _ := newEOS(t, f)
	ctx := context.Background()
	release := x.Hold()
	if err := x.Write(ctx, make([]record.Record, 1)); err != nil {
		t.Fatal(err)
	}
	collected := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- x.Commit(ctx, gen, func() map[string]map[int]int64 { close(collected); return nil })
	}()
	select {
	case <-collected:
		t.Fatal("commit collected offsets while a write was still held")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-collected
}

func TestExactlyOnceAbortsAfterAFailedWrite(t *testing.T) {
	f := &fakeTxn{writeErr: errors.New("broker gone")}
	x, _ := newEOS(t, f)
	ctx := context.Background()
	if err := x.Write(ctx, make([]record.Record, 1)); err == nil {
		t.Fatal("write error swallowed")
	}
	if failing, why := x.Failing(); !failing || !strings.Contains(why, "broker gone") {
		t.Errorf("Failing = %v %q", failing, why)
	}
	if err := x.Write(ctx, make([]record.Record, 1)); err == nil {
		t.Error("a write into a failed transaction was accepted")
	}
	err := x.Commit(ctx, gen, offsets(3))
	if err == nil || !strings.Contains(err.Error(), "broker gone") {
		t.Fatalf("commit after a failed write: %v", err)
	}
	if got := f.trace(); got != "begin,write 1,abort" {
		t.Errorf("calls = %s", got)
	}
	if len(f.committed) != 0 {
		t.Error("offsets committed after a failed write")
	}
	// Until the consumer ends the failed generation (Abort), nothing is
	// written or committed: records whose outputs were in the aborted
	// transaction may already be done.
	f.writeErr = nil
	if err := x.Write(ctx, make([]record.Record, 1)); err == nil {
		t.Error("a write was accepted before the failed generation ended")
	}
	if err := x.Commit(ctx, gen, offsets(4)); err == nil {
		t.Error("a commit was accepted before the failed generation ended")
	}
	if err := x.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if err := x.Write(ctx, make([]record.Record, 1)); err != nil {
		t.Fatal(err)
	}
}

func TestExactlyOnceRejectedRecordsKeepTheTransaction(t *testing.T) {
	f := &fakeTxn{writeErr: &producer.RejectedError{Errs: []error{&producer.WriteError{Class: producer.ClassTooLarge}}}}
	x, _ := newEOS(t, f)
	if err := x.Write(context.Background(), make([]record.Record, 1)); err == nil {
		t.Fatal("rejection swallowed")
	}
	if failing, _ := x.Failing(); failing {
		t.Error("a per-record rejection failed the transaction")
	}
	f.writeErr = nil
	if err := x.Commit(context.Background(), gen, offsets(1)); err != nil {
		t.Fatal(err)
	}
}

func TestExactlyOnceReplacesAFencedProducer(t *testing.T) {
	old := &fakeTxn{commitErr: fmt.Errorf("commit: %w", producer.ErrFenced), abortErr: producer.ErrFenced}
	fresh := &fakeTxn{}
	x, n := newEOS(t, old, fresh)
	ctx := context.Background()
	if err := x.Write(ctx, make([]record.Record, 1)); err != nil {
		t.Fatal(err)
	}
	if err := x.Commit(ctx, gen, offsets(1)); !errors.Is(err, producer.ErrFenced) {
		t.Fatalf("commit of a fenced producer: %v", err)
	}
	if *n != 2 || !old.closed {
		t.Errorf("fenced producer not replaced: %d made, old closed %v", *n, old.closed)
	}
	if err := x.Abort(ctx); err != nil { // the consumer ends the failed generation
		t.Fatal(err)
	}
	if err := x.Write(ctx, make([]record.Record, 1)); err != nil {
		t.Fatal(err)
	}
	if err := x.Commit(ctx, gen, offsets(2)); err != nil {
		t.Fatal(err)
	}
	if got := fresh.trace(); got != "begin,write 1,commit" {
		t.Errorf("new producer calls = %s", got)
	}
}

func TestExactlyOnceAbortWithNothingOpen(t *testing.T) {
	f := &fakeTxn{}
	x, _ := newEOS(t, f)
	if err := x.Abort(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.trace() != "" {
		t.Errorf("calls = %s", f.trace())
	}
}
