package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// KafkaCollector bridges kafka-go's own Writer and Reader statistics into
// Prometheus. kafka-go's Stats methods return counts since their previous
// call, so the collector keeps running totals; Collect is safe for
// concurrent use.
//
// Series: newsflow_kafka_writer_{writes,messages,bytes,errors,retries}_total,
// newsflow_kafka_writer_batch_size_avg_records (average records per batch
// over the last scrape interval), and
// newsflow_kafka_reader_{dials,fetches,messages,bytes,timeouts,errors}_total.
type KafkaCollector struct {
	writer func() kafka.WriterStats
	reader func() kafka.ReaderStats

	mu       sync.Mutex
	w        kafka.WriterStats // running totals
	r        kafka.ReaderStats // running totals
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
	{"newsflow_kafka_reader_dials_total", "kafka-go Readers: connections opened."},
	{"newsflow_kafka_reader_fetches_total", "kafka-go Readers: fetch requests."},
	{"newsflow_kafka_reader_messages_total", "kafka-go Readers: messages read."},
	{"newsflow_kafka_reader_bytes_total", "kafka-go Readers: bytes read."},
	{"newsflow_kafka_reader_timeouts_total", "kafka-go Readers: fetch timeouts."},
	{"newsflow_kafka_reader_errors_total", "kafka-go Readers: errors."},
}

// NewKafkaCollector returns a collector over the given stats functions
// (each returning counts since its previous call); either may be nil.
func NewKafkaCollector(writer func() kafka.WriterStats, reader func() kafka.ReaderStats) *KafkaCollector {
	c := &KafkaCollector{writer: writer, reader: reader, descs: map[string]*prometheus.Desc{}}
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
	if c.reader != nil {
		s := c.reader()
		c.r.Dials += s.Dials
		c.r.Fetches += s.Fetches
		c.r.Messages += s.Messages
		c.r.Bytes += s.Bytes
		c.r.Timeouts += s.Timeouts
		c.r.Errors += s.Errors
	}
	vals := map[string]float64{
		"newsflow_kafka_writer_writes_total":           float64(c.w.Writes),
		"newsflow_kafka_writer_messages_total":         float64(c.w.Messages),
		"newsflow_kafka_writer_bytes_total":            float64(c.w.Bytes),
		"newsflow_kafka_writer_errors_total":           float64(c.w.Errors),
		"newsflow_kafka_writer_retries_total":          float64(c.w.Retries),
		"newsflow_kafka_writer_batch_size_avg_records": c.avgBatch,
		"newsflow_kafka_reader_dials_total":            float64(c.r.Dials),
		"newsflow_kafka_reader_fetches_total":          float64(c.r.Fetches),
		"newsflow_kafka_reader_messages_total":         float64(c.r.Messages),
		"newsflow_kafka_reader_bytes_total":            float64(c.r.Bytes),
		"newsflow_kafka_reader_timeouts_total":         float64(c.r.Timeouts),
		"newsflow_kafka_reader_errors_total":           float64(c.r.Errors),
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
