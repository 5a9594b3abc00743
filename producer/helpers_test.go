package producer_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// wait bounds every wait for something asynchronous in these tests.
const wait = 30 * time.Second

// env is one test's embedded broker, producer, registry and log.
type env struct {
	t       *testing.T
	cluster *kfake.Cluster
	brokers []string
	reg     *prometheus.Registry
	log     *syncBuffer
	p       *producer.Producer
}

// start starts an embedded broker with topics (3 partitions each) and a
// producer on it, with short backoffs; adjust tweaks the producer config.
func start(t *testing.T, topics []string, adjust func(*producer.Config)) *env {
	t.Helper()
	b, err := broker.Start(broker.Options{Topics: topics, Partitions: 3})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(b.Close)
	e := &env{t: t, cluster: b.Cluster(), brokers: b.Addrs(), reg: prometheus.NewRegistry(), log: &syncBuffer{}}
	m, err := producer.NewMetrics(e.reg)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	cfg := producer.Config{
		Brokers:         e.brokers,
		RetryBackoffMin: time.Millisecond,
		RetryBackoffMax: 20 * time.Millisecond,
		Metrics:         m,
		Logger:          slog.New(slog.NewTextHandler(e.log, nil)),
		// Each test has its own broker: a private transport keeps
		// kafka-go's connection pools from outliving it.
		Transport: &kafka.Transport{MetadataTTL: 100 * time.Millisecond},
	}
	if adjust != nil {
		adjust(&cfg)
	}
	e.p, err = producer.New(cfg)
	if err != nil {
		t.Fatalf("new producer: %v", err)
	}
	t.Cleanup(func() { _ = e.p.Close(); cfg.Transport.CloseIdleConnections() })
	return e
}

// records makes n records for topic with key key (or key-i when key is
// "") and value value-i, each with one header.
func records(topic, key string, n int) []record.Record {
	out := make([]record.Record, n)
	for i := range out {
		k := key
		if k == "" {
			k = fmt.Sprintf("key-%d", i)
		}
		out[i] = record.Record{Topic: topic, Key: []byte(k), Value: fmt.Appendf(nil, "value-%d", i),
			Headers: []record.Header{{Key: "n", Value: fmt.Appendf(nil, "%d", i)}}}
	}
	return out
}

// read reads topic until it holds n records (bounded by wait), in
// partition and offset order.
func (e *env) read(topic string, n int) []kafka.Message {
	e.t.Helper()
	msgs := testkafka.ReadUntil(e.t, e.brokers, topic, wait, func(m []kafka.Message) bool { return len(m) >= n })
	if len(msgs) != n {
		e.t.Fatalf("read %d records from %s, want %d", len(msgs), topic, n)
	}
	return msgs
}

// values returns the values of msgs as strings.
func values(msgs []kafka.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Value)
	}
	return out
}

// metric returns the value of the counter name with the given label
// values (in label-name order), 0 if absent.
func (e *env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if labelsMatch(m, labels) {
				if c := m.GetCounter(); c != nil {
					return c.GetValue()
				}
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func labelsMatch(m *dto.Metric, want []string) bool {
	if len(m.GetLabel()) != len(want) {
		return false
	}
	for i, l := range m.GetLabel() {
		if l.GetValue() != want[i] {
			return false
		}
	}
	return true
}

// eventually polls cond until it holds, failing the test after wait.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", wait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// writeAsync runs Write in a goroutine owned by the test and returns its
// result channel.
func writeAsync(ctx context.Context, p *producer.Producer, recs []record.Record) <-chan error {
	done := make(chan error, 1)
	go func() { done <- p.Write(ctx, recs) }()
	return done
}

// result waits (bounded) for an asynchronous Write to return.
func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		t.Fatalf("Write did not return within %v", wait)
		return nil
	}
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the log lines containing every one of subs.
func (b *syncBuffer) lines(subs ...string) []string {
	var out []string
	for l := range strings.Lines(b.String()) {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}
