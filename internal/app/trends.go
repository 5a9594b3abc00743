package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/status"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/state"
)

// trendsStage is the aggregation stage of trending entities: a second
// consumer (group GROUP.trends, on the mentions topic), engine and
// pipeline (the Aggregator alone, one worker, so that each partition's
// mentions are counted in input order) in the same process, with the
// partitioned store of the windows. Its outputs go through the main
// producer, or, with exactly-once, a transactional producer of its own.
type trendsStage struct {
	agg   *trends.Aggregator
	store *state.Partitioned
	cons  *consumer.Consumer
	eng   *engine.Engine
	eos   *engine.ExactlyOnce // nil with at-least-once
}

// newTrendsStage builds the aggregation stage. Its own series are
// newsflow_trends_* (m, and the lag the instance sets from Lag); the
// consumer and engine series of the stage stay unregistered, since their
// names are the main stage's.
func newTrendsStage(s Settings, m *trends.Metrics, obs processor.Observer, tracer trace.Tracer, stateMetrics *state.Metrics,
	dialer *kafka.Dialer, transport *kafka.Transport, prod *producer.Producer, txnMetrics *producer.TxnMetrics, log *slog.Logger, drain time.Duration, version string) (*trendsStage, error) {
	lateness := s.AllowedLateness
	if lateness == 0 {
		lateness = -1
	}
	agg, err := trends.NewAggregator(trends.Options{TrendsTopic: s.TrendsTopic, Window: s.TrendWindow, Hop: s.TrendHop, AllowedLateness: lateness, Metrics: m})
	if err != nil {
		return nil, err
	}
	ps, err := state.NewPartitioned(state.Config{Brokers: s.Brokers, Topic: s.TrendsChangelog(), Name: "trends", Dialer: dialer, Transport: transport,
		Metrics: stateMetrics, Logger: log.With("component", "state")})
	if err != nil {
		return nil, err
	}
	hook, err := trends.NewClaimHook(ps, agg)
	if err != nil {
		return nil, err
	}
	// The aggregator must not be abandoned mid-call (processor.Timeout):
	// its updates of the store are one step.
	pipe, err := processor.NewPipeline([]processor.Processor{agg}, processor.Tracing(tracer), processor.Timing(obs))
	if err != nil {
		return nil, err
	}
	private := prometheus.NewRegistry()
	cm, err := consumer.NewMetrics(private)
	if err != nil {
		return nil, err
	}
	em, err := engine.NewMetrics(private)
	if err != nil {
		return nil, err
	}
	st := &trendsStage{agg: agg, store: ps}
	var committer consumer.Committer
	var sink engine.Sink = prod
	if s.Guarantee == "exactly-once" {
		tid := s.TransactionalID
		if tid == "" {
			tid = s.Group + "." + s.Instance
		}
		tid += ".trends"
		txnLog := log.With("component", "transactions", "stage", "trends")
		st.eos = engine.NewExactlyOnce(func(ctx context.Context) (engine.Txn, error) {
			return producer.NewTxn(ctx, producer.TxnConfig{
				Brokers: s.Brokers, Transport: transport, TransactionalID: tid, TransactionTimeout: s.transactionTimeout(),
				BatchBytes: int64(s.MaxMessageBytes), Compression: s.Compression, Metrics: txnMetrics, Logger: txnLog,
			})
		})
		committer, sink = st.eos, st.eos
	}
	st.cons, err = consumer.New(consumer.Config{
		Brokers: s.Brokers, GroupID: s.TrendsGroup(), Topics: []string{s.Mentions()}, Dialer: dialer, Transport: transport,
		Isolation: consumer.ReadCommitted, CommitInterval: s.CommitInterval, DrainTimeout: drain,
		MaxInFlight: s.MaxInFlight, MaxInFlightBytes: int64(s.MaxInFlightMB) << 20, Committer: committer,
		Metrics: cm, Logger: log.With("component", "consumer", "stage", "trends"),
	})
	if err != nil {
		return nil, err
	}
	st.eng, err = engine.New(engine.Config{
		Inputs: []string{s.Mentions()}, Output: s.TrendsTopic, DLQ: s.DLQ,
		Workers: 1, BatchSize: s.BatchSize, MaxMessageBytes: int64(s.MaxMessageBytes),
		StallTimeout: s.StallTimeout, StuckTimeout: s.StuckTimeout,
		Instance: s.Instance, Version: version, Metrics: em, ClaimHooks: []engine.ClaimHook{hook}, Tracer: tracer,
		Logger: log.With("stage", "trends"),
	}, pipe, st.cons, sink)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// ready is the stage's readiness: its store restored, its engine ready.
func (st *trendsStage) ready() (bool, string) {
	if ok, why := st.store.Ready(); !ok {
		return false, why
	}
	if ok, why := st.eng.Ready(); !ok {
		return false, "trends stage: " + why
	}
	return true, "ok"
}

// trendViews adapts the aggregator's current windows to the status page.
func trendViews(top []trends.Trend) []status.TrendView {
	out := make([]status.TrendView, len(top))
	for i, t := range top {
		out[i] = status.TrendView{Name: t.Entity.Name, Type: t.Entity.Type,
			WindowStart: t.Window.Start, WindowEnd: t.Window.End, Count: t.Count,
			Baseline: t.Baseline, Score: t.Score, Trending: t.Trending,
			Final: t.Final, Articles: t.Articles}
	}
	return out
}
