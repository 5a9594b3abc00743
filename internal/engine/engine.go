// Package engine wires newsflow together: the consumer hands each assigned
// partition to the engine, which runs its records through the processor
// pipeline on a bounded worker pool, writes every output (enriched record
// or dead letter) with acks=all, and only then marks the records done so
// their offsets can be committed.
//
// Per partition, records are taken in batches; a batch is processed in
// parallel, its outputs written in input order as one ordered write, and
// the next batch is processed while the previous one is being written. So
// output order per key follows input order per partition, in-flight work is
// bounded (the consumer's limits plus three batches per partition: one
// being processed, one queued for writing, one being written), and a slow
// broker slows the consumer instead of growing memory.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/producer"
)

// DLQ and output record headers.
const (
	HeaderError          = "newsflow-error"
	HeaderErrorClass     = "newsflow-error-class"
	HeaderStage          = "newsflow-stage"
	HeaderSourceTopic    = "newsflow-source-topic"
	HeaderSourcePart     = "newsflow-source-partition"
	HeaderSourceOffset   = "newsflow-source-offset"
	HeaderSourceTime     = "newsflow-source-timestamp"
	HeaderSchema         = "newsflow-schema"
	HeaderContentType    = "content-type"
	maxErrorHeaderLength = 2048
)

// Config configures an Engine. Zero values take the documented defaults.
type Config struct {
	Input, Output, DLQ string // topics; required
	// Workers is the size of the processing pool. Default GOMAXPROCS.
	Workers int
	// BatchSize is the most records of one partition processed and written
	// together. Default 500.
	BatchSize int
	// StallTimeout: with lag > 0 and no record finished for this long, the
	// instance reports not ready. Default 60 s.
	StallTimeout time.Duration
	// Instance and Version go into each record's processing metadata.
	Instance, Version string
	Logger            *slog.Logger
}

// Engine is one running newsflow instance. Create it with New, run it once
// with Run.
type Engine struct {
	cfg     Config
	pipe    *processor.Pipeline
	cons    *consumer.Consumer
	prod    *producer.Producer
	m       *metrics.Metrics
	observe func(*processor.Article)
	jobs    chan func()

	lastFinish atomic.Int64
	finished   atomic.Int64
}

// Finished returns how many input records this engine has finished
// (enriched, dead-lettered or filtered, and acknowledged).
func (e *Engine) Finished() int64 { return e.finished.Load() }

// New creates an engine from its parts. m may be nil; observe, if not nil,
// is called with every enriched article after its output is acknowledged
// (from several goroutines; it must not block).
func New(cfg Config, pipe *processor.Pipeline, cons *consumer.Consumer, prod *producer.Producer, m *metrics.Metrics, observe func(*processor.Article)) (*Engine, error) {
	if cfg.Input == "" || cfg.Output == "" || cfg.DLQ == "" {
		return nil, errors.New("engine: input, output and dlq topics are required")
	}
	if cfg.Input == cfg.Output || cfg.Input == cfg.DLQ {
		return nil, fmt.Errorf("engine: the input topic %q must differ from the output and dlq topics", cfg.Input)
	}
	if pipe == nil || cons == nil || prod == nil {
		return nil, errors.New("engine: pipeline, consumer and producer are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{cfg: cfg, pipe: pipe, cons: cons, prod: prod, m: m, observe: observe, jobs: make(chan func())}
	e.lastFinish.Store(time.Now().UnixNano())
	return e, nil
}

// Run consumes until ctx is done, then drains in-flight work, commits,
// leaves the group and returns. The worker pool lives exactly as long as
// Run. It returns nil after a clean shutdown.
func (e *Engine) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(context.Background())
	for range e.cfg.Workers {
		g.Go(func() error {
			for {
				select {
				case job := <-e.jobs:
					job()
				case <-gctx.Done():
					return nil
				}
			}
		})
	}
	stopWorkers := make(chan struct{})
	g.Go(func() error {
		<-stopWorkers
		return errStop
	})
	err := e.cons.Run(ctx, e)
	close(stopWorkers)
	if werr := g.Wait(); werr != nil && !errors.Is(werr, errStop) {
		err = errors.Join(err, werr)
	}
	return err
}

var errStop = errors.New("stop")

// Ready reports whether the instance is ready and, if not, why: it must be
// in an active group generation, its last write must not have failed, no
// fetch may have failed in the last few seconds, and it must not be
// stalled (lag with no progress for StallTimeout).
func (e *Engine) Ready() (bool, string) {
	switch {
	case !e.cons.Joined():
		return false, "not in an active consumer-group generation"
	case e.prod.Failing():
		return false, "writes to the brokers are failing (retrying)"
	case e.cons.FetchFailing():
		return false, "fetches from the brokers are failing (retrying)"
	case e.cons.Lag() > 0 && time.Since(time.Unix(0, e.lastFinish.Load())) > e.cfg.StallTimeout:
		return false, fmt.Sprintf("stalled: lag %d and no record finished for %v", e.cons.Lag(), e.cfg.StallTimeout)
	}
	return true, "ok"
}

// result is what processing one input record produced.
type result struct {
	msg      kafka.Message
	outs     []kafka.Message      // enriched records or one dead letter
	articles []*processor.Article // enriched articles, for observe
	class    string               // error class when dead-lettered
	stage    string
	skip     bool // unfinished: the context ended mid-processing
}

type batch struct {
	results []result
}

// HandleClaim implements consumer.Handler.
//
// If a write fails for good (only a refused dead letter, or the drain
// deadline), nothing after it may be committed: the claim stops, and its
// error makes the consumer end the generation, so the partition is consumed
// again from its committed offset.
func (e *Engine) HandleClaim(ctx context.Context, c *consumer.Claim) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := make(chan *batch, 1)
	var g errgroup.Group
	g.Go(func() error {
		err := e.writeLoop(ctx, c, written)
		if err != nil {
			cancel() // stop processing: nothing more can be committed
		}
		return err
	})
	err := e.processLoop(ctx, c, written)
	close(written)
	return errors.Join(err, g.Wait())
}

// processLoop takes batches from the claim, processes each on the pool and
// passes it to the write loop.
func (e *Engine) processLoop(ctx context.Context, c *consumer.Claim, out chan<- *batch) error {
	msgs := c.Messages()
	for {
		var first kafka.Message
		var ok bool
		select {
		case first, ok = <-msgs:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		b := &batch{results: make([]result, 1, min(e.cfg.BatchSize, 64))}
		b.results[0].msg = first
	fill:
		for len(b.results) < e.cfg.BatchSize {
			select {
			case m, ok := <-msgs:
				if !ok {
					break fill
				}
				b.results = append(b.results, result{msg: m})
			default:
				break fill
			}
		}
		if e.m != nil {
			e.m.InFlight.Add(float64(len(b.results)))
		}
		e.process(ctx, b)
		select {
		case out <- b:
		case <-ctx.Done():
			e.abandon(b)
			return ctx.Err()
		}
	}
}

// process runs every record of b through the pipeline on the worker pool
// and waits for all of them.
func (e *Engine) process(ctx context.Context, b *batch) {
	var wg sync.WaitGroup
	wg.Add(len(b.results))
	for i := range b.results {
		r := &b.results[i]
		job := func() {
			defer wg.Done()
			e.processOne(ctx, r)
		}
		select {
		case e.jobs <- job:
		case <-ctx.Done():
			r.skip = true
			wg.Done()
		}
	}
	wg.Wait()
}

func (e *Engine) processOne(ctx context.Context, r *result) {
	m := r.msg
	a := &processor.Article{
		Raw: m.Value,
		Key: m.Key,
		SourcePos: processor.Position{
			Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Timestamp: m.Time.UTC(),
		},
		Processing: processor.Processing{
			Version: e.cfg.Version, Instance: e.cfg.Instance, ProcessedAt: time.Now().UTC(),
		},
	}
	outs, err := e.pipe.Process(ctx, a)
	if err != nil {
		var ie *processor.InputError
		if ctx.Err() != nil && !errors.As(err, &ie) {
			r.skip = true
			return
		}
		e.deadLetter(r, processor.StageOf(err), processor.ClassOf(err), err)
		return
	}
	for _, out := range outs {
		val, err := processor.Encode(out)
		if err != nil {
			r.outs, r.articles = nil, nil
			e.deadLetter(r, "encode", processor.ClassProcessor, err)
			return
		}
		r.outs = append(r.outs, kafka.Message{
			Topic: e.cfg.Output,
			Key:   []byte(out.ID),
			Value: val,
			Headers: []kafka.Header{
				{Key: HeaderContentType, Value: []byte("application/json")},
				{Key: HeaderSchema, Value: []byte(strconv.Itoa(processor.SchemaVersion))},
			},
		})
		r.articles = append(r.articles, out)
	}
}

// deadLetter turns r into one DLQ record: the original key and bytes, the
// original headers, and headers naming the error, its class, the stage and
// the source position.
func (e *Engine) deadLetter(r *result, stage, class string, err error) {
	m := r.msg
	msg := err.Error()
	if len(msg) > maxErrorHeaderLength {
		msg = msg[:maxErrorHeaderLength]
	}
	if stage == "" {
		stage = "pipeline"
	}
	hs := make([]kafka.Header, 0, len(m.Headers)+7)
	hs = append(hs, m.Headers...)
	hs = append(hs,
		kafka.Header{Key: HeaderError, Value: []byte(msg)},
		kafka.Header{Key: HeaderErrorClass, Value: []byte(class)},
		kafka.Header{Key: HeaderStage, Value: []byte(stage)},
		kafka.Header{Key: HeaderSourceTopic, Value: []byte(m.Topic)},
		kafka.Header{Key: HeaderSourcePart, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
		kafka.Header{Key: HeaderSourceTime, Value: []byte(m.Time.UTC().Format(time.RFC3339Nano))},
	)
	r.outs = []kafka.Message{{Topic: e.cfg.DLQ, Key: m.Key, Value: m.Value, Headers: hs}}
	r.articles = nil
	r.class, r.stage = class, stage
}

// writeLoop writes each processed batch, in order, and marks its records
// done once every output is acknowledged.
func (e *Engine) writeLoop(ctx context.Context, c *consumer.Claim, in <-chan *batch) error {
	var failed error
	for b := range in {
		if failed != nil {
			e.abandon(b)
			continue
		}
		if err := e.write(ctx, b); err != nil {
			// The batch is not acknowledged: nothing of it, nor of any
			// later batch, may be committed. Keep draining so the process
			// loop is never blocked.
			failed = err
			e.abandon(b)
			continue
		}
		e.finish(c, b)
	}
	return failed
}

func (e *Engine) write(ctx context.Context, b *batch) error {
	var msgs []kafka.Message
	var owner []int // result index of each message
	for i := range b.results {
		r := &b.results[i]
		if r.skip {
			// The drain deadline passed mid-batch: write nothing of this
			// batch, so nothing after the unfinished record is committed.
			return fmt.Errorf("engine: record at offset %d unfinished at shutdown", r.msg.Offset)
		}
		for _, o := range r.outs {
			msgs = append(msgs, o)
			owner = append(owner, i)
		}
	}
	err := e.prod.Write(ctx, msgs)
	var rej *producer.RejectedError
	if !errors.As(err, &rej) {
		if err != nil {
			return fmt.Errorf("engine: write batch: %w", err)
		}
		return nil
	}
	// Some outputs were refused for good (e.g. too large for the broker):
	// dead-letter their source records instead. A record may have had
	// other outputs acknowledged already; they stay (at-least-once).
	var dlq []kafka.Message
	seen := map[int]bool{}
	for j, werr := range rej.Errs {
		i := owner[j]
		if werr == nil || seen[i] {
			continue
		}
		seen[i] = true
		r := &b.results[i]
		if r.class != "" {
			return fmt.Errorf("engine: dead letter for offset %d refused by the broker: %w", r.msg.Offset, werr)
		}
		e.deadLetter(r, "produce", processor.ClassTooLarge, fmt.Errorf("output refused by the broker: %w", werr))
		dlq = append(dlq, r.outs...)
	}
	if err := e.prod.Write(ctx, dlq); err != nil {
		return fmt.Errorf("engine: write dead letters: %w", err)
	}
	return nil
}

// finish marks every record of an acknowledged batch done and records its
// metrics.
func (e *Engine) finish(c *consumer.Claim, b *batch) {
	now := time.Now()
	for i := range b.results {
		r := &b.results[i]
		c.Done(r.msg)
		if e.m != nil {
			e.countResult(r, now)
		}
		if e.observe != nil {
			for _, a := range r.articles {
				e.observe(a)
			}
		}
	}
	e.lastFinish.Store(now.UnixNano())
	e.finished.Add(int64(len(b.results)))
	if e.m != nil {
		e.m.InFlight.Sub(float64(len(b.results)))
	}
}

func (e *Engine) countResult(r *result, now time.Time) {
	m := e.m
	if !r.msg.Time.IsZero() {
		m.EndToEndLatency.Observe(now.Sub(r.msg.Time).Seconds())
	}
	switch {
	case r.class != "":
		m.PipelineRecords.WithLabelValues(metrics.OutcomeDeadLettered).Inc()
		m.DLQRecords.WithLabelValues(r.class).Inc()
		m.StageErrors.WithLabelValues(r.stage, r.class).Inc()
	case len(r.articles) == 0:
		m.PipelineRecords.WithLabelValues(metrics.OutcomeFiltered).Inc()
	default:
		m.PipelineRecords.WithLabelValues(metrics.OutcomeEnriched).Inc()
		for _, a := range r.articles {
			lang := "und"
			if a.Language != nil && a.Language.Code != "" {
				lang = a.Language.Code
			}
			m.ContentArticles.WithLabelValues(lang).Inc()
			for _, en := range a.Entities {
				m.ContentEntities.WithLabelValues(en.Type).Inc()
			}
			m.ContentQuotes.Add(float64(len(a.Quotes)))
		}
	}
}

// abandon gives up a batch without marking anything done.
func (e *Engine) abandon(b *batch) {
	if e.m != nil {
		e.m.InFlight.Sub(float64(len(b.results)))
	}
}
