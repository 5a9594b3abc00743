package producer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/record"
)

// Sink is where the engine writes its outputs.
type Sink interface {
	// Write writes recs (each with its Topic set) and blocks until every
	// one is acknowledged (nil), some are refused for good (a
	// *RejectedError aligned with recs, returned once all the others are
	// acknowledged), or ctx ends (an error wrapping ctx.Err(); any record
	// may or may not have been written). It does not modify recs. Safe for
	// concurrent use; records of one call keep their order per key
	// relative to each other only if no write of them has to be retried.
	Write(ctx context.Context, recs []record.Record) error
}

var _ Sink = (*Producer)(nil)

// Producer writes records with acks=all. It is safe for concurrent use.
type Producer struct {
	cfg Config
	m   *Metrics
	w   *kafka.Writer
	log *slog.Logger

	closed      atomic.Bool
	lastSuccess atomic.Int64

	mu           sync.Mutex
	calls        map[*call]struct{}   // Write calls whose last attempt failed
	unknownSince map[string]time.Time // topic → first "unknown topic" since its last acknowledgement
	logged       map[logKey]time.Time // last operator error line per topic and class
}

// call is the state of one Write call that Failing reports.
type call struct {
	failing map[string]failure // topic → why its last attempt failed; guarded by Producer.mu
}

type failure struct {
	class string
	err   error
	since time.Time
}

type logKey struct{ topic, class string }

// operatorLogEvery is how often the error line for one topic and class is
// repeated while the fault lasts.
const operatorLogEvery = 30 * time.Second

// New validates cfg and creates the Producer. It does not contact the
// brokers.
func New(cfg Config) (*Producer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := cfg.Metrics
	if m == nil {
		m = newMetrics()
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(cfg.Brokers...),
		Balancer:     &pinBalancer{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: cfg.BatchTimeout,
		BatchSize:    cfg.BatchSize,
		BatchBytes:   cfg.BatchBytes,
		Compression:  codecs[cfg.Compression],
		// kafka-go retries a transient failure of a batch a few times
		// itself, in order, before Write's own retry loop takes over.
		MaxAttempts:            3,
		WriteBackoffMin:        cfg.RetryBackoffMin,
		WriteBackoffMax:        cfg.RetryBackoffMax,
		AllowAutoTopicCreation: false,
	}
	if cfg.Transport != nil {
		w.Transport = cfg.Transport
	}
	p := &Producer{
		cfg: cfg, m: m, w: w, log: cfg.Logger,
		calls: map[*call]struct{}{}, unknownSince: map[string]time.Time{}, logged: map[logKey]time.Time{},
	}
	p.lastSuccess.Store(time.Now().UnixNano())
	return p, nil
}

// Write writes recs, each with its Topic set, and blocks until all are
// acknowledged by every in-sync replica. Offset and HighWaterMark are
// ignored; Time, when set, is the record's timestamp (else the time of the
// write); the partition is chosen by a murmur2 hash of the key, unless the
// record is Pinned.
//
// Transient and operator errors (see the package doc) are retried with
// backoff, only for the records not yet acknowledged, until ctx ends; Write
// then returns an error wrapping ctx.Err() and the last write error. Records
// refused for good make Write return a *RejectedError after every other
// record is acknowledged. A record without a topic is a programming error:
// Write returns an error before writing anything. After Close, Write
// returns ErrClosed.
//
// Write does not modify recs, but kafka-go may still read their Key, Value
// and Headers after Write returned early because ctx ended: do not reuse
// those buffers then. Write is safe for concurrent use; each call is one
// ordered write in flight.
func (p *Producer) Write(ctx context.Context, recs []record.Record) error {
	if len(recs) == 0 {
		return nil
	}
	if p.closed.Load() {
		return ErrClosed
	}
	for i := range recs {
		if recs[i].Topic == "" {
			return fmt.Errorf("producer: record %d of %d has no topic", i, len(recs))
		}
	}
	start := time.Now()
	msgs := make([]kafka.Message, len(recs))
	pending := make([]int, 0, len(recs)) // indexes into recs and msgs
	var rejected []error
	reject := func(i int, class string, err error) {
		if rejected == nil {
			rejected = make([]error, len(recs))
		}
		rejected[i] = &WriteError{Topic: recs[i].Topic, Class: class, Err: err}
		p.m.rejected.WithLabelValues(recs[i].Topic, class).Inc()
	}
	for i := range recs {
		r := &recs[i]
		// kafka-go would fail the whole call for one record over
		// BatchBytes, which it counts before compression.
		if size := r.Size(); size > p.cfg.BatchBytes {
			reject(i, ClassTooLarge, fmt.Errorf("record of %d bytes (uncompressed) is over the %d-byte batch limit: %w", size, p.cfg.BatchBytes, kafka.MessageSizeTooLarge))
			continue
		}
		msgs[i] = message(r)
		pending = append(pending, i)
	}

	c := &call{failing: map[string]failure{}}
	defer p.done(c)
	mode := sendBatch
	backoff := p.cfg.RetryBackoffMin
	var lastErr error
	for attempt := 1; len(pending) > 0; attempt++ {
		outs := p.send(ctx, msgs, pending, mode)
		next := mode
		recordErrs := 0
		for _, o := range outs {
			if o.err != nil && recordClass(classOf(o.err)) {
				recordErrs++
			}
		}
		var acked, retry, again []int
		retryErrs := map[int]error{}
		closed := false
		for j, o := range outs {
			i := pending[j]
			switch {
			case o.err == nil:
				acked = append(acked, i)
			case errors.Is(o.err, io.ErrClosedPipe):
				closed = true
			case o.shared:
				// The error of a call that mixed topics names none:
				// resend topic by topic, at once, to attribute it.
				again = append(again, i)
				next = max(next, sendPerTopic)
			case recordClass(classOf(o.err)):
				// The broker refuses a whole batch for one bad record:
				// resend the suspects one by one, at once, to find it.
				if mode != sendPerRecord && recordErrs > 1 {
					again = append(again, i)
					next = sendPerRecord
					continue
				}
				reject(i, classOf(o.err), o.err)
			default:
				retry = append(retry, i)
				retryErrs[i] = o.err
			}
		}
		p.acked(c, msgs, acked, start)
		if closed {
			return fmt.Errorf("producer: write: %w", ErrClosed)
		}
		if len(retry) == 0 && len(again) == 0 {
			break
		}
		if ctx.Err() != nil {
			return canceled(ctx, len(retry)+len(again), len(recs), lastErr)
		}
		if len(retry) > 0 {
			lastErr = p.failed(c, msgs, retry, retryErrs, attempt, backoff)
			// Jitter keeps many writers from retrying in lockstep.
			t := time.NewTimer(backoff/2 + rand.N(backoff/2+1))
			select {
			case <-ctx.Done():
				t.Stop()
				return canceled(ctx, len(retry)+len(again), len(recs), lastErr)
			case <-t.C:
			}
			backoff = min(backoff*2, p.cfg.RetryBackoffMax)
		}
		pending = append(retry, again...)
		slices.Sort(pending) // keep the callers' order
		mode = next
	}
	if rejected != nil {
		return &RejectedError{Errs: rejected}
	}
	return nil
}

func canceled(ctx context.Context, n, total int, last error) error {
	if last == nil {
		return fmt.Errorf("producer: %d of %d record(s) unacknowledged when the context ended: %w", n, total, ctx.Err())
	}
	return fmt.Errorf("producer: %d of %d record(s) unacknowledged when the context ended: %w (last error: %w)", n, total, ctx.Err(), last)
}

func message(r *record.Record) kafka.Message {
	m := kafka.Message{Topic: r.Topic, Key: r.Key, Value: r.Value, Partition: -1, Time: r.Time}
	if r.Pinned {
		m.Partition = r.Partition
	}
	if len(r.Headers) > 0 {
		m.Headers = make([]kafka.Header, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = kafka.Header(h)
		}
	}
	return m
}

// pinBalancer places a record by the murmur2 hash of its key, as the Java
// client does, or, when it is pinned (message sets Partition to -1 for the
// others), on its own partition. kafka-go's Writer ignores
// Message.Partition otherwise.
type pinBalancer struct{ murmur kafka.Murmur2Balancer }

func (b *pinBalancer) Balance(msg kafka.Message, partitions ...int) int {
	if msg.Partition >= 0 {
		return msg.Partition
	}
	return b.murmur.Balance(msg, partitions...)
}

// sendMode is how one attempt splits the pending records into
// WriteMessages calls.
type sendMode int

const (
	sendBatch     sendMode = iota // one call
	sendPerTopic                  // one call per topic, in turn
	sendPerRecord                 // one call per record, in turn
)

// outcome is what one attempt did to one record.
type outcome struct {
	err    error
	shared bool // err failed a whole call that mixed topics
}

// send makes one attempt at writing the pending records and returns an
// outcome for each, aligned with pending.
func (p *Producer) send(ctx context.Context, msgs []kafka.Message, pending []int, mode sendMode) []outcome {
	var groups [][]int // positions in pending
	switch mode {
	case sendBatch:
		all := make([]int, len(pending))
		for j := range all {
			all[j] = j
		}
		groups = [][]int{all}
	case sendPerTopic:
		at := map[string]int{}
		for j, i := range pending {
			g, ok := at[msgs[i].Topic]
			if !ok {
				g = len(groups)
				at[msgs[i].Topic] = g
				groups = append(groups, nil)
			}
			groups[g] = append(groups[g], j)
		}
	case sendPerRecord:
		for j := range pending {
			groups = append(groups, []int{j})
		}
	}
	outs := make([]outcome, len(pending))
	batch := make([]kafka.Message, 0, len(pending))
	for _, g := range groups {
		batch = batch[:0]
		for _, j := range g {
			batch = append(batch, msgs[pending[j]])
		}
		err := ctx.Err()
		if err == nil {
			err = p.w.WriteMessages(ctx, batch...)
		}
		var werrs kafka.WriteErrors
		switch {
		case err == nil:
		case errors.As(err, &werrs) && len(werrs) == len(g):
			for k, j := range g {
				outs[j].err = werrs[k]
			}
		default:
			shared := slices.ContainsFunc(batch, func(m kafka.Message) bool { return m.Topic != batch[0].Topic })
			for _, j := range g {
				outs[j] = outcome{err: err, shared: shared}
			}
		}
	}
	return outs
}

// topicCount aggregates the records of one topic in one attempt.
type topicCount struct {
	topic string
	n     int
	bytes int
	err   error // the error retained for the topic
	class string
}

func countByTopic(msgs []kafka.Message, idx []int, each func(tc *topicCount, i int)) []topicCount {
	var out []topicCount // few topics: a slice beats a map
	for _, i := range idx {
		k := slices.IndexFunc(out, func(tc topicCount) bool { return tc.topic == msgs[i].Topic })
		if k < 0 {
			out = append(out, topicCount{topic: msgs[i].Topic})
			k = len(out) - 1
		}
		out[k].n++
		out[k].bytes += len(msgs[i].Value)
		if each != nil {
			each(&out[k], i)
		}
	}
	return out
}

// acked records the acknowledgement of msgs[idx].
func (p *Producer) acked(c *call, msgs []kafka.Message, idx []int, start time.Time) {
	if len(idx) == 0 {
		return
	}
	p.lastSuccess.Store(time.Now().UnixNano())
	d := time.Since(start).Seconds()
	topics := countByTopic(msgs, idx, nil)
	for _, tc := range topics {
		p.m.records.WithLabelValues(tc.topic).Add(float64(tc.n))
		p.m.bytes.WithLabelValues(tc.topic).Add(float64(tc.bytes))
		p.m.batchSize.WithLabelValues(tc.topic).Observe(float64(tc.n))
		p.m.writeTime.WithLabelValues(tc.topic).Observe(d)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tc := range topics {
		delete(c.failing, tc.topic)
		delete(p.unknownSince, tc.topic)
	}
	if len(c.failing) == 0 {
		delete(p.calls, c)
	}
}

// failed records a failed attempt at msgs[idx] (errs by index), to be
// retried: metrics, the failing state and the log. It returns the error
// of the most serious failure.
func (p *Producer) failed(c *call, msgs []kafka.Message, idx []int, errs map[int]error, attempt int, backoff time.Duration) error {
	now := time.Now()
	topics := countByTopic(msgs, idx, func(tc *topicCount, i int) {
		// Keep an operator error over a transient one: it says more.
		if tc.err == nil || (!operatorClass(tc.class) && operatorClass(classOf(errs[i]))) {
			tc.err, tc.class = errs[i], classOf(errs[i])
		}
	})
	var worst *WriteError
	var logs []func()
	p.mu.Lock()
	for k := range topics {
		tc := &topics[k]
		if tc.class == ClassUnknownTopic {
			since, ok := p.unknownSince[tc.topic]
			if !ok {
				since = now
				p.unknownSince[tc.topic] = now
			}
			if now.Sub(since) < p.cfg.UnknownTopicGrace {
				tc.class = ClassTransient // maybe created a moment ago
			}
		}
		f := failure{class: tc.class, err: tc.err, since: now}
		if prev, ok := c.failing[tc.topic]; ok {
			f.since = prev.since
		}
		c.failing[tc.topic] = f
		werr := &WriteError{Topic: tc.topic, Class: tc.class, Err: tc.err}
		if worst == nil || (operatorClass(tc.class) && !operatorClass(worst.Class)) {
			worst = werr
		}
		p.m.writeErrors.WithLabelValues(tc.topic).Inc()
		if !operatorClass(tc.class) {
			logs = append(logs, func() {
				p.log.Warn("producer: write failed, retrying", "topic", tc.topic, "class", tc.class, "records", tc.n,
					"attempt", attempt, "backoff", backoff, "err", tc.err)
			})
			continue
		}
		p.m.operator.WithLabelValues(tc.topic, tc.class).Inc()
		key := logKey{tc.topic, tc.class}
		if last, ok := p.logged[key]; !ok || now.Sub(last) >= operatorLogEvery {
			p.logged[key] = now
			logs = append(logs, func() {
				p.log.Error("producer: writes blocked until an operator fixes this; retrying", "topic", tc.topic, "class", tc.class,
					"fix", fix(tc.class, tc.topic, tc.err), "records", tc.n, "attempt", attempt, "err", tc.err)
			})
		}
	}
	p.calls[c] = struct{}{}
	p.mu.Unlock()
	for _, log := range logs {
		log()
	}
	return worst
}

// done forgets c when its Write returns.
func (p *Producer) done(c *call) {
	p.mu.Lock()
	delete(p.calls, c)
	p.mu.Unlock()
}

// Failing reports whether a Write in progress is retrying a failed write
// and, if so, why: the topic, the class, the error and, for an operator
// class, what to fix. Operator errors are reported before transient ones.
// It turns false once those records are acknowledged or their Write
// returns. Safe for concurrent use.
func (p *Producer) Failing() (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var (
		topic string
		worst failure
		found bool
	)
	topics := map[string]struct{}{}
	for c := range p.calls {
		for t, f := range c.failing {
			topics[t] = struct{}{}
			switch {
			case !found,
				operatorClass(f.class) && !operatorClass(worst.class),
				operatorClass(f.class) == operatorClass(worst.class) &&
					cmp.Or(f.since.Compare(worst.since), cmp.Compare(t, topic)) < 0:
				topic, worst, found = t, f, true
			}
		}
	}
	if !found {
		return false, ""
	}
	reason := fmt.Sprintf("writes to topic %q failing since %s (%s), retrying: %v",
		topic, worst.since.Format(time.RFC3339), worst.class, worst.err)
	if h := fix(worst.class, topic, worst.err); h != "" {
		reason += "; to fix: " + h
	}
	if n := len(topics) - 1; n > 0 {
		reason += fmt.Sprintf(" (and %d other topic(s) failing)", n)
	}
	return true, reason
}

// LastSuccess returns when a write was last acknowledged (or, before the
// first, when the Producer was created).
func (p *Producer) LastSuccess() time.Time { return time.Unix(0, p.lastSuccess.Load()) }

// Stats returns the kafka-go Writer statistics since the previous call,
// for the metrics bridge.
func (p *Producer) Stats() kafka.WriterStats { return p.w.Stats() }

// Close flushes the batches in flight and closes the writer. It blocks
// until they are finished or failed (kafka-go bounds each of its attempts
// with a 10 s write timeout). Call it after the last Write has returned; a
// later Write returns ErrClosed. Closing again is a no-op.
func (p *Producer) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("producer: close: %w", err)
	}
	return nil
}
