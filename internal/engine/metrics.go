package engine

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus series (prefixed newsflow_). Create
// them with NewMetrics; an Engine without Metrics uses an unregistered set.
type Metrics struct {
	Records         *prometheus.CounterVec   // pipeline_records_total{outcome}
	StageDuration   *prometheus.HistogramVec // pipeline_stage_duration_seconds{stage}
	StageErrors     *prometheus.CounterVec   // pipeline_stage_errors_total{stage,reason}
	InFlight        prometheus.Gauge         // pipeline_inflight_records
	EndToEndLatency prometheus.Histogram     // pipeline_end_to_end_latency_seconds
	StuckPartitions prometheus.Gauge         // pipeline_stuck_partitions
	WriteFailures   prometheus.Counter       // pipeline_write_failures_total
	Truncated       *prometheus.CounterVec   // pipeline_truncated_records_total{kind}
	SideOutputs     *prometheus.CounterVec   // pipeline_side_outputs_total{topic}
	DLQRecords      *prometheus.CounterVec   // dlq_records_total{reason}
	Articles        *prometheus.CounterVec   // content_articles_total{language}
	Entities        *prometheus.CounterVec   // content_entities_total{type}
	Quotes          prometheus.Counter       // content_quotes_total
}

// Pipeline outcomes (the outcome label of newsflow_pipeline_records_total).
const (
	OutcomeEnriched     = "enriched"
	OutcomeDeadLettered = "dead_lettered"
	OutcomeFiltered     = "filtered"
)

const ns = "newsflow"

func newMetrics() *Metrics {
	return &Metrics{
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "records_total",
			Help: "Records finished, by outcome (enriched, dead_lettered, filtered)."}, []string{"outcome"}),
		StageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "pipeline", Name: "stage_duration_seconds",
			Help: "Time spent in each processor stage per article.", Buckets: prometheus.ExponentialBuckets(0.000005, 2.5, 14)}, []string{"stage"}),
		StageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "stage_errors_total",
			Help: "Processor stage failures by stage and error class."}, []string{"stage", "reason"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "pipeline", Name: "inflight_records",
			Help: "Records fetched and not yet finished (processed and acknowledged)."}),
		EndToEndLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: "pipeline", Name: "end_to_end_latency_seconds",
			Help: "Time from the input record's timestamp to its output being acknowledged.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18)}),
		StuckPartitions: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "pipeline", Name: "stuck_partitions",
			Help: "Partitions whose outputs have been unwritable (retrying) for longer than the stuck timeout."}),
		WriteFailures: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "write_failures_total",
			Help: "Ordered writes that failed for good; the partition is consumed again from its committed offset."}),
		Truncated: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "truncated_records_total",
			Help: "Records cut to fit the output size limit, by kind (enriched or dead_letter)."}, []string{"kind"}),
		SideOutputs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "side_outputs_total",
			Help: "Side-output records (state changelogs, repartition topics) acknowledged, by topic."}, []string{"topic"}),
		DLQRecords: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "dlq", Name: "records_total",
			Help: "Records dead-lettered, by error class."}, []string{"reason"}),
		Articles: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "content", Name: "articles_total",
			Help: "Enriched articles by detected language code."}, []string{"language"}),
		Entities: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "content", Name: "entities_total",
			Help: "Entities found in enriched articles, by type."}, []string{"type"}),
		Quotes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "content", Name: "quotes_total",
			Help: "Direct quotes found in enriched articles."}),
	}
}

// NewMetrics creates the engine series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := newMetrics()
	for _, c := range []prometheus.Collector{m.Records, m.StageDuration, m.StageErrors, m.InFlight, m.EndToEndLatency,
		m.StuckPartitions, m.WriteFailures, m.Truncated, m.SideOutputs, m.DLQRecords, m.Articles, m.Entities, m.Quotes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Initialise the bounded label sets so dashboards see zeros, not gaps.
	for _, o := range []string{OutcomeEnriched, OutcomeDeadLettered, OutcomeFiltered} {
		m.Records.WithLabelValues(o)
	}
	for _, k := range []string{"enriched", "dead_letter"} {
		m.Truncated.WithLabelValues(k)
	}
	return m, nil
}

// ObserveStage implements processor.Observer: the per-stage durations.
func (m *Metrics) ObserveStage(stage string, d time.Duration, _ error) {
	m.StageDuration.WithLabelValues(stage).Observe(d.Seconds())
}
