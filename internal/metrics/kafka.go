package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// KafkaCollector bridges kafka-go's own Writer statistics into
// Prometheus. kafka-go's Stats methods return counts since their previous
// call, so the collector keeps running totals; Collect is safe for
// concurrent use.
//
// Series: newsflow_kafka_writer_{writes,messages,bytes,errors,retries}_total,
// newsflow_kafka_writer_batch_size_avg_records (average records per batch
// over the last scrape interval). The consumer fetches through kafka-go's
// protocol layer, not its Reader, and exports its own series.
type KafkaCollector struct {
	writer func() kafka.WriterStats

	mu       sync.Mutex
	w        kafka.WriterStats // running totals
	avgBatch float64

	descs map[string]*prometheus.Desc
}

var kafkaSeries = []struct{ name, help string }{
	{"newsflow_kafka_writer_writes_total", "kafka-go Writer: produce requests sent."},
	{"newsflow_kafka_writer_messages_total", "kafka-go Writer: messages written."},
	{"newsflow_kafka_writer_bytes_total", "kafka-go Writer: bytes written."},
	{"newsflow_kafka_writer_errors_total", "kafka-go Writer: errors."},
	{"newsflow_kafka_writer_retries_total", "kafka-go Writer: retried writes."},
	{"newsflow_kafka_writer_batch_size_avg_records", "kafka-go Writer: average records per batch since the previous scrape."},
}

// NewKafkaCollector returns a collector over writer, which returns counts
// since its previous call; it may be nil.
func NewKafkaCollector(writer func() kafka.WriterStats) *KafkaCollector {
	c := &KafkaCollector{writer: writer, descs: map[string]*prometheus.Desc{}}
	for _, s := range kafkaSeries {
		c.descs[s.name] = prometheus.NewDesc(s.name, s.help, nil, nil)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *KafkaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *KafkaCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if c.writer != nil {
		s := c.writer()
		c.w.Writes += s.Writes
		c.w.Messages += s.Messages
		c.w.Bytes += s.Bytes
		c.w.Errors += s.Errors
		c.w.Retries += s.Retries
		c.avgBatch = float64(s.BatchSize.Avg)
	}
	vals := map[string]float64{
		"newsflow_kafka_writer_writes_total":           float64(c.w.Writes),
		"newsflow_kafka_writer_messages_total":         float64(c.w.Messages),
		"newsflow_kafka_writer_bytes_total":            float64(c.w.Bytes),
		"newsflow_kafka_writer_errors_total":           float64(c.w.Errors),
		"newsflow_kafka_writer_retries_total":          float64(c.w.Retries),
		"newsflow_kafka_writer_batch_size_avg_records": c.avgBatch,
	}
	c.mu.Unlock()
	for _, s := range kafkaSeries {
		t := prometheus.CounterValue
		if s.name == "newsflow_kafka_writer_batch_size_avg_records" {
			t = prometheus.GaugeValue
		}
		ch <- prometheus.MustNewConstMetric(c.descs[s.name], t, vals[s.name])
	}
}
