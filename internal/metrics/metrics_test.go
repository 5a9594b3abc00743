package metrics_test

import (
	"errors"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/metrics"
)

// exercise touches every vector once so Gather shows every series.
func exercise(m *metrics.Metrics) {
	m.ConsumerRecords.WithLabelValues("in").Inc()
	m.ConsumerBytes.WithLabelValues("in").Add(10)
	m.ConsumerLag.WithLabelValues("in", "0").Set(1)
	m.ConsumerCommitted.WithLabelValues("in", "0").Set(1)
	m.ConsumerHighWatermark.WithLabelValues("in", "0").Set(2)
	m.ConsumerCommitDuration.Observe(0.001)
	m.ConsumerRebalances.Inc()
	m.ConsumerAssigned.Set(1)
	m.ConsumerFetchErrors.Inc()
	m.ObserveStage("decode", time.Millisecond, nil)
	m.StageErrors.WithLabelValues("decode", "invalid_json").Inc()
	m.InFlight.Set(1)
	m.EndToEndLatency.Observe(0.01)
	m.ProducerRecords.WithLabelValues("out").Inc()
	m.ProducerBytes.WithLabelValues("out").Inc()
	m.ProducerWriteErrors.WithLabelValues("out").Inc()
	m.ProducerBatchSize.WithLabelValues("out").Observe(10)
	m.ProducerWriteTime.WithLabelValues("out").Observe(0.002)
	m.DLQRecords.WithLabelValues("invalid_json").Inc()
	m.ContentArticles.WithLabelValues("en").Inc()
	m.ContentEntities.WithLabelValues("PERSON").Inc()
	m.ContentQuotes.Inc()
	m.Ready.Set(1)
}

func TestMetricsLintClean(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	exercise(m)
	reg.MustRegister(metrics.NewKafkaCollector(nil, nil))
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		// The process and Go collectors are upstream's; lint ours.
		if strings.HasPrefix(p.Metric, "go_") || strings.HasPrefix(p.Metric, "newsflow_process_") {
			continue
		}
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

func TestRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, "a"); err != nil {
		t.Fatal(err)
	}
	_, err := metrics.New(reg, "b")
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Fatalf("second registration: %v", err)
	}
}

// Every newsflow_ series we export is in the README's metrics table, and
// every row of the table is exported.
func TestREADMEListsEveryMetric(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("README: %v", err)
	}
	row := regexp.MustCompile("(?m)^\\| `(newsflow_[a-z_]+)` \\|")
	documented := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		documented[m[1]] = true
	}
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	exercise(m)
	reg.MustRegister(metrics.NewKafkaCollector(
		func() kafka.WriterStats { return kafka.WriterStats{Writes: 1} },
		func() kafka.ReaderStats { return kafka.ReaderStats{Fetches: 1} }))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, mf := range mfs {
		name := mf.GetName()
		if strings.HasPrefix(name, "newsflow_process_") || !strings.HasPrefix(name, "newsflow_") {
			continue
		}
		exported[name] = true
		if !documented[name] {
			t.Errorf("%s is exported but not in the README's metrics table", name)
		}
	}
	var missing []string
	for name := range documented {
		if !exported[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("%s is in the README but not exported", name)
	}
}
