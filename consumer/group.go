package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/semaphore"

	"github.com/newsflow/newsflow/internal/wait"
	"github.com/newsflow/newsflow/record"
)

// Consumer is a consumer-group member that hands each assigned partition
// to a Handler and commits, per partition, only offsets below which every
// record is finished. Create it with New and call Run once; its other
// methods are safe for concurrent use.
type Consumer struct {
	cfg     Config
	budget  *budget
	offsets OffsetFetcher // the claims' start offsets, with require_stable

	joined       atomic.Bool  // a generation is active
	lastActive   atomic.Int64 // unix nanos of the last successful fetch or commit
	lastFetchErr atomic.Int64 // unix nanos of the last failed fetch
	lastJoinErr  atomic.Value // string: why joining failed last, "" once joined

	lagMu    sync.Mutex
	lag      map[topicPartition]int64 // lag of the current generation
	exported map[topicPartition]bool  // partitions with per-partition series
}

type topicPartition struct {
	topic     string
	partition int
}

// New validates cfg and creates a Consumer; it does not contact the
// brokers until Run.
func New(cfg Config) (*Consumer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Consumer{cfg: cfg, lag: map[topicPartition]int64{}, exported: map[topicPartition]bool{}}
	c.budget = newBudget(cfg.MaxInFlight, cfg.MaxInFlightBytes, cfg.Metrics)
	c.offsets = OffsetFetcher{Brokers: cfg.Brokers, Dialer: cfg.Dialer, Logger: cfg.Logger}
	c.lastJoinErr.Store("")
	return c, nil
}

// fetchFailingFor is how long after its last fetch error the consumer
// counts as unable to fetch.
const fetchFailingFor = 5 * time.Second

// FetchFailing reports whether a fetch failed in the last few seconds
// (the brokers cannot be read; the fetchers are retrying).
func (c *Consumer) FetchFailing() bool {
	t := c.lastFetchErr.Load()
	return t != 0 && time.Since(time.Unix(0, t)) < fetchFailingFor
}

// Joined reports whether the consumer is in an active group generation,
// and if not, the last reason joining failed ("" if none yet).
func (c *Consumer) Joined() (bool, string) {
	return c.joined.Load(), c.lastJoinErr.Load().(string)
}

// LastActive returns when a fetch or commit last succeeded.
func (c *Consumer) LastActive() time.Time { return time.Unix(0, c.lastActive.Load()) }

// Lag returns the total lag (log end minus committed offset) over the
// partitions currently assigned.
func (c *Consumer) Lag() int64 {
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	var n int64
	for _, l := range c.lag {
		n += l
	}
	return n
}

func (c *Consumer) setJoined(ok bool) {
	c.joined.Store(ok)
	if ok {
		c.cfg.Metrics.Joined.Set(1)
	} else {
		c.cfg.Metrics.Joined.Set(0)
	}
}

// errRejoin ends a group membership so that the consumer joins again.
var errRejoin = errors.New("rejoin")

// Run joins the group and processes generations until ctx is done, then
// stops fetching, lets handlers drain (bounded by DrainTimeout), commits,
// leaves the group and returns nil. If a handler fails, the consumer
// leaves the group and joins again after a pause, so its partitions are
// consumed anew from their committed offsets. Run blocks; call it once.
func (c *Consumer) Run(ctx context.Context, h Handler) error {
	defer c.forgetAll()
	pause := time.Second
	for ctx.Err() == nil {
		err := c.member(ctx, h)
		if err == nil || ctx.Err() != nil {
			break
		}
		if !errors.Is(err, errRejoin) {
			return err
		}
		c.cfg.Logger.Warn("leaving and rejoining the consumer group after a partition handler failed", "pause", pause)
		if !wait.Sleep(ctx, pause) {
			break
		}
		pause = min(pause*2, 30*time.Second)
	}
	return nil
}

// member is one membership of the group: it returns nil when ctx ends,
// errRejoin when a handler failed, or an error if the group cannot be
// created.
func (c *Consumer) member(ctx context.Context, h Handler) error {
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    c.cfg.GroupID,
		Brokers:               c.cfg.Brokers,
		Dialer:                c.cfg.Dialer,
		Topics:                c.cfg.Topics,
		HeartbeatInterval:     c.cfg.HeartbeatInterval,
		SessionTimeout:        c.cfg.SessionTimeout,
		RebalanceTimeout:      c.cfg.RebalanceTimeout,
		JoinGroupBackoff:      time.Second,
		StartOffset:           kafka.FirstOffset,
		WatchPartitionChanges: true,
		ErrorLogger: kafka.LoggerFunc(func(f string, a ...any) {
			c.cfg.Logger.Debug("kafka group: " + fmt.Sprintf(f, a...))
		}),
	})
	if err != nil {
		return fmt.Errorf("consumer: create group: %w", err)
	}
	defer group.Close()
	var lastWarn time.Time
	failures := 0
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.setJoined(false)
			c.lastJoinErr.Store(err.Error())
			failures++
			if time.Since(lastWarn) >= 5*time.Second {
				c.cfg.Logger.Warn("consumer group: joining failed, retrying", "group", c.cfg.GroupID, "brokers", c.cfg.Brokers, "attempts", failures, "err", err)
				lastWarn, failures = time.Now(), 0
			}
			continue
		}
		c.lastJoinErr.Store("")
		failed := c.runGeneration(ctx, gen, h)
		if ctx.Err() != nil {
			break
		}
		if failed {
			c.setJoined(false)
			// Leave now (Close sends LeaveGroup), so the partitions move to
			// another member or back to this one when it joins again.
			if err := group.Close(); err != nil && !errors.Is(err, kafka.ErrGroupClosed) {
				c.cfg.Logger.Warn("consumer group: close", "err", err)
			}
			return errRejoin
		}
	}
	c.setJoined(false)
	if err := group.Close(); err != nil && !errors.Is(err, kafka.ErrGroupClosed) {
		c.cfg.Logger.Warn("consumer group: close", "err", err)
	}
	return nil
}

// runGeneration runs one generation and reports whether a handler failed.
func (c *Consumer) runGeneration(ctx context.Context, gen *kafka.Generation, h Handler) bool {
	done := make(chan bool, 1)
	gen.Start(func(genCtx context.Context) {
		done <- c.generation(ctx, genCtx, gen, h)
	})
	return <-done
}

// generation runs a fetcher and a handler per assigned partition, and the
// commit loop, until the generation ends or ctx is done; it returns after
// the final commit, reporting whether a handler failed.
func (c *Consumer) generation(ctx, genCtx context.Context, gen *kafka.Generation, h Handler) bool {
	m := c.cfg.Metrics
	log := c.cfg.Logger.With("generation", gen.ID, "member", gen.MemberID)
	var claims []*claim
	for _, topic := range c.cfg.Topics {
		for _, pa := range gen.Assignments[topic] {
			// pa.Offset is not used: kafka-go fetched it without
			// require_stable. resolveStarts replaces the tracker with one
			// at the stable committed offset; until then (and for good if
			// the generation ends first) it knows no offset and commits
			// nothing.
			claims = append(claims, &claim{
				topic: topic, partition: pa.ID,
				recs:    make(chan record.Record, 64),
				tracker: NewTracker(-1),
				budget:  c.budget,
			})
		}
	}
	log.Info("partitions assigned", "topics", c.cfg.Topics, "partitions", len(claims))
	c.setJoined(true)
	c.touch()
	m.Rebalances.Inc()
	m.Assigned.Set(float64(len(claims)))
	c.retain(claims)

	// stopFetch ends when the generation ends or the consumer stops.
	stopFetch, cancelFetch := context.WithCancel(context.Background())
	defer cancelFetch()
	// handlerCtx ends DrainTimeout after fetching stops.
	handlerCtx, cancelHandlers := context.WithCancel(context.Background())
	defer cancelHandlers()
	go func() {
		drain := c.cfg.DrainTimeout
		select {
		case <-ctx.Done():
		case <-genCtx.Done():
			// A rebalance: the group waits for this member only up to the
			// rebalance timeout, so drain within it.
			drain = min(drain, max(c.cfg.RebalanceTimeout*4/5, time.Second))
		case <-stopFetch.Done():
		}
		cancelFetch()
		t := time.NewTimer(drain)
		defer t.Stop()
		select {
		case <-t.C:
			cancelHandlers()
		case <-handlerCtx.Done():
		}
	}()

	starts := c.resolveStarts(stopFetch, claims, log)
	fetchBudget := semaphore.NewWeighted(c.cfg.FetchBudgetBytes)
	size := int32(min(int64(c.cfg.MaxFetchBytes), max(64<<10, c.cfg.FetchBudgetBytes/int64(max(len(claims), 1)))))
	var failed atomic.Bool
	var wg sync.WaitGroup
	for i, cl := range claims {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if starts == nil {
				close(cl.recs) // stopped before the offsets were known
				return
			}
			f := &fetcher{c: c, cl: cl, pos: starts[i], size: size, budget: fetchBudget}
			f.run(stopFetch)
		}()
		go func() {
			defer wg.Done()
			err := h.HandleClaim(handlerCtx, cl)
			if err != nil && handlerCtx.Err() == nil {
				log.Error("partition handler failed; the group will be rejoined and the partition consumed again from its committed offset",
					"topic", cl.topic, "partition", cl.partition, "err", err)
				failed.Store(true)
				cancelFetch()
			}
			// Take what the fetcher still hands over, so it never blocks;
			// the claim gives its budget back when it closes.
			for range cl.recs {
			}
		}()
	}
	allDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(allDone)
	}()

	tick := time.NewTicker(c.cfg.CommitInterval)
	defer tick.Stop()
loop:
	for {
		select {
		case <-tick.C:
			// With a Committer, nothing more is committed once the
			// generation failed: its transaction was aborted, and records
			// whose outputs were in it may already be marked done.
			if !failed.Load() || c.cfg.Committer == nil {
				if err := c.commit(gen, claims, log); err != nil {
					failed.Store(true)
					cancelFetch()
				}
			}
			c.exportLag(stopFetch, claims)
		case <-allDone:
			break loop
		}
	}
	if !failed.Load() || c.cfg.Committer == nil {
		// With a Committer, a failed generation commits nothing more: its
		// transaction was aborted, and its records are consumed again.
		// Without one, what was written and Done is committed.
		offs, err := c.commitOffsets(gen, claims, log)
		if err != nil {
			failed.Store(true)
		} else if c.cfg.Committer != nil {
			c.awaitVisible(offs, max(c.cfg.RebalanceTimeout/5, time.Second), log)
		}
	}
	if failed.Load() && c.cfg.Committer != nil {
		actx, cancel := context.WithTimeout(context.Background(), c.cfg.DrainTimeout)
		if err := c.cfg.Committer.Abort(actx); err != nil {
			log.Error("aborting the transaction failed; the broker aborts it at its timeout", "err", err)
		}
		cancel()
	}
	c.exportLag(context.Background(), claims)
	cancelHandlers()
	c.budgetCheck(claims, log)
	log.Info("partitions released", "topics", c.cfg.Topics, "partitions", len(claims))
	return failed.Load()
}

// budgetCheck returns to the budget what a handler abandoned (records
// fetched but never Done) when its drain deadline passed.
func (c *Consumer) budgetCheck(claims []*claim, log *slog.Logger) {
	for _, cl := range claims {
		if n := cl.close(); n > 0 {
			log.Warn("records abandoned unfinished; they stay uncommitted and are consumed again", "topic", cl.topic, "partition", cl.partition, "records", n)
		}
	}
}

// resolveStarts sets each claim's tracker at the group's committed offset,
// fetched with require_stable (OffsetFetcher: it waits while a transaction
// holds a pending offset commit of the partition, KIP-447), and returns
// each claim's first offset to fetch: the committed offset, or the log
// start when there is none or when the committed offset was deleted
// (counted and logged as skipped). It must run before the claims are
// handed out. It retries until stop ends, then returns nil (the trackers
// then know no offset).
func (c *Consumer) resolveStarts(stop context.Context, claims []*claim, log *slog.Logger) []int64 {
	parts := map[string][]int{}
	for _, cl := range claims {
		parts[cl.topic] = append(parts[cl.topic], cl.partition)
	}
	backoff := 100 * time.Millisecond
	for {
		if len(claims) == 0 {
			return []int64{}
		}
		began := time.Now()
		commits, err := c.offsets.Fetch(stop, c.cfg.GroupID, parts)
		var offs map[string]map[int]offsets
		if err == nil {
			log.Debug("committed offsets fetched (require_stable)", "took", time.Since(began))
			offs, err = c.listOffsets(stop, parts, ReadUncommitted)
		}
		if err == nil {
			starts := make([]int64, len(claims))
			for i, cl := range claims {
				o := offs[cl.topic][cl.partition]
				committed := commits[cl.topic][cl.partition]
				cl.tracker = NewTracker(committed)
				switch {
				case committed < 0:
					starts[i] = o.first
				case committed < o.first:
					c.skipped(cl.topic, cl.partition, committed, o.first)
					starts[i] = o.first
				case committed > o.last:
					log.Warn("committed offset is past the log end (the log was truncated); resuming at the log end",
						"topic", cl.topic, "partition", cl.partition, "committed", committed, "log_end", o.last)
					starts[i] = o.last
				default:
					starts[i] = committed
				}
				if starts[i] != committed {
					cl.tracker.Skip(starts[i] - 1)
				}
				cl.setEnd(o.last)
			}
			return starts
		}
		if stop.Err() != nil {
			return nil
		}
		c.lastFetchErr.Store(time.Now().UnixNano())
		log.Warn("cannot fetch the partitions' committed offsets or list their offsets, retrying", "err", err)
		if !wait.Sleep(stop, backoff) {
			return nil
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (c *Consumer) touch() { c.lastActive.Store(time.Now().UnixNano()) }
