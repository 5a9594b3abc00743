package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// Txn is what exactly-once processing needs of a transactional producer
// (producer.TxnProducer is one).
type Txn interface {
	Begin() error
	Write(ctx context.Context, recs []record.Record) error
	Commit(ctx context.Context, g *producer.GroupOffsets) error
	Abort(ctx context.Context) error
	Close() error
}

// ExactlyOnce makes the engine's writes and the consumer's offset commits
// one Kafka transaction per commit cycle (EOS v2: one transactional
// producer per instance, fenced by its epoch and by the group generation,
// KIP-447). It is the engine's Sink and the consumer's Committer.
//
// Every Write goes into the open transaction (begun by the first Write of a
// cycle). A partition's write loop holds the transaction open (Hold) from
// its Write until its records are Done, so that when Commit runs, every
// record written in the transaction is finished and its offset is among
// those committed with it: outputs and offsets become visible together, or
// not at all. Commit blocks new writes while it runs.
//
// On any failure — a write that failed for good, a commit the broker
// refused, a fenced producer — the transaction is aborted and the consumer
// rejoins the group, so every partition is consumed again from the offsets
// of the last committed transaction. A fenced producer (another instance
// with the same transactional id, or a zombie of this one) is replaced by a
// new one from NewTxn, which bumps the epoch.
type ExactlyOnce struct {
	newTxn func(ctx context.Context) (Txn, error)

	hold sync.RWMutex // R: a write loop between Write and Done; W: Commit, Abort

	mu      sync.Mutex // guards the fields below
	txn     Txn
	open    bool
	failure error // a write failed for good: the transaction must be aborted
	// aborted is set when a transaction was aborted after a failure: until
	// the consumer's Abort (at the end of the failed generation), no write
	// or commit is accepted, since records whose outputs were in the
	// aborted transaction may already be marked done.
	aborted error
}

// NewExactlyOnce returns the exactly-once sink and committer. It contacts no
// broker: Start creates the transactional producer with newTxn, which must
// init its producer id (fencing older instances with the same
// transactional id). The transactional producer counts transactions,
// their durations and fencing (newsflow_producer_txn_*).
func NewExactlyOnce(newTxn func(ctx context.Context) (Txn, error)) *ExactlyOnce {
	return &ExactlyOnce{newTxn: newTxn}
}

// errNotStarted is returned before Start.
var errNotStarted = errors.New("exactly-once: not started")

// Start creates the transactional producer. It blocks until the producer
// id is initialised or ctx ends. Call it once, before the consumer runs.
func (x *ExactlyOnce) Start(ctx context.Context) error {
	txn, err := x.newTxn(ctx)
	if err != nil {
		return fmt.Errorf("exactly-once: %w", err)
	}
	x.mu.Lock()
	x.txn = txn
	x.mu.Unlock()
	return nil
}

// Hold keeps the transaction from committing until the returned function
// is called. The engine holds it from a batch's Write until its records
// are Done.
func (x *ExactlyOnce) Hold() (release func()) {
	x.hold.RLock()
	return x.hold.RUnlock
}

// Write writes recs in the open transaction, beginning one if none is
// open. A *producer.RejectedError (records refused for good, to be
// dead-lettered) leaves the transaction usable; any other error marks it
// for abort.
func (x *ExactlyOnce) Write(ctx context.Context, recs []record.Record) error {
	x.mu.Lock()
	txn := x.txn
	if txn == nil {
		x.mu.Unlock()
		return errNotStarted
	}
	if x.aborted != nil {
		x.mu.Unlock()
		return fmt.Errorf("exactly-once: the generation's transaction was aborted: %w", x.aborted)
	}
	if x.failure != nil {
		x.mu.Unlock()
		return fmt.Errorf("exactly-once: the transaction is being aborted: %w", x.failure)
	}
	if !x.open {
		if err := txn.Begin(); err != nil {
			x.failure = err
			x.mu.Unlock()
			return fmt.Errorf("exactly-once: begin: %w", err)
		}
		x.open = true
	}
	x.mu.Unlock()
	err := txn.Write(ctx, recs)
	var rej *producer.RejectedError
	if err != nil && !errors.As(err, &rej) {
		x.mu.Lock()
		if x.failure == nil {
			x.failure = err
		}
		x.mu.Unlock()
	}
	return err
}

// Failing reports a transaction that must be aborted.
func (x *ExactlyOnce) Failing() (bool, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failure != nil {
		return true, "exactly-once: the transaction failed and is being aborted: " + x.failure.Error()
	}
	return false, ""
}

// Commit implements consumer.Committer: it waits for the writes in progress
// to finish, then commits the transaction with the offsets collect returns.
func (x *ExactlyOnce) Commit(ctx context.Context, g consumer.Generation, collect func() map[string]map[int]int64) error {
	x.hold.Lock()
	defer x.hold.Unlock()
	offs := collect()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.txn == nil {
		return errNotStarted
	}
	if x.aborted != nil {
		return fmt.Errorf("exactly-once: the generation's transaction was aborted: %w", x.aborted)
	}
	if x.failure != nil {
		err := fmt.Errorf("exactly-once: aborted after a failed write: %w", x.failure)
		x.abortLocked(ctx)
		x.aborted = err
		return err
	}
	if !x.open && len(offs) == 0 {
		return nil
	}
	if !x.open {
		// Only offsets moved (transaction markers, aborted input): they
		// are committed in a transaction of their own.
		if err := x.txn.Begin(); err != nil {
			x.failure = err
			err = x.fail(ctx, fmt.Errorf("exactly-once: begin: %w", err))
			x.aborted = err
			return err
		}
	}
	var go_ *producer.GroupOffsets
	if len(offs) > 0 {
		go_ = &producer.GroupOffsets{GroupID: g.GroupID, GenerationID: g.ID, MemberID: g.MemberID, Offsets: offs}
	}
	if err := x.txn.Commit(ctx, go_); err != nil {
		x.open = true // so that fail aborts it
		x.failure = err
		err = x.fail(ctx, fmt.Errorf("exactly-once: commit: %w", err))
		x.aborted = err
		return err
	}
	x.open = false
	return nil
}

// Abort implements consumer.Committer: it discards the open transaction
// at the end of a failed generation, and accepts writes and commits again.
func (x *ExactlyOnce) Abort(ctx context.Context) error {
	x.hold.Lock()
	defer x.hold.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.aborted = nil
	return x.abortLocked(ctx)
}

// fail aborts after err and returns err.
func (x *ExactlyOnce) fail(ctx context.Context, err error) error {
	if aerr := x.abortLocked(ctx); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// abortLocked aborts the open transaction, replacing the producer if it was
// fenced. x.mu and x.hold are held.
func (x *ExactlyOnce) abortLocked(ctx context.Context) error {
	defer func() { x.failure = nil }()
	if x.txn == nil {
		return nil
	}
	fenced := errors.Is(x.failure, producer.ErrFenced) || errors.Is(x.aborted, producer.ErrFenced)
	var err error
	if x.open && !fenced {
		err = x.txn.Abort(ctx)
		fenced = errors.Is(err, producer.ErrFenced)
	}
	x.open = false
	if fenced || err != nil {
		// A fenced producer can do nothing more; one whose abort failed is
		// in an unknown state. Replace it: NewTxn bumps the epoch, which
		// also aborts whatever the old one left open.
		x.txn.Close()
		txn, nerr := x.newTxn(ctx)
		if nerr != nil {
			return fmt.Errorf("exactly-once: replace the producer: %w", errors.Join(err, nerr))
		}
		x.txn = txn
		return nil
	}
	return err
}

// Close closes the transactional producer (an open transaction is aborted
// by the broker when it times out, or at once by the next instance with the
// same transactional id).
func (x *ExactlyOnce) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.txn == nil {
		return nil
	}
	return x.txn.Close()
}
