// Package producer is newsflow's output side: one long-lived kafka-go
// Writer shared by every partition handler, configured for durability
// (acks=all, set explicitly: a zero Writer does not wait), low latency (a
// BatchTimeout of a few milliseconds instead of kafka-go's 1 s) and order
// per key (murmur2 key hashing, as the Java client does, and one write in
// flight per caller).
//
// Write blocks until every message is acknowledged; retryable failures are
// retried with exponential backoff until the context ends, counted and
// logged, never dropped. Messages the broker rejects for good (too large,
// invalid) are reported per message in a *RejectedError so the caller can
// dead-letter their source record.
package producer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/metrics"
)

// Config configures a Producer. Zero values take the documented defaults.
type Config struct {
	Brokers []string // required
	// Transport carries TLS/SASL settings. Default: kafka-go's default
	// transport.
	Transport *kafka.Transport
	// BatchTimeout is how long the writer waits to fill a batch. Default 2 ms.
	BatchTimeout time.Duration
	// BatchSize is the most messages per partition batch. Default 1000.
	BatchSize int
	// BatchBytes is the most bytes per partition batch, which the broker
	// receives as one record batch: keep it at or below the broker's
	// message.max.bytes (Kafka's default is 1 MiB). Messages larger than
	// this are rejected. Default 1,000,000.
	BatchBytes int64
	// RetryBackoffMin and RetryBackoffMax bound the exponential backoff
	// between retries of a failed write. Defaults 100 ms and 5 s.
	RetryBackoffMin, RetryBackoffMax time.Duration
	// Metrics, if set, receives the producer series.
	Metrics *metrics.Metrics
	// Logger. Default: discard.
	Logger *slog.Logger
}

// Validate reports the first invalid setting, after defaults.
func (c *Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("producer: no brokers given")
	case c.BatchSize < 1:
		return fmt.Errorf("producer: batch size %d must be at least 1", c.BatchSize)
	case c.BatchBytes < 1024:
		return fmt.Errorf("producer: batch bytes %d must be at least 1024", c.BatchBytes)
	case c.BatchTimeout < 0:
		return errors.New("producer: batch timeout must not be negative")
	case c.RetryBackoffMin <= 0 || c.RetryBackoffMax < c.RetryBackoffMin:
		return fmt.Errorf("producer: retry backoff %v..%v is not a valid range", c.RetryBackoffMin, c.RetryBackoffMax)
	}
	return nil
}

func (c *Config) setDefaults() {
	if c.BatchTimeout == 0 {
		c.BatchTimeout = 2 * time.Millisecond
	}
	if c.BatchSize == 0 {
		c.BatchSize = 1000
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = 1_000_000
	}
	if c.RetryBackoffMin == 0 {
		c.RetryBackoffMin = 100 * time.Millisecond
	}
	if c.RetryBackoffMax == 0 {
		c.RetryBackoffMax = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Producer writes messages with acks=all. It is safe for concurrent use;
// each caller's Write is one ordered write in flight.
type Producer struct {
	cfg         Config
	w           *kafka.Writer
	failing     atomic.Bool
	lastSuccess atomic.Int64
}

// New validates cfg and creates the Producer. It does not contact the
// brokers.
func New(cfg Config) (*Producer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &kafka.Writer{
		Addr:                   kafka.TCP(cfg.Brokers...),
		Balancer:               &kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           cfg.BatchTimeout,
		BatchSize:              cfg.BatchSize,
		BatchBytes:             cfg.BatchBytes,
		MaxAttempts:            3,
		WriteBackoffMin:        cfg.RetryBackoffMin,
		WriteBackoffMax:        cfg.RetryBackoffMax,
		AllowAutoTopicCreation: false,
		Logger:                 nil,
	}
	if cfg.Transport != nil {
		w.Transport = cfg.Transport
	}
	p := &Producer{cfg: cfg, w: w}
	p.lastSuccess.Store(time.Now().UnixNano())
	return p, nil
}

// RejectedError lists messages the broker refused for good. Errs is aligned
// with the messages given to Write: nil for the ones acknowledged.
type RejectedError struct {
	Errs []error
}

func (e *RejectedError) Error() string {
	n, first := 0, error(nil)
	for _, err := range e.Errs {
		if err != nil {
			if first == nil {
				first = err
			}
			n++
		}
	}
	return fmt.Sprintf("producer: %d message(s) rejected: %v", n, first)
}

// Write writes msgs (each with its Topic set) and blocks until all are
// acknowledged by every in-sync replica. Retryable errors are retried with
// backoff (only the messages not yet acknowledged) until ctx is done, which
// returns ctx's error wrapped. Permanent per-message rejections return a
// *RejectedError after every other message is acknowledged.
func (p *Producer) Write(ctx context.Context, msgs []kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	m := p.cfg.Metrics
	idx := make([]int, len(msgs)) // position in msgs of each pending message
	for i := range idx {
		idx[i] = i
	}
	var rejected []error
	reject := func(i int, err error) {
		if rejected == nil {
			rejected = make([]error, len(msgs))
		}
		rejected[i] = err
	}
	// Messages over BatchBytes can never be written: reject them up front
	// (kafka-go would fail the whole call for one of them).
	pending := msgs
	for i := range msgs {
		if size := msgSize(msgs[i]); size > p.cfg.BatchBytes {
			reject(i, fmt.Errorf("message of %d bytes is over the %d-byte batch limit: %w", size, p.cfg.BatchBytes, kafka.MessageSizeTooLarge))
		}
	}
	if rejected != nil {
		pending, idx = nil, idx[:0]
		for i := range msgs {
			if rejected[i] == nil {
				pending = append(pending, msgs[i])
				idx = append(idx, i)
			}
		}
	}
	backoff := p.cfg.RetryBackoffMin
	for attempt := 1; len(pending) > 0; attempt++ {
		start := time.Now()
		err := p.w.WriteMessages(ctx, pending...)
		if err == nil {
			p.acked(pending, time.Since(start))
			break
		}
		var werrs kafka.WriteErrors
		var retry []kafka.Message
		var retryIdx []int
		if errors.As(err, &werrs) && len(werrs) == len(pending) {
			var ok []kafka.Message
			for i, e := range werrs {
				switch {
				case e == nil:
					ok = append(ok, pending[i])
				case permanent(e):
					reject(idx[i], e)
				default:
					retry = append(retry, pending[i])
					retryIdx = append(retryIdx, idx[i])
				}
			}
			p.acked(ok, time.Since(start))
		} else if permanent(err) {
			for _, i := range idx {
				reject(i, err)
			}
		} else {
			retry, retryIdx = pending, idx
		}
		if len(retry) == 0 {
			break
		}
		if m != nil {
			for _, r := range retry {
				m.ProducerWriteErrors.WithLabelValues(r.Topic).Inc()
			}
		}
		p.failing.Store(true)
		if ctx.Err() != nil {
			return fmt.Errorf("producer: %d message(s) unacknowledged at cancel: %w", len(retry), ctx.Err())
		}
		p.cfg.Logger.Warn("write failed, retrying", "messages", len(retry), "attempt", attempt, "backoff", backoff, "err", err)
		// Full jitter keeps many writers from retrying in lockstep.
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("producer: %d message(s) unacknowledged at cancel: %w", len(retry), ctx.Err())
		case <-time.After(wait):
		}
		backoff = min(backoff*2, p.cfg.RetryBackoffMax)
		pending, idx = retry, retryIdx
	}
	if rejected != nil {
		return &RejectedError{Errs: rejected}
	}
	return nil
}

func (p *Producer) acked(msgs []kafka.Message, d time.Duration) {
	if len(msgs) == 0 {
		return
	}
	p.failing.Store(false)
	p.lastSuccess.Store(time.Now().UnixNano())
	m := p.cfg.Metrics
	if m == nil {
		return
	}
	// Count per topic without a map for the common one- or two-topic batch.
	var topic string
	n, bytes := 0, 0
	flush := func() {
		if n > 0 {
			m.ProducerRecords.WithLabelValues(topic).Add(float64(n))
			m.ProducerBytes.WithLabelValues(topic).Add(float64(bytes))
			m.ProducerBatchSize.WithLabelValues(topic).Observe(float64(n))
			m.ProducerWriteTime.WithLabelValues(topic).Observe(d.Seconds())
		}
	}
	for _, msg := range msgs {
		if msg.Topic != topic {
			flush()
			topic, n, bytes = msg.Topic, 0, 0
		}
		n++
		bytes += len(msg.Value)
	}
	flush()
}

// permanent reports broker errors that a retry cannot fix.
func permanent(err error) bool {
	var ke kafka.Error
	if errors.As(err, &ke) {
		switch ke {
		case kafka.MessageSizeTooLarge, kafka.InvalidMessage, kafka.InvalidMessageSize,
			kafka.RecordListTooLarge, kafka.InvalidTopic, kafka.TopicAuthorizationFailed,
			kafka.InvalidRecord:
			return true
		}
		return false
	}
	return false
}

// msgSize is the message's size as the batch limit counts it, with a
// conservative allowance for the record framing.
func msgSize(m kafka.Message) int64 {
	n := len(m.Key) + len(m.Value) + 64
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value) + 8
	}
	return int64(n)
}

// Failing reports whether the last write attempt failed and none has
// succeeded since.
func (p *Producer) Failing() bool { return p.failing.Load() }

// LastSuccess returns when a write was last acknowledged.
func (p *Producer) LastSuccess() time.Time { return time.Unix(0, p.lastSuccess.Load()) }

// Stats returns the kafka-go Writer statistics since the last call.
func (p *Producer) Stats() kafka.WriterStats { return p.w.Stats() }

// Close flushes and closes the writer. Call it after the last Write has
// returned.
func (p *Producer) Close() error {
	if err := p.w.Close(); err != nil {
		return fmt.Errorf("producer: close: %w", err)
	}
	return nil
}
