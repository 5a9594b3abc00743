package consumer

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the consumer's Prometheus series (all prefixed
// newsflow_consumer_). Create them with NewMetrics; a Consumer without
// Metrics uses an unregistered set, so it never checks for nil.
type Metrics struct {
	Records        *prometheus.CounterVec // records_total{topic}
	Bytes          *prometheus.CounterVec // bytes_total{topic}
	Lag            *prometheus.GaugeVec   // lag_records{topic,partition}
	Committed      *prometheus.GaugeVec   // committed_offset{topic,partition}
	HighWatermark  *prometheus.GaugeVec   // high_watermark{topic,partition}
	Commits        *prometheus.CounterVec // commits_total{outcome}
	CommitDuration prometheus.Histogram   // commit_duration_seconds
	Rebalances     prometheus.Counter     // rebalances_total
	Assigned       prometheus.Gauge       // assigned_partitions
	Joined         prometheus.Gauge       // group_joined
	FetchErrors    prometheus.Counter     // fetch_errors_total
	Skipped        *prometheus.CounterVec // skipped_records_total{topic,partition}
	Aborted        *prometheus.CounterVec // aborted_records_total{topic}
	Control        *prometheus.CounterVec // control_records_total{topic}
	InFlight       prometheus.Gauge       // inflight_records
	InFlightBytes  prometheus.Gauge       // inflight_bytes
}

const ns, sub = "newsflow", "consumer"

func newMetrics() *Metrics {
	return &Metrics{
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "records_total",
			Help: "Data records fetched from the input topics and handed to the pipeline."}, []string{"topic"}),
		Bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "bytes_total",
			Help: "Bytes of record values fetched from the input topics."}, []string{"topic"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "lag_records",
			Help: "Consumer lag per partition: log end (high watermark, or last stable offset for read_committed) minus committed offset."}, []string{"topic", "partition"}),
		Committed: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "committed_offset",
			Help: "Last offset committed for the group, per partition."}, []string{"topic", "partition"}),
		HighWatermark: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "high_watermark",
			Help: "Log end of each assigned partition (high watermark, or last stable offset for read_committed)."}, []string{"topic", "partition"}),
		Commits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "commits_total",
			Help: "Offset commits by outcome (ok or error)."}, []string{"outcome"}),
		CommitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "commit_duration_seconds",
			Help: "Time to commit a batch of offsets.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		Rebalances: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "rebalances_total",
			Help: "Consumer group generations this instance joined."}),
		Assigned: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "assigned_partitions",
			Help: "Partitions currently assigned to this instance."}),
		Joined: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "group_joined",
			Help: "1 while this instance is in an active consumer-group generation, else 0."}),
		FetchErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "fetch_errors_total",
			Help: "Failed fetches from the input topics (retried with backoff)."}),
		Skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "skipped_records_total",
			Help: "Records never processed because retention or DeleteRecords removed them before they were consumed."}, []string{"topic", "partition"}),
		Aborted: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "aborted_records_total",
			Help: "Records of aborted transactions dropped by a read_committed consumer."}, []string{"topic"}),
		Control: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "control_records_total",
			Help: "Transaction markers (control records) passed over."}, []string{"topic"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "inflight_records",
			Help: "Records fetched and not yet finished, over every assigned partition."}),
		InFlightBytes: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "inflight_bytes",
			Help: "Bytes of records fetched and not yet finished, over every assigned partition."}),
	}
}

// NewMetrics creates the consumer series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := newMetrics()
	for _, c := range []prometheus.Collector{m.Records, m.Bytes, m.Lag, m.Committed, m.HighWatermark, m.Commits,
		m.CommitDuration, m.Rebalances, m.Assigned, m.Joined, m.FetchErrors, m.Skipped, m.Aborted, m.Control,
		m.InFlight, m.InFlightBytes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, o := range []string{"ok", "error"} {
		m.Commits.WithLabelValues(o)
	}
	return m, nil
}

func partLabel(p int) string { return strconv.Itoa(p) }
