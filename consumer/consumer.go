package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/semaphore"

	"github.com/newsflow/newsflow/internal/metrics"
)

// Config configures a Consumer. Zero values take the documented defaults.
type Config struct {
	Brokers []string // required
	GroupID string   // required
	Topic   string   // required
	// Dialer connects to the brokers (TLS/SASL). Default: a plain dialer
	// with a 10 s timeout.
	Dialer *kafka.Dialer
	// CommitInterval is how often finished offsets are committed. Default 1 s.
	// Offsets are also committed when partitions are revoked and at shutdown.
	CommitInterval time.Duration
	// DrainTimeout bounds how long shutdown waits for in-flight records to
	// finish before abandoning them (uncommitted); revoked partitions wait
	// at most 4/5 of RebalanceTimeout. Default 10 s.
	DrainTimeout time.Duration
	// MaxInFlight bounds fetched, unfinished records per partition.
	// Default 2000.
	MaxInFlight int
	// MaxInFlightBytes bounds the bytes of fetched, unfinished record
	// values per partition (backpressure). Default 64 MiB.
	MaxInFlightBytes int64
	// MaxFetchBytes is the most a fetch may return; it must exceed the
	// largest record. Default 2 MiB.
	MaxFetchBytes int
	// MaxWait is the longest a fetch waits for data. kafka-go also uses it
	// as the deadline for the start of the fetch response, so it must leave
	// a slow broker time to build a full response; with MinBytes 1 the
	// broker answers as soon as data is there, so a long MaxWait costs no
	// latency. Default 1 s.
	MaxWait time.Duration
	// SessionTimeout, HeartbeatInterval and RebalanceTimeout are the group
	// membership timings. Defaults 10 s, 1 s, 10 s.
	SessionTimeout, HeartbeatInterval, RebalanceTimeout time.Duration
	// Metrics, if set, receives the consumer series.
	Metrics *metrics.Metrics
	// Logger. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Dialer == nil {
		c.Dialer = &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.CommitInterval, time.Second)
	def(&c.DrainTimeout, 10*time.Second)
	def(&c.MaxWait, time.Second)
	def(&c.SessionTimeout, 10*time.Second)
	def(&c.HeartbeatInterval, time.Second)
	def(&c.RebalanceTimeout, 10*time.Second)
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 2000
	}
	if c.MaxInFlightBytes == 0 {
		c.MaxInFlightBytes = 64 << 20
	}
	if c.MaxFetchBytes == 0 {
		c.MaxFetchBytes = 2 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports the first invalid setting, after defaults.
func (c *Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("consumer: no brokers given")
	case c.GroupID == "":
		return errors.New("consumer: group id is empty")
	case c.Topic == "":
		return errors.New("consumer: input topic is empty")
	case c.MaxInFlight < 1:
		return fmt.Errorf("consumer: max in-flight %d must be at least 1", c.MaxInFlight)
	case c.MaxInFlightBytes < 1:
		return fmt.Errorf("consumer: max in-flight bytes %d must be positive", c.MaxInFlightBytes)
	case c.HeartbeatInterval >= c.SessionTimeout:
		return fmt.Errorf("consumer: heartbeat interval %v must be shorter than the session timeout %v", c.HeartbeatInterval, c.SessionTimeout)
	case c.CommitInterval < 0 || c.DrainTimeout < 0 || c.MaxWait < 0:
		return errors.New("consumer: durations must not be negative")
	}
	return nil
}

// Handler processes the records of one assigned partition. HandleClaim is
// called in its own goroutine for every partition this instance is
// assigned, once per group generation. It must read Messages() until the
// channel is closed (the partition is being revoked or the consumer is
// stopping), call Done for each record once every output derived from it
// is acknowledged, and return. ctx is cancelled when the drain deadline
// passes: records not yet Done then stay uncommitted and are consumed again
// by whoever owns the partition next.
type Handler interface {
	HandleClaim(ctx context.Context, c *Claim) error
}

// Claim is one assigned partition in one generation.
type Claim struct {
	Topic     string
	Partition int
	msgs      chan kafka.Message
	tracker   *Tracker
	bytes     *semaphore.Weighted
	maxBytes  int64
	hwm       atomic.Int64
}

func (c *Claim) setHWM(v int64) { c.hwm.Store(v) }

// Messages returns the fetched records in offset order. It is closed when
// the partition is revoked or the consumer stops.
func (c *Claim) Messages() <-chan kafka.Message { return c.msgs }

// Done marks the record finished; its offset may then be committed once
// every earlier record is finished too. Call it once per record.
func (c *Claim) Done(m kafka.Message) {
	c.tracker.Done(m.Offset)
	c.bytes.Release(c.weight(m))
}

func (c *Claim) weight(m kafka.Message) int64 {
	w := int64(len(m.Value) + len(m.Key) + 64)
	if w > c.maxBytes {
		w = c.maxBytes
	}
	return w
}

// Consumer is a consumer-group member that hands each assigned partition
// to a Handler and commits, per partition, only offsets below which every
// record is finished.
type Consumer struct {
	cfg Config

	joined       atomic.Bool  // a generation is active
	lastActive   atomic.Int64 // unix nanos of the last successful fetch or commit
	lastFetchErr atomic.Int64 // unix nanos of the last failed fetch
	lagMu        sync.Mutex
	lag          map[int]int64 // partition -> lag of the current generation

	statsMu sync.Mutex
	readers map[*kafka.Reader]bool // partition readers alive now
	retired kafka.ReaderStats      // counts of closed readers not yet reported
}

// ReaderStats returns the summed kafka-go statistics of the partition
// readers since the previous call (counters only), for the metrics bridge.
func (c *Consumer) ReaderStats() kafka.ReaderStats {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	sum := c.retired
	c.retired = kafka.ReaderStats{}
	for r := range c.readers {
		addReaderStats(&sum, r.Stats())
	}
	return sum
}

func addReaderStats(dst *kafka.ReaderStats, s kafka.ReaderStats) {
	dst.Dials += s.Dials
	dst.Fetches += s.Fetches
	dst.Messages += s.Messages
	dst.Bytes += s.Bytes
	dst.Timeouts += s.Timeouts
	dst.Errors += s.Errors
}

func (c *Consumer) trackReader(r *kafka.Reader, alive bool) {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	if alive {
		c.readers[r] = true
		return
	}
	delete(c.readers, r)
	addReaderStats(&c.retired, r.Stats())
}

// New validates cfg and creates a Consumer; it does not contact the
// brokers until Run.
func New(cfg Config) (*Consumer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Consumer{cfg: cfg, lag: map[int]int64{}, readers: map[*kafka.Reader]bool{}}, nil
}

// fetchFailingFor is how long after its last fetch error the consumer
// counts as unable to fetch. kafka-go retries a failing fetch at least
// every ReadBackoffMax (1 s), so during an outage errors keep coming.
const fetchFailingFor = 5 * time.Second

// FetchFailing reports whether a fetch failed in the last few seconds
// (the brokers cannot be read; kafka-go is retrying).
func (c *Consumer) FetchFailing() bool {
	t := c.lastFetchErr.Load()
	return t != 0 && time.Since(time.Unix(0, t)) < fetchFailingFor
}

// Joined reports whether the consumer is in an active group generation.
func (c *Consumer) Joined() bool { return c.joined.Load() }

// LastActive returns when a fetch or commit last succeeded.
func (c *Consumer) LastActive() time.Time { return time.Unix(0, c.lastActive.Load()) }

// Lag returns the total lag (high watermark minus committed offset) over
// the partitions currently assigned.
func (c *Consumer) Lag() int64 {
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	var n int64
	for _, l := range c.lag {
		n += l
	}
	return n
}

// Run joins the group and processes generations until ctx is done, then
// stops fetching, lets handlers drain (bounded by DrainTimeout), commits,
// leaves the group and returns nil. It returns an error only if the group
// cannot be created. Run blocks; call it once.
func (c *Consumer) Run(ctx context.Context, h Handler) error {
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    c.cfg.GroupID,
		Brokers:               c.cfg.Brokers,
		Dialer:                c.cfg.Dialer,
		Topics:                []string{c.cfg.Topic},
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
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.cfg.Logger.Warn("consumer group: joining failed, retrying", "err", err)
			continue
		}
		c.runGeneration(ctx, gen, h)
		if ctx.Err() != nil {
			break
		}
	}
	c.joined.Store(false)
	// Leave the group now (Close sends LeaveGroup), so the partitions move
	// to other members at once.
	if err := group.Close(); err != nil && !errors.Is(err, kafka.ErrGroupClosed) {
		c.cfg.Logger.Warn("consumer group: close", "err", err)
	}
	return nil
}

// runGeneration runs one generation: a fetcher and a handler per assigned
// partition, and the commit loop. It returns after the final commit.
func (c *Consumer) runGeneration(ctx context.Context, gen *kafka.Generation, h Handler) {
	done := make(chan struct{})
	gen.Start(func(genCtx context.Context) {
		defer close(done)
		c.generation(ctx, genCtx, gen, h)
	})
	<-done
}

func (c *Consumer) generation(ctx, genCtx context.Context, gen *kafka.Generation, h Handler) {
	m := c.cfg.Metrics
	assigned := gen.Assignments[c.cfg.Topic]
	log := c.cfg.Logger.With("generation", gen.ID, "member", gen.MemberID)
	log.Info("partitions assigned", "topic", c.cfg.Topic, "partitions", len(assigned))
	c.joined.Store(true)
	c.touch()
	if m != nil {
		m.ConsumerRebalances.Inc()
		m.ConsumerAssigned.Set(float64(len(assigned)))
	}

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
			return
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

	claims := make([]*Claim, 0, len(assigned))
	var wg sync.WaitGroup
	for _, pa := range assigned {
		cl := &Claim{
			Topic: c.cfg.Topic, Partition: pa.ID,
			msgs:     make(chan kafka.Message, c.cfg.MaxInFlight),
			bytes:    semaphore.NewWeighted(c.cfg.MaxInFlightBytes),
			maxBytes: c.cfg.MaxInFlightBytes,
		}
		// Without a committed offset (pa.Offset < 0) the tracker starts at
		// the first record fetched.
		cl.tracker = NewTracker(pa.Offset)
		claims = append(claims, cl)
		wg.Add(2)
		go func() {
			defer wg.Done()
			c.fetch(stopFetch, cl, pa.Offset, cancelFetch)
		}()
		go func() {
			defer wg.Done()
			if err := h.HandleClaim(handlerCtx, cl); err != nil && handlerCtx.Err() == nil {
				log.Error("partition handler failed", "partition", cl.Partition, "err", err)
			}
			// A handler that returns before its claim is closed failed:
			// end this generation (the group is rejoined) rather than
			// leave the fetcher blocked; its records stay uncommitted.
			cancelFetch()
			for range cl.msgs {
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
			c.commit(gen, claims, log)
			c.exportLag(claims)
		case <-allDone:
			break loop
		}
	}
	c.commit(gen, claims, log)
	c.exportLag(claims)
	cancelHandlers()
	c.forget(claims)
	log.Info("partitions released", "topic", c.cfg.Topic, "partitions", len(assigned))
}

// fetch reads the partition from offset start into the claim until stop.
// If the reader cannot be positioned, it calls fail, which ends the
// generation so the group is rejoined (rather than leave the partition
// unread until the next rebalance).
func (c *Consumer) fetch(stop context.Context, cl *Claim, start int64, fail func()) {
	defer close(cl.msgs)
	m := c.cfg.Metrics
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        c.cfg.Brokers,
		Topic:          c.cfg.Topic,
		Partition:      cl.Partition,
		Dialer:         c.cfg.Dialer,
		MinBytes:       1,
		MaxBytes:       c.cfg.MaxFetchBytes,
		MaxWait:        c.cfg.MaxWait,
		ReadBackoffMin: 50 * time.Millisecond,
		ReadBackoffMax: time.Second,
		ErrorLogger: kafka.LoggerFunc(func(f string, a ...any) {
			c.cfg.Logger.Debug("kafka reader: " + fmt.Sprintf(f, a...))
		}),
	})
	c.trackReader(r, true)
	defer func() {
		c.trackReader(r, false)
		r.Close()
	}()
	if err := r.SetOffset(start); err != nil {
		c.cfg.Logger.Error("cannot start reading the partition; rejoining the group", "partition", cl.Partition, "offset", start, "err", err)
		fail()
		return
	}
	topicLabel := c.cfg.Topic
	var lastWarn time.Time
	errs := 0
	for {
		msg, err := r.FetchMessage(stop)
		if err != nil {
			if stop.Err() != nil {
				return
			}
			// kafka-go's Reader retries failed fetches itself (with
			// ReadBackoff) and queues the errors for us: take them without
			// waiting, or a long outage leaves a backlog of stale errors
			// that delays recovery.
			c.lastFetchErr.Store(time.Now().UnixNano())
			if m != nil {
				m.ConsumerFetchErrors.Inc()
			}
			errs++
			if time.Since(lastWarn) >= time.Second {
				c.cfg.Logger.Warn("fetch failed, retrying", "partition", cl.Partition, "errors", errs, "err", err)
				lastWarn, errs = time.Now(), 0
			}
			continue
		}
		c.touch()
		if err := cl.bytes.Acquire(stop, cl.weight(msg)); err != nil {
			return
		}
		cl.tracker.Begin(msg.Offset)
		if m != nil {
			m.ConsumerRecords.WithLabelValues(topicLabel).Inc()
			m.ConsumerBytes.WithLabelValues(topicLabel).Add(float64(len(msg.Value)))
			p := metrics.PartitionLabel(cl.Partition)
			m.ConsumerHighWatermark.WithLabelValues(topicLabel, p).Set(float64(msg.HighWaterMark))
		}
		cl.setHWM(msg.HighWaterMark)
		select {
		case cl.msgs <- msg:
		case <-stop.Done():
			cl.bytes.Release(cl.weight(msg))
			return
		}
	}
}

func (c *Consumer) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// commit commits every claim's committable offset in one request.
func (c *Consumer) commit(gen *kafka.Generation, claims []*Claim, log *slog.Logger) {
	offs := map[int]int64{}
	for _, cl := range claims {
		if off, moved := cl.tracker.Committable(); moved {
			offs[cl.Partition] = off
		}
	}
	if len(offs) == 0 {
		return
	}
	m := c.cfg.Metrics
	start := time.Now()
	err := gen.CommitOffsets(map[string]map[int]int64{c.cfg.Topic: offs})
	if m != nil {
		m.ConsumerCommitDuration.Observe(time.Since(start).Seconds())
	}
	if err != nil {
		// Not fatal: the offsets stay committable and are retried on the
		// next tick; if the generation is over, the records are consumed
		// again by the next owner (at-least-once).
		if m != nil {
			m.ConsumerCommits.WithLabelValues("error").Inc()
		}
		log.Warn("offset commit failed", "err", err)
		return
	}
	c.touch()
	if m != nil {
		m.ConsumerCommits.WithLabelValues("ok").Inc()
	}
	for _, cl := range claims {
		if off, ok := offs[cl.Partition]; ok {
			cl.tracker.MarkCommitted(off)
			if m != nil {
				m.ConsumerCommitted.WithLabelValues(c.cfg.Topic, metrics.PartitionLabel(cl.Partition)).Set(float64(off))
			}
		}
	}
}

// exportLag computes lag = high watermark - committed offset per claim.
func (c *Consumer) exportLag(claims []*Claim) {
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	for _, cl := range claims {
		hwm := cl.hwm.Load()
		committed := cl.tracker.Committed()
		if hwm <= 0 || committed < 0 {
			continue
		}
		lag := hwm - committed
		if lag < 0 {
			lag = 0
		}
		c.lag[cl.Partition] = lag
		if m := c.cfg.Metrics; m != nil {
			m.ConsumerLag.WithLabelValues(c.cfg.Topic, metrics.PartitionLabel(cl.Partition)).Set(float64(lag))
		}
	}
}

// forget drops the per-partition series of revoked partitions.
func (c *Consumer) forget(claims []*Claim) {
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	for _, cl := range claims {
		delete(c.lag, cl.Partition)
		if m := c.cfg.Metrics; m != nil {
			p := metrics.PartitionLabel(cl.Partition)
			m.ConsumerLag.DeleteLabelValues(c.cfg.Topic, p)
			m.ConsumerCommitted.DeleteLabelValues(c.cfg.Topic, p)
			m.ConsumerHighWatermark.DeleteLabelValues(c.cfg.Topic, p)
		}
	}
	if m := c.cfg.Metrics; m != nil {
		m.ConsumerAssigned.Set(0)
	}
}
