// Package engine is newsflow's runtime: it sits between a Source of
// partition claims (the consumer) and a Sink of records (the producer). For
// each claimed partition it runs the records through the processor
// pipeline on a bounded worker pool, applies the dead-letter policy, writes
// every output of a batch (side outputs, enriched records, dead letters) as
// one ordered write, and only then marks the records done so their offsets
// can be committed.
//
// Per partition, records are taken in batches; a batch is processed in
// parallel, its outputs written in input order as one ordered write, and
// the next batch is processed while the previous one is being written. So
// output order per key follows input order per partition, and a slow broker
// slows the consumer instead of growing memory: the Source's in-flight
// budget (records fetched and not yet done, for the whole instance) bounds
// everything the engine holds.
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// Source hands the engine claims of partitions: consumer.Consumer is one.
// Run blocks until ctx ends and the claims are drained.
type Source interface {
	Run(ctx context.Context, h consumer.Handler) error
}

// SourceStatus is what a Source may tell about its health (the consumer
// does); the engine's readiness uses it when the Source implements it.
type SourceStatus interface {
	Joined() (bool, string)
	FetchFailing() bool
	Lag() int64
}

// Sink writes records and blocks until every one is acknowledged
// (producer.Producer is one). A *producer.RejectedError reports records
// refused for good; any other error means nothing may be assumed written.
type Sink interface {
	Write(ctx context.Context, recs []record.Record) error
}

// SinkStatus is what a Sink may tell about its health (the producer does).
type SinkStatus interface {
	Failing() (bool, string)
}

// Config configures an Engine. Zero values take the documented defaults.
type Config struct {
	// Inputs are the input topics; Output and DLQ the output topics. All
	// required, all different.
	Inputs      []string
	Output, DLQ string
	// Workers is the size of the processing pool. Default GOMAXPROCS.
	Workers int
	// BatchSize is the most records of one partition processed and written
	// together. Default 500.
	BatchSize int
	// MaxMessageBytes is the largest record the Sink accepts (key, value
	// and headers): enriched records are cut to fit (processor.EncodeLimit)
	// and dead letters too. Default 1,000,000.
	MaxMessageBytes int64
	// StallTimeout: with lag > 0 and no record finished for this long, the
	// instance reports not ready. Default 60 s.
	StallTimeout time.Duration
	// StuckTimeout: a partition whose ordered write has been retrying for
	// this long counts as stuck (newsflow_pipeline_stuck_partitions, and
	// not ready). Default 30 s.
	StuckTimeout time.Duration
	// Instance and Version go into each record's processing metadata.
	Instance, Version string
	// Metrics receives the engine series. Default: an unregistered set.
	Metrics *Metrics
	// Observe, if set, is called with every enriched article after its
	// output is acknowledged (from several goroutines; it must not block).
	Observe func(*processor.Article)
	// ClaimHooks run when a partition is claimed, before any of its
	// records is processed, and when the claim ends (a partitioned state
	// store restores and drops its partition there).
	ClaimHooks []ClaimHook
	// Tracer, if set, traces every record: a span per record continuing
	// the trace of its traceparent header, a child per write, and a
	// traceparent on every output (see tracing.go). The pipeline's stage
	// spans come from processor.Tracing with the same tracer. Nil (the
	// default): no tracing, at no cost.
	Tracer trace.Tracer
	Logger *slog.Logger
}

// ClaimHook is told of the claims of the engine. BeginClaim blocks the
// claim's processing until it returns; an error ends the claim, which
// makes the instance leave and rejoin the group. EndClaim is called once
// the claim's last write is done, whether or not BeginClaim succeeded.
// Both may be called concurrently for different partitions.
type ClaimHook interface {
	BeginClaim(ctx context.Context, topic string, partition int) error
	EndClaim(topic string, partition int)
}

// Engine is one running newsflow instance. Create it with New, run it once
// with Run; Ready and Finished are safe for concurrent use.
type Engine struct {
	cfg  Config
	pipe *processor.Pipeline
	src  Source
	sink Sink
	m    *Metrics
	jobs chan func()

	lastFinish atomic.Int64
	finished   atomic.Int64

	writesMu sync.Mutex
	writes   map[string]time.Time // "topic/partition" -> start of a write in progress
}

// Finished returns how many input records this engine has finished
// (enriched, dead-lettered or filtered, and acknowledged).
func (e *Engine) Finished() int64 { return e.finished.Load() }

// New creates an engine from its parts.
func New(cfg Config, pipe *processor.Pipeline, src Source, sink Sink) (*Engine, error) {
	if len(cfg.Inputs) == 0 || cfg.Output == "" || cfg.DLQ == "" {
		return nil, errors.New("engine: input, output and dlq topics are required")
	}
	for _, in := range cfg.Inputs {
		if in == cfg.Output || in == cfg.DLQ {
			return nil, fmt.Errorf("engine: the input topic %q must differ from the output and dlq topics", in)
		}
	}
	if pipe == nil || src == nil || sink == nil {
		return nil, errors.New("engine: pipeline, source and sink are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 1_000_000
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = time.Minute
	}
	if cfg.StuckTimeout <= 0 {
		cfg.StuckTimeout = 30 * time.Second
	}
	if cfg.Metrics == nil {
		cfg.Metrics = newMetrics()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Engine{cfg: cfg, pipe: pipe, src: src, sink: sink, m: cfg.Metrics, jobs: make(chan func()), writes: map[string]time.Time{}}
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
	err := e.src.Run(ctx, e)
	close(stopWorkers)
	if werr := g.Wait(); werr != nil && !errors.Is(werr, errStop) {
		err = errors.Join(err, werr)
	}
	return err
}

var errStop = errors.New("stop")

// Ready reports whether the instance is ready and, if not, why: it must be
// in an active group generation, its writes must not be failing, no fetch
// may have failed in the last few seconds, no partition may be stuck, and
// it must not be stalled (lag with no progress for StallTimeout). It also
// sets newsflow_pipeline_stuck_partitions.
func (e *Engine) Ready() (bool, string) {
	stuck := e.stuck()
	e.m.StuckPartitions.Set(float64(len(stuck)))
	st, _ := e.src.(SourceStatus)
	if st != nil {
		if ok, why := st.Joined(); !ok {
			if why != "" {
				return false, "not in an active consumer-group generation: " + why
			}
			return false, "not in an active consumer-group generation"
		}
	}
	if ss, ok := e.sink.(SinkStatus); ok {
		if failing, why := ss.Failing(); failing {
			if why == "" {
				why = "writes to the brokers are failing (retrying)"
			}
			return false, why
		}
	}
	if len(stuck) > 0 {
		return false, fmt.Sprintf("partitions stuck (outputs unwritable for over %v): %s", e.cfg.StuckTimeout, strings.Join(stuck, ", "))
	}
	if st != nil {
		if st.FetchFailing() {
			return false, "fetches from the brokers are failing (retrying)"
		}
		if lag := st.Lag(); lag > 0 && time.Since(time.Unix(0, e.lastFinish.Load())) > e.cfg.StallTimeout {
			return false, fmt.Sprintf("stalled: lag %d and no record finished for %v", lag, e.cfg.StallTimeout)
		}
	}
	return true, "ok"
}

// stuck lists the partitions whose write has been in progress for longer
// than StuckTimeout.
func (e *Engine) stuck() []string {
	e.writesMu.Lock()
	defer e.writesMu.Unlock()
	var out []string
	for p, t := range e.writes {
		if time.Since(t) > e.cfg.StuckTimeout {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (e *Engine) writing(key string, on bool) {
	e.writesMu.Lock()
	defer e.writesMu.Unlock()
	if on {
		e.writes[key] = time.Now()
	} else {
		delete(e.writes, key)
	}
}

// result is what processing one input record produced.
type result struct {
	rec      record.Record
	outs     []record.Record      // side outputs and enriched records, or one dead letter
	articles []*processor.Article // enriched articles, for observe
	class    string               // error class when dead-lettered
	stage    string
	skip     bool       // unfinished: the context ended mid-processing
	filtered bool       // the pipeline passed no article on (side outputs only)
	span     trace.Span // the record's span; nil when tracing is off
}

type batch struct {
	results []result
}

// HandleClaim implements consumer.Handler.
//
// If a write fails for good (a dead letter refused, the sink closed),
// nothing after it may be committed: the claim stops with an error, which
// makes the consumer leave and rejoin the group, so the partition is
// consumed again from its committed offset; the failure is logged and
// counted (newsflow_pipeline_write_failures_total).
func (e *Engine) HandleClaim(ctx context.Context, c consumer.Claim) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, h := range e.cfg.ClaimHooks {
		defer h.EndClaim(c.Topic(), c.Partition())
		if err := h.BeginClaim(ctx, c.Topic(), c.Partition()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("engine: claim of %s/%d: %w", c.Topic(), c.Partition(), err)
		}
	}
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
	werr := g.Wait()
	if werr != nil && !errors.Is(werr, context.Canceled) {
		e.m.WriteFailures.Inc()
	}
	if errors.Is(err, context.Canceled) && werr == nil {
		err = nil
	}
	return errors.Join(err, werr)
}

// processLoop takes batches from the claim, processes each on the pool and
// passes it to the write loop.
func (e *Engine) processLoop(ctx context.Context, c consumer.Claim, out chan<- *batch) error {
	recs := c.Records()
	for {
		var first record.Record
		var ok bool
		select {
		case first, ok = <-recs:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		b := &batch{results: make([]result, 1, min(e.cfg.BatchSize, 64))}
		b.results[0].rec = first
	fill:
		for len(b.results) < e.cfg.BatchSize {
			select {
			case r, ok := <-recs:
				if !ok {
					break fill
				}
				b.results = append(b.results, result{rec: r})
			default:
				break fill
			}
		}
		e.m.InFlight.Add(float64(len(b.results)))
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

// OutputLimit is the most an enriched value with this key may take when
// records may have maxMessageBytes: the record limit less the key and an
// allowance for the headers and framing. `newsflow enrich` cuts with the
// same limit.
func OutputLimit(maxMessageBytes int64, key string) int {
	return int(maxMessageBytes) - len(key) - 256
}

func (e *Engine) processOne(ctx context.Context, r *result) {
	if e.cfg.Tracer != nil {
		ctx = e.startSpan(ctx, r)
	}
	m := &r.rec
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
		e.deadLetter(r, processor.StageOf(err), errorClass(err), err)
		return
	}
	if len(outs) == 0 {
		// Filtered: the article is not published, but what its stages
		// emitted (state updates, repartitioned records) is.
		outs = []*processor.Article{a}
		r.filtered = true
	}
	for _, out := range outs {
		for _, so := range out.SideOutputs {
			if so.Topic == "" {
				e.deadLetter(r, "side-output", processor.ClassProcessor, errors.New("a stage emitted a side output without a topic"))
				return
			}
			if r.span != nil {
				so.Headers = stampHeaders(r, so.Headers)
			}
			r.outs = append(r.outs, so)
		}
		if r.filtered {
			break
		}
		val, err := processor.EncodeLimit(out, OutputLimit(e.cfg.MaxMessageBytes, out.ID))
		if err != nil {
			e.deadLetter(r, "encode", processor.ClassProcessor, err)
			return
		}
		if out.Truncated != nil {
			e.m.Truncated.WithLabelValues("enriched").Inc()
		}
		hs := []record.Header{
			{Key: HeaderContentType, Value: []byte("application/json")},
			{Key: HeaderSchema, Value: []byte(strconv.Itoa(processor.SchemaVersion))},
		}
		if r.span != nil {
			hs = stampHeaders(r, hs)
		}
		r.outs = append(r.outs, record.Record{Topic: e.cfg.Output, Key: []byte(out.ID), Value: val, Headers: hs})
		// The observer needs the enrichment, not the working buffers.
		out.Tokens, out.Sentences, out.TextMap, out.Raw, out.Body, out.SideOutputs = nil, nil, nil, nil, "", nil
		r.articles = append(r.articles, out)
	}
}

// deadLetter turns r into one dead letter (see the policy in deadletter.go).
func (e *Engine) deadLetter(r *result, stage, class string, err error) {
	src := &r.rec
	if r.span != nil {
		// The dead letter names the record's span, not the publisher's
		// (same trace), within the size limit.
		stamped := *src
		stamped.Headers = stampHeaders(r, src.Headers)
		src = &stamped
	}
	dl, cut := deadLetter(src, e.cfg.DLQ, stage, class, err, e.cfg.MaxMessageBytes)
	if cut {
		e.m.Truncated.WithLabelValues("dead_letter").Inc()
	}
	r.outs = []record.Record{dl}
	r.articles = nil
	if stage == "" {
		stage = "pipeline"
	}
	r.class, r.stage = class, stage
}

// writeLoop writes each processed batch, in order, and marks its records
// done once every output is acknowledged.
func (e *Engine) writeLoop(ctx context.Context, c consumer.Claim, in <-chan *batch) error {
	key := c.Topic() + "/" + strconv.Itoa(c.Partition())
	var failed error
	for b := range in {
		if failed != nil {
			e.abandon(b)
			continue
		}
		release := func() {}
		if h, ok := e.sink.(interface{ Hold() func() }); ok {
			// Exactly-once: the transaction may not commit between this
			// batch's write and its records being Done.
			release = h.Hold()
		}
		e.writing(key, true)
		var spans []trace.Span
		if e.cfg.Tracer != nil {
			spans = e.startWriteSpans(b)
		}
		err := e.write(ctx, b)
		endWriteSpans(spans, err)
		e.writing(key, false)
		if err != nil {
			// The batch is not acknowledged: nothing of it, nor of any
			// later batch, may be committed. Keep draining so the process
			// loop is never blocked.
			if ctx.Err() == nil {
				e.cfg.Logger.Error("write failed for good; the partition will be consumed again from its committed offset",
					"topic", c.Topic(), "partition", c.Partition(), "err", err)
			}
			failed = err
			e.abandon(b)
			release()
			continue
		}
		e.finish(c, b)
		release()
	}
	return failed
}

func (e *Engine) write(ctx context.Context, b *batch) error {
	var recs []record.Record
	var owner []int // result index of each record
	for i := range b.results {
		r := &b.results[i]
		if r.skip {
			// The drain deadline passed mid-batch: write nothing of this
			// batch, so nothing after the unfinished record is committed.
			return fmt.Errorf("engine: record at offset %d unfinished at shutdown: %w", r.rec.Offset, context.Canceled)
		}
		for _, o := range r.outs {
			recs = append(recs, o)
			owner = append(owner, i)
		}
	}
	err := e.sink.Write(ctx, recs)
	var rej *producer.RejectedError
	if !errors.As(err, &rej) {
		if err != nil {
			return fmt.Errorf("engine: write batch: %w", err)
		}
		return nil
	}
	// Some outputs were refused for good: dead-letter their source records
	// instead. A record may have had other outputs acknowledged already;
	// they stay (at-least-once).
	var dlq []record.Record
	seen := map[int]bool{}
	for j, werr := range rej.Errs {
		if werr == nil {
			continue
		}
		i := owner[j]
		if seen[i] {
			continue
		}
		seen[i] = true
		r := &b.results[i]
		if r.class != "" {
			return fmt.Errorf("engine: dead letter for offset %d refused by the broker: %w", r.rec.Offset, werr)
		}
		e.deadLetter(r, "produce", rejectClass(werr), fmt.Errorf("output refused by the broker: %w", werr))
		dlq = append(dlq, r.outs...)
	}
	if err := e.sink.Write(ctx, dlq); err != nil {
		return fmt.Errorf("engine: write dead letters: %w", err)
	}
	return nil
}

// finish marks every record of an acknowledged batch done and records its
// metrics.
func (e *Engine) finish(c consumer.Claim, b *batch) {
	now := time.Now()
	for i := range b.results {
		r := &b.results[i]
		c.Done(r.rec)
		e.countResult(r, now)
		endSpan(r, "")
		if e.cfg.Observe != nil {
			for _, a := range r.articles {
				e.cfg.Observe(a)
			}
		}
	}
	e.lastFinish.Store(now.UnixNano())
	e.finished.Add(int64(len(b.results)))
	e.m.InFlight.Sub(float64(len(b.results)))
}

func (e *Engine) countResult(r *result, now time.Time) {
	m := e.m
	if !r.rec.Time.IsZero() {
		m.EndToEndLatency.Observe(now.Sub(r.rec.Time).Seconds())
	}
	switch {
	case r.class != "":
		m.Records.WithLabelValues(OutcomeDeadLettered).Inc()
		m.DLQRecords.WithLabelValues(r.class).Inc()
		m.StageErrors.WithLabelValues(r.stage, r.class).Inc()
	case len(r.articles) == 0:
		m.Records.WithLabelValues(OutcomeFiltered).Inc()
		for _, o := range r.outs {
			m.SideOutputs.WithLabelValues(o.Topic).Inc()
		}
	default:
		m.Records.WithLabelValues(OutcomeEnriched).Inc()
		for _, o := range r.outs {
			if o.Topic != e.cfg.Output {
				m.SideOutputs.WithLabelValues(o.Topic).Inc()
			}
		}
		for _, a := range r.articles {
			lang := "und"
			if a.Language != nil && a.Language.Code != "" {
				lang = a.Language.Code
			}
			m.Articles.WithLabelValues(lang).Inc()
			for _, en := range a.Entities {
				m.Entities.WithLabelValues(en.Type).Inc()
			}
			m.Quotes.Add(float64(len(a.Quotes)))
		}
	}
}

// abandon gives up a batch without marking anything done.
func (e *Engine) abandon(b *batch) {
	e.m.InFlight.Sub(float64(len(b.results)))
	if e.cfg.Tracer != nil {
		for i := range b.results {
			endSpan(&b.results[i], "not written: the batch was abandoned (write failed, or shutdown); the record will be consumed again")
		}
	}
}
