// Package app assembles a running newsflow instance from its settings: the
// metrics registry, the pipeline, the consumer, the producer, the engine
// and the HTTP server. `newsflow run` and `newsflow demo` both use it.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/httpserver"
	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/internal/reach"
	"github.com/newsflow/newsflow/internal/status"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/dedup"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/state"
)

// Options are what a caller adds to the settings.
type Options struct {
	Version string
	Logger  *slog.Logger
	// Observe, if set, is called with every enriched article once its
	// output is acknowledged (concurrently; it must not block).
	Observe func(*processor.Article)
}

// Instance is an assembled, not yet running, newsflow instance.
type Instance struct {
	s        Settings
	log      *slog.Logger
	Registry *prometheus.Registry
	Metrics  *metrics.Metrics
	pipe     *processor.Pipeline
	prod     *producer.Producer
	cons     *consumer.Consumer
	eos      *engine.ExactlyOnce // nil with at-least-once
	eng      *engine.Engine
	// dedupTable is the near-duplicate stage's global table; nil when the
	// stage is off.
	dedupTable *state.Global
	// trends is the aggregation stage of trending entities; nil when off.
	trends *trendsStage
	http   *httpserver.Server
	// transport is shared by the producer and the admin client.
	transport *kafka.Transport
	page      *status.Page
	// tracing exports the spans; nil when tracing is off.
	tracing *sdktrace.TracerProvider
}

// New validates s and builds an instance. It binds the HTTP port but
// contacts no broker.
func New(s Settings, o Options) (inst *Instance, err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, o.Version)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	var ts *trendsStage // set below when trends are on
	sopt := status.Options{Guarantee: s.Guarantee}
	if s.Trends && s.Pipeline == "full" {
		sopt.Trends = func(n int) []status.TrendView {
			if ts == nil {
				return nil
			}
			return trendViews(ts.agg.Top(n))
		}
	}
	page, err := status.New(reg, sopt)
	if err != nil {
		return nil, err
	}
	observe := func(a *processor.Article) {
		page.Observe(a)
		if o.Observe != nil {
			o.Observe(a)
		}
	}
	dialer, err := s.Security.Dialer(0)
	if err != nil {
		return nil, err
	}
	transport, err := s.Security.Transport()
	if err != nil {
		return nil, err
	}
	if transport == nil {
		transport = &kafka.Transport{}
	}
	popt := PipelineOptions{MaxRecordBytes: s.MaxRecordBytes, Languages: s.Languages, Core: s.Pipeline == "core", StageTimeout: s.StageTimeout}
	var tp *sdktrace.TracerProvider
	if s.TracingOn(os.Getenv) {
		if tp, err = newTracerProvider(s, o.Version); err != nil {
			return nil, fmt.Errorf("tracing: %w", err)
		}
		defer func() {
			if err != nil {
				_ = tp.Shutdown(context.Background())
			}
		}()
		popt.Tracer = tp.Tracer("github.com/newsflow/newsflow", trace.WithInstrumentationVersion(o.Version))
		o.Logger.Info("tracing on: spans exported over OTLP/HTTP", "endpoint", cmp.Or(s.OTLPEndpoint, os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")))
	}
	var table *state.Global
	if s.Dedup && !popt.Core {
		stage, err := dedup.New(dedup.Options{Topic: s.ChangelogTopic(), Threshold: s.DedupThreshold, Horizon: s.DedupHorizon, Drop: s.DedupDrop, Metrics: m.Dedup})
		if err != nil {
			return nil, err
		}
		table, err = state.NewGlobal(state.Config{Brokers: s.Brokers, Topic: s.ChangelogTopic(), Name: "dedup", Dialer: dialer, Transport: transport,
			Metrics: m.State, Logger: o.Logger.With("component", "state")}, stage.Apply)
		if err != nil {
			return nil, err
		}
		stage.SetOnSize(table.SetSize)
		popt.Dedup = stage
	}
	if s.Trends && !popt.Core {
		mentions, err := trends.NewMentions(trends.MentionsOptions{Topic: s.Mentions(), Metrics: m.Trends})
		if err != nil {
			return nil, err
		}
		popt.Mentions = mentions
	}
	pipe, err := NewPipeline(m.Engine, popt)
	if err != nil {
		return nil, err
	}
	drain := s.ShutdownTimeout - 2*time.Second
	if drain < time.Second {
		drain = s.ShutdownTimeout / 2
	}
	iso, err := consumer.ParseIsolation(s.Isolation)
	if err != nil {
		return nil, err
	}
	var eos *engine.ExactlyOnce
	var committer consumer.Committer
	if s.Guarantee == "exactly-once" {
		tid := s.TransactionalID
		if tid == "" {
			tid = s.Group + "." + s.Instance
		}
		txnLog := o.Logger.With("component", "transactions")
		eos = engine.NewExactlyOnce(func(ctx context.Context) (engine.Txn, error) {
			return producer.NewTxn(ctx, producer.TxnConfig{
				Brokers: s.Brokers, Transport: transport, TransactionalID: tid, TransactionTimeout: s.transactionTimeout(),
				BatchBytes: int64(s.MaxMessageBytes), Compression: s.Compression, Metrics: m.Txn, Logger: txnLog,
			})
		})
		committer = eos
	}
	cons, err := consumer.New(consumer.Config{
		Brokers: s.Brokers, GroupID: s.Group, Topics: s.Inputs(), Dialer: dialer, Transport: transport,
		Isolation: iso, CommitInterval: s.CommitInterval, DrainTimeout: drain,
		MaxInFlight: s.MaxInFlight, MaxInFlightBytes: int64(s.MaxInFlightMB) << 20,
		// A fetch must be able to carry the largest record whole.
		Committer:        committer,
		MaxFetchBytes:    max(1<<20, s.MaxRecordBytes+(64<<10)),
		FetchBudgetBytes: max(16<<20, int64(s.MaxRecordBytes+(64<<10))),
		Metrics:          m.Consumer, Logger: o.Logger.With("component", "consumer"),
	})
	if err != nil {
		return nil, err
	}
	prod, err := producer.New(producer.Config{
		Brokers: s.Brokers, Transport: transport, BatchTimeout: s.ProducerLinger, BatchSize: max(s.BatchSize, 100),
		BatchBytes: int64(s.MaxMessageBytes), Compression: s.Compression,
		Metrics: m.Producer, Logger: o.Logger.With("component", "producer"),
	})
	if err != nil {
		return nil, err
	}
	var sink engine.Sink = prod
	if eos != nil {
		sink = eos
	}
	eng, err := engine.New(engine.Config{
		Inputs: s.Inputs(), Output: s.Output, DLQ: s.DLQ,
		Workers: s.Workers, BatchSize: s.BatchSize, MaxMessageBytes: int64(s.MaxMessageBytes),
		StallTimeout: s.StallTimeout, StuckTimeout: s.StuckTimeout,
		Instance: s.Instance, Version: o.Version, Metrics: m.Engine, Observe: observe, Logger: o.Logger,
		Tracer: popt.Tracer,
	}, pipe, cons, sink)
	if err != nil {
		return nil, err
	}
	if popt.Mentions != nil {
		ts, err = newTrendsStage(s, m.Trends, m.Engine, popt.Tracer, m.State, dialer, transport, prod, m.Txn, o.Logger, drain, o.Version)
		if err != nil {
			return nil, err
		}
	}
	if err := reg.Register(metrics.NewKafkaCollector(prod.Stats)); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	inst = &Instance{s: s, log: o.Logger, Registry: reg, Metrics: m, pipe: pipe, prod: prod, cons: cons, eos: eos, eng: eng, transport: transport, page: page, dedupTable: table, trends: ts, tracing: tp}
	inst.http, err = httpserver.New(httpserver.Options{
		Addr: s.MetricsAddr, Gatherer: reg, Ready: inst.ready, Logger: o.Logger, Status: page.Handler(),
	})
	if err != nil {
		return nil, err
	}
	return inst, nil
}

// HTTPAddr returns the address the HTTP server is bound to.
func (i *Instance) HTTPAddr() string { return i.http.Addr() }

// Stages returns the pipeline's stage names.
func (i *Instance) Stages() []string { return i.pipe.Stages() }

// Finished returns how many input records were finished (see
// engine.Engine.Finished).
func (i *Instance) Finished() int64 { return i.eng.Finished() }

// TrendsCaughtUp reports whether the trends aggregation stage has finished
// every mention this instance emitted (true when the stage is off). With
// one instance, that means every article processed so far is counted.
func (i *Instance) TrendsCaughtUp() bool {
	if i.trends == nil {
		return true
	}
	var m dto.Metric
	if err := i.Metrics.Trends.Mentions.Write(&m); err != nil {
		return false
	}
	return float64(i.trends.eng.Finished()) >= m.GetCounter().GetValue()
}

// Trends returns the current values of at most n open trend windows of
// this instance, trending ones first (nil when the stage is off).
func (i *Instance) Trends(n int) []trends.Trend {
	if i.trends == nil {
		return nil
	}
	return i.trends.agg.Top(n)
}

// Lag returns the consumer's total lag over its assigned partitions (log
// end minus committed offset).
func (i *Instance) Lag() int64 { return i.cons.Lag() }

// Ready reports readiness (see engine.Engine.Ready) and keeps the
// newsflow_ready gauge current.
func (i *Instance) Ready() (bool, string) { return i.ready() }

func (i *Instance) ready() (bool, string) {
	ok, why := true, "ok"
	if i.dedupTable != nil {
		// No record is processed before the table is restored.
		ok, why = i.dedupTable.Ready()
	}
	if ok {
		ok, why = i.eng.Ready()
	}
	if ok && i.trends != nil {
		ok, why = i.trends.ready()
	}
	if ok {
		i.Metrics.Ready.Set(1)
	} else {
		i.Metrics.Ready.Set(0)
	}
	return ok, why
}

// Run creates missing topics, then consumes, processes and produces until
// ctx is done; then it stops fetching, drains in-flight records, commits,
// leaves the group, flushes and closes the producer and returns — within
// the shutdown timeout. It returns nil after a clean shutdown.
func (i *Instance) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	httpCtx, stopHTTP := context.WithCancel(context.Background())
	defer stopHTTP()
	g.Go(func() error { return i.http.Serve(httpCtx) })
	g.Go(func() error {
		i.readinessLoop(httpCtx)
		return nil
	})
	g.Go(func() error { return i.page.Run(httpCtx) })
	g.Go(func() error {
		defer stopHTTP()
		if i.s.Security.Enabled() {
			// First, so that a wrong password or certificate fails at once
			// (the reach check below retries them until its deadline, and
			// the readers would for ever).
			cctx, cancel := context.WithTimeout(gctx, 30*time.Second)
			err := i.s.Security.Check(cctx, i.s.Brokers, 0)
			cancel()
			if err != nil {
				return err
			}
		}
		// Say at once what is being tried, and fail with the addresses
		// when none answers, rather than retry in silence.
		rctx, cancel := context.WithTimeout(gctx, i.s.ConnectTimeout)
		err := reach.Check(rctx, i.s.Brokers, i.transport, i.log)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if i.s.CreateTopics {
			tctx, cancel := context.WithTimeout(gctx, 60*time.Second)
			specs := []engine.TopicSpec{}
			for _, t := range append(i.s.Inputs(), i.s.Output, i.s.DLQ) {
				specs = append(specs, engine.TopicSpec{Name: t, Partitions: i.s.Partitions, Replication: i.s.Replication})
			}
			if i.dedupTable != nil {
				specs = append(specs, engine.TopicSpec{Name: i.s.ChangelogTopic(), Partitions: i.s.Partitions, Replication: i.s.Replication, Configs: state.ChangelogConfigs()})
			}
			if i.trends != nil {
				// The latest trend record of a key is its value: the
				// trends topic is compacted too.
				specs = append(specs,
					engine.TopicSpec{Name: i.s.Mentions(), Partitions: i.s.Partitions, Replication: i.s.Replication},
					engine.TopicSpec{Name: i.s.TrendsTopic, Partitions: i.s.Partitions, Replication: i.s.Replication, Configs: state.ChangelogConfigs()},
					engine.TopicSpec{Name: i.s.TrendsChangelog(), Partitions: i.s.Partitions, Replication: i.s.Replication, Configs: state.ChangelogConfigs()})
			}
			err := engine.EnsureTopicSpecs(tctx, i.s.Brokers, i.transport, specs...)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		// What `newsflow check` checks: every topic there, with the limits
		// and authorisations run needs (the largest record newsflow writes
		// is --max-message-bytes: outputs and dead letters are cut to fit
		// it, so those topics must take it), the changelog compacted, the
		// group usable.
		results, err := checkResources(gctx, i.s, i.transport, i.log)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, r := range results {
			if r.Status == CheckWarn {
				i.log.Warn("start check not conclusive", "check", r.Check, "detail", r.Detail)
			}
		}
		if i.eos != nil {
			sctx, cancel := context.WithTimeout(gctx, i.s.ConnectTimeout)
			err := i.eos.Start(sctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			defer i.eos.Close()
		}
		if i.trends != nil && i.trends.eos != nil {
			sctx, cancel := context.WithTimeout(gctx, i.s.ConnectTimeout)
			err := i.trends.eos.Start(sctx)
			cancel()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			defer i.trends.eos.Close()
		}
		if i.dedupTable != nil {
			g.Go(func() error { return i.dedupTable.Run(httpCtx) })
			select {
			case <-i.dedupTable.Restored():
			case <-gctx.Done():
				return nil
			}
		}
		i.log.Info("consuming", "guarantee", i.s.Guarantee, "brokers", i.s.Brokers, "input", i.s.Input, "output", i.s.Output, "dlq", i.s.DLQ, "group", i.s.Group, "http", i.HTTPAddr())
		if i.trends == nil {
			return i.eng.Run(gctx)
		}
		// Both stages run until ctx ends; either failing stops both.
		sg, sctx := errgroup.WithContext(gctx)
		sg.Go(func() error { return i.eng.Run(sctx) })
		sg.Go(func() error { return i.trends.eng.Run(sctx) })
		return sg.Wait()
	})
	err := g.Wait()
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if cerr := i.prod.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if cerr := i.pipe.Close(cctx); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if i.transport != nil {
		i.transport.CloseIdleConnections()
	}
	if i.tracing != nil {
		// Flush the last spans. Traces are best effort: a receiver that
		// is down does not fail the run.
		if terr := i.tracing.Shutdown(cctx); terr != nil {
			i.log.Warn("tracing: the last spans could not be exported", "err", terr)
		}
	}
	return err
}

// newTracerProvider builds the instance's own tracer provider (no global
// otel state): OTLP/HTTP to --otlp-endpoint or, without it, where the
// standard OTEL_EXPORTER_OTLP_* variables say; spans batched; resource
// service.name newsflow (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
// override), service.version and service.instance.id; the sampler
// parent-based always-on unless OTEL_TRACES_SAMPLER says otherwise.
func newTracerProvider(s Settings, version string) (*sdktrace.TracerProvider, error) {
	var opts []otlptracehttp.Option
	if s.OTLPEndpoint != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(s.OTLPTracesURL()))
	}
	exp, err := otlptracehttp.New(context.Background(), opts...) // connects on the first export
	if err != nil {
		return nil, err
	}
	res, err := resource.New(context.Background(),
		resource.WithAttributes(attribute.String("service.name", "newsflow"), attribute.String("service.version", version),
			attribute.String("service.instance.id", s.Instance)),
		resource.WithFromEnv())
	if err != nil {
		return nil, err
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// readinessLoop keeps the newsflow_ready gauge current between scrapes of
// /readyz.
func (i *Instance) readinessLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			i.ready()
			if i.trends != nil {
				i.Metrics.TrendsLag.Set(float64(i.trends.cons.Lag()))
			}
		}
	}
}
