package state

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/wait"
	"github.com/newsflow/newsflow/record"
)

// ApplyFunc applies one changelog record to the caller's in-memory table:
// a nil value is a tombstone (delete the key). An error means the record
// is malformed: it is logged, counted (newsflow_state_changelog_invalid_total)
// and passed over, never fatal. It is called from one goroutine at a time.
type ApplyFunc func(key, value []byte) error

// Global is a global table: the whole changelog, on every instance. Create
// it with NewGlobal, run it with Run; Restored, Ready and Progress are safe
// for concurrent use.
type Global struct {
	cfg   Config
	apply ApplyFunc

	restored     chan struct{}
	restoredOnce sync.Once
	started      atomic.Int64 // unix ns of the restore's start
	records      atomic.Int64 // records read by the restore
	remaining    atomic.Int64 // estimate of records left
	partRemain   sync.Map     // partition → records left after the last one read
	lastErr      atomic.Value // string: why the restore has not started
}

// NewGlobal creates a global table over cfg.Topic whose records are given
// to apply.
func NewGlobal(cfg Config, apply ApplyFunc) (*Global, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if apply == nil {
		return nil, fmt.Errorf("state: store %s: an apply function is required", cfg.Name)
	}
	g := &Global{cfg: cfg, apply: apply, restored: make(chan struct{})}
	g.lastErr.Store("")
	return g, nil
}

// Run restores the table from the beginning of every changelog partition
// to its end (read_committed, to the high watermark it saw at its start:
// it waits for the transactions open then to end), closes Restored,
// then follows the changelog, applying every new record, until ctx ends.
// It blocks; it returns nil when ctx ends. Errors reaching the brokers
// before the restore starts are retried with backoff (and shown by Ready);
// fetch errors are retried by the reader.
func (g *Global) Run(ctx context.Context) error {
	m, name := g.cfg.Metrics, g.cfg.Name
	m.Restoring.WithLabelValues(name).Set(1)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		parts, err := partitions(ctx, &g.cfg)
		if err == nil {
			g.started.Store(time.Now().UnixNano())
			err = consumer.Read(ctx, consumer.ReadConfig{
				Brokers: g.cfg.Brokers, Topic: g.cfg.Topic, Partition: parts, FromBeginning: true,
				Dialer: g.cfg.Dialer, Transport: g.cfg.Transport, Isolation: consumer.ReadCommitted,
				CaughtUp: g.caughtUp,
			}, g.each)
			if err == nil {
				return nil
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-g.restored:
			// After the restore, Read only returns when ctx ends: this is
			// not expected, but restarting from the beginning is safe
			// (applying a changelog again gives the same table).
		default:
		}
		g.lastErr.Store(err.Error())
		g.cfg.Logger.Warn("state: reading the changelog failed, retrying", "store", name, "topic", g.cfg.Topic, "err", err)
		if !wait.Sleep(ctx, backoff) {
			return nil
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

func (g *Global) each(r record.Record) error {
	m, name := g.cfg.Metrics, g.cfg.Name
	restoring := !g.isRestored()
	if restoring {
		g.records.Add(1)
		m.RestoreRecords.WithLabelValues(name).Inc()
		// The record's high watermark is the partition's last stable
		// offset when it was fetched: what is left of this partition.
		left := max(r.HighWaterMark-r.Offset-1, 0)
		var total int64
		g.partRemain.Store(r.Partition, left)
		g.partRemain.Range(func(_, v any) bool {
			total += v.(int64)
			return true
		})
		g.remaining.Store(total)
		m.RestoreRemaining.WithLabelValues(name).Set(float64(total))
	} else {
		m.Updates.WithLabelValues(name).Inc()
	}
	if err := g.apply(r.Key, r.Value); err != nil {
		m.Invalid.WithLabelValues(name).Inc()
		g.cfg.Logger.Warn("state: changelog record passed over", "store", name, "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "err", err)
	}
	return nil
}

func (g *Global) caughtUp() {
	m, name := g.cfg.Metrics, g.cfg.Name
	d := time.Since(time.Unix(0, g.started.Load()))
	m.Restoring.WithLabelValues(name).Set(0)
	m.RestoreRemaining.WithLabelValues(name).Set(0)
	m.RestoreSeconds.WithLabelValues(name).Set(d.Seconds())
	g.remaining.Store(0)
	g.cfg.Logger.Info("state: restored", "store", name, "topic", g.cfg.Topic, "records", g.records.Load(), "seconds", d.Seconds())
	g.restoredOnce.Do(func() { close(g.restored) })
}

func (g *Global) isRestored() bool {
	select {
	case <-g.restored:
		return true
	default:
		return false
	}
}

// Restored is closed once the restore is complete.
func (g *Global) Restored() <-chan struct{} { return g.restored }

// Ready reports whether the table is restored and, if not, the progress.
func (g *Global) Ready() (bool, string) {
	if g.isRestored() {
		return true, "ok"
	}
	if e := g.lastErr.Load().(string); e != "" && g.records.Load() == 0 {
		return false, fmt.Sprintf("state store %s: cannot read changelog %s yet: %s", g.cfg.Name, g.cfg.Topic, e)
	}
	return false, fmt.Sprintf("state store %s: restoring from changelog %s: %d records read, about %d left",
		g.cfg.Name, g.cfg.Topic, g.records.Load(), g.remaining.Load())
}

// Progress returns the restore's figures: records read, the estimate of
// records left, and whether it is complete.
func (g *Global) Progress() (records, remaining int64, done bool) {
	return g.records.Load(), g.remaining.Load(), g.isRestored()
}

// SetSize publishes the size of the caller's in-memory table (the
// newsflow_state_entries and _bytes series of the store).
func (g *Global) SetSize(entries int, bytes int64) {
	g.cfg.Metrics.Entries.WithLabelValues(g.cfg.Name).Set(float64(entries))
	g.cfg.Metrics.Bytes.WithLabelValues(g.cfg.Name).Set(float64(bytes))
}
