package consumer

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/newsflow/newsflow/record"
)

// Handler processes the records of one assigned partition. HandleClaim is
// called in its own goroutine for every partition this instance is
// assigned, once per group generation. It must read Records() until the
// channel is closed (the partition is being revoked or the consumer is
// stopping), call Done for each record once every output derived from it
// is acknowledged, and return. ctx is cancelled when the drain deadline
// passes: records not yet Done then stay uncommitted and are consumed again
// by whoever owns the partition next.
//
// A non-nil error before the claim is closed means the handler cannot go
// on (for example a write failed for good): the consumer leaves the group
// and joins again, so the partition is consumed anew from its committed
// offset.
type Handler interface {
	HandleClaim(ctx context.Context, c Claim) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, c Claim) error

// HandleClaim calls f.
func (f HandlerFunc) HandleClaim(ctx context.Context, c Claim) error { return f(ctx, c) }

// Claim is one assigned partition in one generation, as a Handler sees it.
// Its methods are safe for concurrent use.
type Claim interface {
	Topic() string
	Partition() int
	// Records returns the fetched data records in offset order (never a
	// transaction marker, never a record of an aborted transaction when
	// reading read_committed). It is closed when the partition is revoked
	// or the consumer stops.
	Records() <-chan record.Record
	// Done marks a record finished; its offset may then be committed once
	// every earlier record is finished too. Call it once per record.
	Done(r record.Record)
}

// budget bounds what the whole consumer holds fetched and unfinished:
// records and bytes, shared by every assigned partition.
type budget struct {
	records, bytes   *semaphore.Weighted
	maxBytes         int64
	inFlight, inByte atomic.Int64
	m                *Metrics
}

func newBudget(records int, bytes int64, m *Metrics) *budget {
	return &budget{records: semaphore.NewWeighted(int64(records)), bytes: semaphore.NewWeighted(bytes), maxBytes: bytes, m: m}
}

// weight is what a record costs of the byte budget: its size, at most the
// whole budget (so one huge record can still pass alone).
func (b *budget) weight(r *record.Record) int64 { return min(r.Size(), b.maxBytes) }

// acquire blocks until r fits in the budget or ctx ends.
func (b *budget) acquire(ctx context.Context, r *record.Record) error {
	if err := b.records.Acquire(ctx, 1); err != nil {
		return err
	}
	if err := b.bytes.Acquire(ctx, b.weight(r)); err != nil {
		b.records.Release(1)
		return err
	}
	b.m.InFlight.Set(float64(b.inFlight.Add(1)))
	b.m.InFlightBytes.Set(float64(b.inByte.Add(b.weight(r))))
	return nil
}

func (b *budget) releaseN(records, bytes int64) {
	if records == 0 {
		return
	}
	b.bytes.Release(bytes)
	b.records.Release(records)
	b.m.InFlight.Set(float64(b.inFlight.Add(-records)))
	b.m.InFlightBytes.Set(float64(b.inByte.Add(-bytes)))
}

// claim is the consumer's Claim.
type claim struct {
	topic     string
	partition int
	recs      chan record.Record
	tracker   *Tracker
	budget    *budget
	// end is the log end seen by the last fetch or offset listing (high
	// watermark, or last stable offset for read_committed); endAt is when,
	// in unix nanos.
	end, endAt atomic.Int64

	// What this claim holds of the budget: records handed to the handler
	// and not yet Done. Once closed, Done no longer touches the budget.
	mu                    sync.Mutex
	heldRecords, heldByte int64
	closed                bool
}

// hold moves r's share of the budget to the claim (r was acquired by the
// fetcher and is being handed over).
func (c *claim) hold(r *record.Record) {
	c.mu.Lock()
	c.heldRecords++
	c.heldByte += c.budget.weight(r)
	c.mu.Unlock()
}

// close gives back to the budget what the handler still holds and returns
// how many records that was. Later Done calls only update the tracker.
func (c *claim) close() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.heldRecords
	c.budget.releaseN(c.heldRecords, c.heldByte)
	c.heldRecords, c.heldByte, c.closed = 0, 0, true
	return n
}

func (c *claim) setEnd(end int64) {
	c.end.Store(end)
	c.endAt.Store(time.Now().UnixNano())
}

func (c *claim) Topic() string                 { return c.topic }
func (c *claim) Partition() int                { return c.partition }
func (c *claim) Records() <-chan record.Record { return c.recs }

func (c *claim) Done(r record.Record) {
	c.tracker.Done(r.Offset)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	w := c.budget.weight(&r)
	c.heldRecords--
	c.heldByte -= w
	c.budget.releaseN(1, w)
}
