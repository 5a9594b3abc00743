package producer

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the producer's Prometheus series (listed in the package
// doc). Create them once per registry with NewMetrics; several Producers
// may share them. Safe for concurrent use.
type Metrics struct {
	records     *prometheus.CounterVec
	bytes       *prometheus.CounterVec
	writeErrors *prometheus.CounterVec
	batchSize   *prometheus.HistogramVec
	writeTime   *prometheus.HistogramVec
	rejected    *prometheus.CounterVec
	operator    *prometheus.CounterVec
}

// NewMetrics creates the producer series and registers them with reg. A nil
// reg leaves them unregistered. It fails if reg already holds a series of
// the same name.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := newMetrics()
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.records, m.bytes, m.writeErrors, m.batchSize, m.writeTime, m.rejected, m.operator} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("producer: register metrics: %w", err)
		}
	}
	return m, nil
}

func newMetrics() *Metrics {
	const ns, sub = "newsflow", "producer"
	return &Metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "records_total",
			Help: "Records acknowledged by the broker, by topic."}, []string{"topic"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "bytes_total",
			Help: "Bytes of acknowledged record values, by topic."}, []string{"topic"}),
		writeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "write_errors_total",
			Help: "Failed write attempts, by topic (retried with backoff)."}, []string{"topic"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "batch_size_records",
			Help: "Records per write call.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}, []string{"topic"}),
		writeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "write_duration_seconds",
			Help: "Time from a write call to the broker's acknowledgement.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"topic"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "rejected_records_total",
			Help: "Records refused for good and returned to the caller to dead-letter, by topic and class (too_large, invalid_record)."}, []string{"topic", "class"}),
		operator: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "operator_errors_total",
			Help: "Failed write attempts an operator must fix (missing ACL, topic or credentials; a setting the broker refuses), by topic and class; retried with backoff."}, []string{"topic", "class"}),
	}
}
