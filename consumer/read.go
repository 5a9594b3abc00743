package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/semaphore"

	"github.com/newsflow/newsflow/record"
)

// ReadConfig configures Read: a reader of whole partitions outside any
// consumer group (nothing is committed), with the same fetcher as the
// Consumer, so it also never yields transaction markers and honours
// Isolation.
type ReadConfig struct {
	Brokers   []string // required
	Topic     string   // required
	Partition []int    // required: the partitions to read
	// FromBeginning starts at each partition's log start; else at its end
	// (only records written from now on).
	FromBeginning bool
	Dialer        *kafka.Dialer
	Transport     *kafka.Transport
	Isolation     Isolation // default ReadCommitted
	// CaughtUp, if set, is called once, from a goroutine of Read, when
	// every partition has been read up to the high watermark it had when
	// Read started and each has returned for every record before it.
	// Under ReadCommitted that waits for every transaction open on the
	// partition at the start to commit or abort (the broker serves
	// nothing past the last stable offset), however long that takes: the
	// coordinator aborts an abandoned one at its transaction timeout.
	// Restoring a state table from its changelog uses it: stopping at the
	// last stable offset instead would miss a transaction whose EndTxn
	// has returned but whose markers are not yet written (Apache Kafka
	// writes them after it answers), or one a previous owner is still
	// committing, while the input offsets it commits (read with
	// require_stable) are already past the records that made it.
	CaughtUp func()
	// UntilEnd makes Read return nil as soon as it has caught up (see
	// CaughtUp) instead of following the partitions.
	UntilEnd bool
}

// Read reads the partitions and calls each, from one goroutine at a time,
// with every data record, in offset order per partition. It blocks until
// ctx is done (then it returns nil), each returns an error (which it
// returns), or, with UntilEnd, it has caught up.
//
// Known limit: kafka-go's decoder drops a batch's last-offset field, so a
// batch of a compacted topic whose last records the log cleaner removed,
// at the very end of the log, cannot be stepped over; the broker never
// cleans the active segment, where the end of the log is, so it takes a
// segment roll with no later write for this to happen.
func Read(ctx context.Context, rc ReadConfig, each func(record.Record) error) error {
	if len(rc.Brokers) == 0 || rc.Topic == "" || len(rc.Partition) == 0 {
		return errors.New("consumer: Read needs brokers, a topic and partitions")
	}
	cfg := Config{Brokers: rc.Brokers, GroupID: "-", Topics: []string{rc.Topic}, Dialer: rc.Dialer, Transport: rc.Transport,
		Isolation: rc.Isolation, MaxWait: 200e6}
	c, err := New(cfg)
	if err != nil {
		return err
	}
	offs, err := c.listOffsets(ctx, map[string][]int{rc.Topic: rc.Partition}, ReadUncommitted)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	var ends map[int]offsets
	if rc.CaughtUp != nil || rc.UntilEnd {
		// The high watermarks, whatever the isolation: see CaughtUp.
		ends = offs[rc.Topic]
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	budget := semaphore.NewWeighted(c.cfg.FetchBudgetBytes)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	trackers := map[int]*Tracker{}
	for _, p := range rc.Partition {
		o, ok := offs[rc.Topic][p]
		if !ok {
			return fmt.Errorf("consumer: partition %d of %s not found", p, rc.Topic)
		}
		start := o.last
		if rc.FromBeginning {
			start = o.first
		}
		cl := &claim{topic: rc.Topic, partition: p, recs: make(chan record.Record, 64), tracker: NewTracker(start), budget: c.budget}
		trackers[p] = cl.tracker
		f := &fetcher{c: c, cl: cl, pos: start, size: int32(c.cfg.MaxFetchBytes), budget: budget}
		wg.Add(2)
		go func() {
			defer wg.Done()
			f.run(ctx)
		}()
		go func() {
			defer wg.Done()
			for r := range cl.recs {
				mu.Lock()
				if first == nil {
					if err := each(r); err != nil {
						first = err
						cancel()
					}
				}
				mu.Unlock()
				cl.Done(r)
			}
		}()
	}
	if ends != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !waitCaughtUp(ctx, trackers, ends) {
				return
			}
			if rc.CaughtUp != nil {
				rc.CaughtUp()
			}
			if rc.UntilEnd {
				cancel()
			}
		}()
	}
	wg.Wait()
	return first
}

// waitCaughtUp polls the trackers until each partition's next offset has
// reached its end offset, and reports whether it did before ctx ended.
func waitCaughtUp(ctx context.Context, trackers map[int]*Tracker, ends map[int]offsets) bool {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		behind := false
		for p, tr := range trackers {
			if next, _ := tr.Committable(); next < ends[p].last {
				behind = true
				break
			}
		}
		if !behind {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}
