// Package metrics defines every Prometheus series newsflow exports, on a
// registry the caller injects (never the global one).
//
// Series (all prefixed newsflow_):
//
//	consumer_records_total{topic}                  counter   records fetched from the input topic
//	consumer_bytes_total{topic}                    counter   bytes of record values fetched
//	consumer_lag_records{topic,partition}          gauge     high watermark - committed offset
//	consumer_committed_offset{topic,partition}     gauge     last committed offset
//	consumer_high_watermark{topic,partition}       gauge     partition high watermark
//	consumer_commits_total{outcome}                counter   offset commits, outcome=ok|error
//	consumer_commit_duration_seconds               histogram time to commit a batch of offsets
//	consumer_rebalances_total                      counter   group generations joined
//	consumer_assigned_partitions                   gauge     partitions assigned to this instance
//	consumer_fetch_errors_total                    counter   failed fetches (retried)
//	pipeline_records_total{outcome}                counter   finished records, outcome=enriched|dead_lettered|filtered
//	pipeline_stage_duration_seconds{stage}         histogram time spent in each stage
//	pipeline_stage_errors_total{stage,reason}      counter   stage failures by error class
//	pipeline_inflight_records                      gauge     records fetched and not yet finished
//	pipeline_end_to_end_latency_seconds            histogram input record timestamp to output acknowledged
//	producer_records_total{topic}                  counter   records acknowledged by the broker
//	producer_bytes_total{topic}                    counter   bytes of acknowledged record values
//	producer_write_errors_total{topic}             counter   failed write attempts (retried)
//	producer_batch_size_records{topic}             histogram records per write call
//	producer_write_duration_seconds{topic}         histogram time from write to acknowledgement
//	dlq_records_total{reason}                      counter   records dead-lettered, by error class
//	content_articles_total{language}               counter   enriched articles by language code
//	content_entities_total{type}                   counter   entities found, by type
//	content_quotes_total                           counter   direct quotes found
//	ready                                          gauge     1 when /readyz would answer 200
//	build_info{version,goversion}                  gauge     always 1
//
// plus the kafka-go Writer and Reader statistics bridged by the collectors in
// this package (newsflow_kafka_writer_*, newsflow_kafka_reader_*), and the Go
// runtime and process collectors.
package metrics

import (
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every series. Its methods are safe for concurrent use.
type Metrics struct {
	ConsumerRecords        *prometheus.CounterVec
	ConsumerBytes          *prometheus.CounterVec
	ConsumerLag            *prometheus.GaugeVec
	ConsumerCommitted      *prometheus.GaugeVec
	ConsumerHighWatermark  *prometheus.GaugeVec
	ConsumerCommits        *prometheus.CounterVec
	ConsumerCommitDuration prometheus.Histogram
	ConsumerRebalances     prometheus.Counter
	ConsumerAssigned       prometheus.Gauge
	ConsumerFetchErrors    prometheus.Counter

	PipelineRecords     *prometheus.CounterVec
	StageDuration       *prometheus.HistogramVec
	StageErrors         *prometheus.CounterVec
	InFlight            prometheus.Gauge
	EndToEndLatency     prometheus.Histogram
	ProducerRecords     *prometheus.CounterVec
	ProducerBytes       *prometheus.CounterVec
	ProducerWriteErrors *prometheus.CounterVec
	ProducerBatchSize   *prometheus.HistogramVec
	ProducerWriteTime   *prometheus.HistogramVec
	DLQRecords          *prometheus.CounterVec

	ContentArticles *prometheus.CounterVec
	ContentEntities *prometheus.CounterVec
	ContentQuotes   prometheus.Counter

	Ready prometheus.Gauge
}

const ns = "newsflow"

// New creates the series and registers them, with the Go runtime, process
// and build-info collectors, on reg. It fails if any name is already taken.
func New(reg prometheus.Registerer, version string) (*Metrics, error) {
	m := &Metrics{
		ConsumerRecords: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "consumer", Name: "records_total",
			Help: "Records fetched from the input topic."}, []string{"topic"}),
		ConsumerBytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "consumer", Name: "bytes_total",
			Help: "Bytes of record values fetched from the input topic."}, []string{"topic"}),
		ConsumerLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "consumer", Name: "lag_records",
			Help: "Consumer lag per partition: high watermark minus committed offset."}, []string{"topic", "partition"}),
		ConsumerCommitted: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "consumer", Name: "committed_offset",
			Help: "Last offset committed for the group, per partition."}, []string{"topic", "partition"}),
		ConsumerHighWatermark: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: "consumer", Name: "high_watermark",
			Help: "High watermark of each assigned partition."}, []string{"topic", "partition"}),
		ConsumerCommits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "consumer", Name: "commits_total",
			Help: "Offset commits by outcome (ok or error)."}, []string{"outcome"}),
		ConsumerCommitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: "consumer", Name: "commit_duration_seconds",
			Help: "Time to commit a batch of offsets.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		ConsumerRebalances: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "consumer", Name: "rebalances_total",
			Help: "Consumer group generations this instance joined."}),
		ConsumerAssigned: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "consumer", Name: "assigned_partitions",
			Help: "Partitions currently assigned to this instance."}),
		ConsumerFetchErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "consumer", Name: "fetch_errors_total",
			Help: "Failed fetches from the input topic (retried with backoff)."}),

		PipelineRecords: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "records_total",
			Help: "Records finished, by outcome (enriched, dead_lettered, filtered)."}, []string{"outcome"}),
		StageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "pipeline", Name: "stage_duration_seconds",
			Help: "Time spent in each processor stage per article.", Buckets: prometheus.ExponentialBuckets(0.000005, 2.5, 14)}, []string{"stage"}),
		StageErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "pipeline", Name: "stage_errors_total",
			Help: "Processor stage failures by stage and error class."}, []string{"stage", "reason"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "pipeline", Name: "inflight_records",
			Help: "Records fetched and not yet finished (processed and acknowledged)."}),
		EndToEndLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: "pipeline", Name: "end_to_end_latency_seconds",
			Help: "Time from the input record's timestamp to its output being acknowledged.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18)}),

		ProducerRecords: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "producer", Name: "records_total",
			Help: "Records acknowledged by the broker, by topic."}, []string{"topic"}),
		ProducerBytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "producer", Name: "bytes_total",
			Help: "Bytes of acknowledged record values, by topic."}, []string{"topic"}),
		ProducerWriteErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "producer", Name: "write_errors_total",
			Help: "Failed write attempts, by topic (retried with backoff)."}, []string{"topic"}),
		ProducerBatchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "producer", Name: "batch_size_records",
			Help: "Records per write call.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}, []string{"topic"}),
		ProducerWriteTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: "producer", Name: "write_duration_seconds",
			Help: "Time from a write call to the broker's acknowledgement.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"topic"}),
		DLQRecords: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "dlq", Name: "records_total",
			Help: "Records dead-lettered, by error class."}, []string{"reason"}),

		ContentArticles: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "content", Name: "articles_total",
			Help: "Enriched articles by detected language code."}, []string{"language"}),
		ContentEntities: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "content", Name: "entities_total",
			Help: "Entities found in enriched articles, by type."}, []string{"type"}),
		ContentQuotes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: "content", Name: "quotes_total",
			Help: "Direct quotes found in enriched articles."}),

		Ready: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "ready",
			Help: "1 when the instance is ready (joined the group, brokers reachable, not stalled), else 0."}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "build_info",
		Help:        "Build information; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()}})
	build.Set(1)
	cs := []prometheus.Collector{
		m.ConsumerRecords, m.ConsumerBytes, m.ConsumerLag, m.ConsumerCommitted, m.ConsumerHighWatermark,
		m.ConsumerCommits, m.ConsumerCommitDuration, m.ConsumerRebalances, m.ConsumerAssigned, m.ConsumerFetchErrors,
		m.PipelineRecords, m.StageDuration, m.StageErrors, m.InFlight, m.EndToEndLatency,
		m.ProducerRecords, m.ProducerBytes, m.ProducerWriteErrors, m.ProducerBatchSize, m.ProducerWriteTime,
		m.DLQRecords, m.ContentArticles, m.ContentEntities, m.ContentQuotes, m.Ready, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: ns}),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// Initialise the bounded label sets so dashboards see zeros, not gaps.
	for _, o := range []string{"ok", "error"} {
		m.ConsumerCommits.WithLabelValues(o)
	}
	for _, o := range []string{OutcomeEnriched, OutcomeDeadLettered, OutcomeFiltered} {
		m.PipelineRecords.WithLabelValues(o)
	}
	return m, nil
}

// Pipeline outcomes.
const (
	OutcomeEnriched     = "enriched"
	OutcomeDeadLettered = "dead_lettered"
	OutcomeFiltered     = "filtered"
)

// ObserveStage implements processor.Observer.
func (m *Metrics) ObserveStage(stage string, d time.Duration, err error) {
	m.StageDuration.WithLabelValues(stage).Observe(d.Seconds())
	_ = err // classified where the record is dead-lettered (StageErrors)
}

// PartitionLabel formats a partition number as a label value.
func PartitionLabel(p int) string { return strconv.Itoa(p) }
