package consumer

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
}

// Read reads the partitions and calls each, from one goroutine at a time,
// with every data record, in offset order per partition. It blocks until
// ctx is done (then it returns nil) or each returns an error (which it
// returns).
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	budget := semaphore.NewWeighted(c.cfg.FetchBudgetBytes)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
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
		f := &fetcher{c: c, cl: cl, pos: start, size: int32(c.cfg.MaxFetchBytes), budget: budget}
		wg.Add(2)
		go func() {
			defer wg.Done()
			f.run(ctx)
		}()
		go func() {
			defer wg.Done()
			for r := range cl.recs {
				cl.Done(r)
				mu.Lock()
				if first == nil {
					if err := each(r); err != nil {
						first = err
						cancel()
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}
