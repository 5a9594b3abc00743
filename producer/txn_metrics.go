package producer

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// TxnMetrics are the transactional producer's Prometheus series, all with
// the newsflow_producer_txn_ prefix:
//
//	transactions_total{outcome}             counter   transactions ended: commit, abort, empty (a commit with nothing in it)
//	transaction_duration_seconds{outcome}   histogram time from Begin to the end of Commit or Abort
//	fenced_total{by}                        counter   times the producer was fenced: by "producer" (a newer instance with the same transactional id) or "group" (a newer group generation)
//	epoch_bumps_total                       counter   producer id (re)initialisations: NewTxn, and the recovery of an Abort after an uncertain write
//	records_total{topic}                    counter   records acknowledged inside a transaction (committed or not)
//	bytes_total{topic}                      counter   bytes of those records' values
//	rejected_records_total{topic,class}     counter   records refused for good (too_large, invalid_record)
//	retries_total{op}                       counter   retried broker calls, by operation (init, add_partitions, produce, add_offsets, offset_commit, end_txn)
//
// Create them once per registry with NewTxnMetrics; several TxnProducers
// (one after another, after fencing) may share them. Safe for concurrent
// use.
type TxnMetrics struct {
	txns     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	fenced   *prometheus.CounterVec
	bumps    prometheus.Counter
	records  *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	rejected *prometheus.CounterVec
	retries  *prometheus.CounterVec
}

// NewTxnMetrics creates the transactional producer series and registers
// them with reg. A nil reg leaves them unregistered. It fails if reg
// already holds a series of the same name.
func NewTxnMetrics(reg prometheus.Registerer) (*TxnMetrics, error) {
	m := newTxnMetrics()
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.txns, m.duration, m.fenced, m.bumps, m.records, m.bytes, m.rejected, m.retries} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("producer: register transaction metrics: %w", err)
		}
	}
	return m, nil
}

func newTxnMetrics() *TxnMetrics {
	const ns, sub = "newsflow", "producer_txn"
	return &TxnMetrics{
		txns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "transactions_total",
			Help: "Transactions ended, by outcome (commit, abort, empty: a commit with nothing written and no offsets)."}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "transaction_duration_seconds",
			Help: "Time from Begin to the end of Commit or Abort, by outcome.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"outcome"}),
		fenced: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "fenced_total",
			Help: "Times the transactional producer was fenced, by what fenced it (producer: a newer instance with the same transactional id; group: a newer consumer group generation)."}, []string{"by"}),
		bumps: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "epoch_bumps_total",
			Help: "Producer id initialisations, each bumping the epoch: at start, and to recover from an uncertain write on Abort."}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "records_total",
			Help: "Records acknowledged by the broker inside a transaction (committed or not), by topic."}, []string{"topic"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "bytes_total",
			Help: "Bytes of the values of records acknowledged inside a transaction, by topic."}, []string{"topic"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "rejected_records_total",
			Help: "Records refused for good and returned to the caller to dead-letter, by topic and class (too_large, invalid_record)."}, []string{"topic", "class"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "retries_total",
			Help: "Broker calls retried after a retriable error, by operation (init, add_partitions, produce, add_offsets, offset_commit, end_txn)."}, []string{"op"}),
	}
}
