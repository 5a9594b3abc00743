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
	m.Consumer.Records.WithLabelValues("in").Inc()
	m.Consumer.Bytes.WithLabelValues("in").Add(10)
	m.Consumer.Lag.WithLabelValues("in", "0").Set(1)
	m.Consumer.Committed.WithLabelValues("in", "0").Set(1)
	m.Consumer.HighWatermark.WithLabelValues("in", "0").Set(2)
	m.Consumer.CommitDuration.Observe(0.001)
	m.Consumer.Rebalances.Inc()
	m.Consumer.Assigned.Set(1)
	m.Consumer.FetchErrors.Inc()
	m.Engine.ObserveStage("decode", time.Millisecond, nil)
	m.Engine.StageErrors.WithLabelValues("decode", "invalid_json").Inc()
	m.Engine.InFlight.Set(1)
	m.Engine.EndToEndLatency.Observe(0.01)
	m.Engine.DLQRecords.WithLabelValues("invalid_json").Inc()
	m.Engine.Articles.WithLabelValues("en").Inc()
	m.Engine.Entities.WithLabelValues("PERSON").Inc()
	m.Engine.Quotes.Inc()
	m.Ready.Set(1)
}

func TestMetricsLintClean(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	exercise(m)
	reg.MustRegister(metrics.NewKafkaCollector(nil))
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
	// Every collector metrics.New registers, described: labelled vectors
	// count even before a label value is observed.
	reg := &recordingRegisterer{Registerer: prometheus.NewRegistry()}
	if _, err := metrics.New(reg, "test"); err != nil {
		t.Fatal(err)
	}
	reg.MustRegister(metrics.NewKafkaCollector(func() kafka.WriterStats { return kafka.WriterStats{Writes: 1} }))
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	exported := map[string]bool{}
	for _, c := range reg.collectors {
		ch := make(chan *prometheus.Desc, 64)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("cannot read the name of %s", d)
			}
			name := m[1]
			if strings.HasPrefix(name, "newsflow_process_") || !strings.HasPrefix(name, "newsflow_") {
				continue
			}
			exported[name] = true
			if !documented[name] {
				t.Errorf("%s is exported but not in the README's metrics table", name)
			}
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

// recordingRegisterer keeps every collector registered through it.
type recordingRegisterer struct {
	prometheus.Registerer
	collectors []prometheus.Collector
}

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	if err := r.Registerer.Register(c); err != nil {
		return err
	}
	r.collectors = append(r.collectors, c)
	return nil
}

func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}
