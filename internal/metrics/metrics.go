// Package metrics assembles every Prometheus series newsflow exports on a
// registry the caller injects (never the global one): each component
// defines and owns its series (consumer.Metrics, producer.Metrics,
// engine.Metrics); this package registers them together with the
// instance-wide ones (ready, build_info, the Go runtime and process
// collectors) and bridges kafka-go's Writer statistics.
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
//	consumer_group_joined                          gauge     1 while in an active group generation
//	consumer_skipped_records_total{topic,partition} counter  records lost to retention before they were consumed
//	consumer_aborted_records_total{topic}          counter   records of aborted transactions dropped (read_committed)
//	consumer_control_records_total{topic}          counter   transaction markers passed over
//	consumer_inflight_records                      gauge     records fetched and not finished (instance budget)
//	consumer_inflight_bytes                        gauge     bytes fetched and not finished (instance budget)
//	pipeline_records_total{outcome}                counter   finished records, outcome=enriched|dead_lettered|filtered
//	pipeline_stage_duration_seconds{stage}         histogram time spent in each stage
//	pipeline_stage_errors_total{stage,reason}      counter   stage failures by error class
//	pipeline_inflight_records                      gauge     records fetched and not yet finished
//	pipeline_end_to_end_latency_seconds            histogram input record timestamp to output acknowledged
//	pipeline_stuck_partitions                      gauge     partitions whose outputs are unwritable past the stuck timeout
//	pipeline_write_failures_total                  counter   ordered writes that failed for good (partition consumed again)
//	pipeline_truncated_records_total{kind}         counter   records cut to fit the output size limit
//	pipeline_side_outputs_total{topic}             counter   side-output records acknowledged
//	producer_records_total{topic}                  counter   records acknowledged by the broker
//	producer_bytes_total{topic}                    counter   bytes of acknowledged record values
//	producer_write_errors_total{topic}             counter   failed write attempts (retried)
//	producer_batch_size_records{topic}             histogram records per write call
//	producer_write_duration_seconds{topic}         histogram time from write to acknowledgement
//	producer_rejected_records_total{topic,class}   counter   records refused for good, returned to be dead-lettered
//	producer_operator_errors_total{topic,class}    counter   write attempts failing for a cause an operator must fix (retried)
//	producer_txn_transactions_total{outcome}        counter   exactly-once transactions ended, outcome=commit|abort|empty
//	producer_txn_transaction_duration_seconds{outcome} histogram Begin to the end of Commit or Abort
//	producer_txn_fenced_total{by}                  counter   transactional producer fenced, by=producer|group
//	producer_txn_epoch_bumps_total                 counter   producer epochs taken (InitProducerID)
//	producer_txn_records_total{topic}              counter   records acknowledged inside a transaction
//	producer_txn_bytes_total{topic}                counter   bytes of those records' values
//	producer_txn_rejected_records_total{topic,class} counter records refused for good inside a transaction
//	producer_txn_retries_total{op}                 counter   transaction calls retried, by operation
//	state_restoring{store}                         gauge     1 while the store is restored from its changelog (not ready)
//	state_restore_records_total{store}             counter   changelog records read by restores
//	state_restore_remaining_records{store}         gauge     changelog records left to read by the restore in progress
//	state_restore_seconds{store}                   gauge     duration of the last completed restore
//	state_changelog_updates_total{store}           counter   changelog records applied after the restore (from any instance)
//	state_changelog_invalid_total{store}           counter   changelog records that could not be applied (passed over)
//	state_entries{store}                           gauge     entries in the store's in-memory table
//	state_bytes{store}                             gauge     estimated memory of the store's in-memory table
//	dedup_articles_total{result}                   counter   articles by near-duplicate result: first|near|exact|too_short|replay|dropped
//	dedup_expired_total                            counter   fingerprints past the horizon deleted with a tombstone
//	trends_mentions_total                          counter   mention records emitted (one per distinct entity of an article)
//	trends_late_mentions_total                     counter   mentions not applied: every window they fall in had closed
//	trends_replayed_mentions_total                 counter   mentions already counted (replays), not counted again
//	trends_updates_total                           counter   non-final trend records emitted
//	trends_finals_total                            counter   final trend records emitted (windows closed by the watermark)
//	trends_open_windows                            gauge     windows open in the partitions this instance owns
//	trends_memberships                             gauge     articles counted in those windows (one per article, entity and window; about 100 bytes each)
//	trends_watermark_timestamp_seconds             gauge     the aggregation stage's watermark (event time)
//	trends_state_invalid_total                     counter   stored trend entries that could not be read (passed over)
//	trends_lag_records                             gauge     consumer lag of the aggregation stage on the mentions topic
//	dlq_records_total{reason}                      counter   records dead-lettered, by error class
//	content_articles_total{language}               counter   enriched articles by language code
//	content_entities_total{type}                   counter   entities found, by type
//	content_quotes_total                           counter   direct quotes found
//	ready                                          gauge     1 when /readyz would answer 200
//	build_info{version,goversion}                  gauge     always 1
//
// plus the kafka-go Writer statistics bridged by the collector in this
// package (newsflow_kafka_writer_*), and the Go runtime and process
// collectors.
package metrics

import (
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/processor/dedup"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/state"
)

// Metrics holds every component's series. Its fields are safe for
// concurrent use.
type Metrics struct {
	Consumer *consumer.Metrics
	Producer *producer.Metrics
	Txn      *producer.TxnMetrics
	Engine   *engine.Metrics
	State    *state.Metrics
	Dedup    *dedup.Metrics
	Trends   *trends.Metrics
	// TrendsLag is the aggregation stage's lag (set by the instance).
	TrendsLag prometheus.Gauge
	Ready     prometheus.Gauge
}

const ns = "newsflow"

// New creates every series and registers them, with the Go runtime,
// process and build-info collectors, on reg. It fails if any name is
// already taken.
func New(reg prometheus.Registerer, version string) (*Metrics, error) {
	m := &Metrics{
		Ready: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "ready",
			Help: "1 when the instance is ready (joined the group, brokers reachable, not stalled), else 0."}),
	}
	var err error
	if m.Consumer, err = consumer.NewMetrics(reg); err != nil {
		return nil, err
	}
	if m.Producer, err = producer.NewMetrics(reg); err != nil {
		return nil, err
	}
	if m.Txn, err = producer.NewTxnMetrics(reg); err != nil {
		return nil, err
	}
	if m.Engine, err = engine.NewMetrics(reg); err != nil {
		return nil, err
	}
	m.State, m.Dedup, m.Trends = state.NewMetrics(), dedup.NewMetrics(), trends.NewMetrics()
	m.TrendsLag = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: "trends", Name: "lag_records",
		Help: "Consumer lag of the trends aggregation stage on the mentions topic (group GROUP.trends)."})
	cs := append(m.State.Collectors(), m.Dedup.Collectors()...)
	cs = append(cs, m.Trends.Collectors()...)
	for _, c := range append(cs, m.TrendsLag) {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "build_info",
		Help:        "Build information; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()}})
	build.Set(1)
	for _, c := range []prometheus.Collector{m.Ready, build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: ns}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Pipeline outcomes (see engine).
const (
	OutcomeEnriched     = engine.OutcomeEnriched
	OutcomeDeadLettered = engine.OutcomeDeadLettered
	OutcomeFiltered     = engine.OutcomeFiltered
)

// PartitionLabel formats a partition number as a label value.
func PartitionLabel(p int) string { return strconv.Itoa(p) }
