package producer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/producer"
)

func TestMetricsSeries(t *testing.T) {
	e := start(t, []string{"out"}, func(c *producer.Config) { c.BatchBytes = 2048 })
	before := time.Now()
	recs := records("out", "k", 3)
	recs[2].Value = make([]byte, 4096)
	var rej *producer.RejectedError
	if err := e.p.Write(t.Context(), recs); !errors.As(err, &rej) {
		t.Fatalf("Write = %v, want one record rejected", err)
	}
	if e.p.LastSuccess().Before(before) {
		t.Errorf("LastSuccess %v is before the write", e.p.LastSuccess())
	}
	// The series moved from internal/metrics keep their names, help and
	// labels.
	want := `
# HELP newsflow_producer_bytes_total Bytes of acknowledged record values, by topic.
# TYPE newsflow_producer_bytes_total counter
newsflow_producer_bytes_total{topic="out"} 14
# HELP newsflow_producer_records_total Records acknowledged by the broker, by topic.
# TYPE newsflow_producer_records_total counter
newsflow_producer_records_total{topic="out"} 2
# HELP newsflow_producer_rejected_records_total Records refused for good and returned to the caller to dead-letter, by topic and class (too_large, invalid_record).
# TYPE newsflow_producer_rejected_records_total counter
newsflow_producer_rejected_records_total{class="too_large",topic="out"} 1
`
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(want),
		"newsflow_producer_records_total", "newsflow_producer_bytes_total", "newsflow_producer_rejected_records_total"); err != nil {
		t.Error(err)
	}
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	help := map[string]string{}
	for _, mf := range mfs {
		help[mf.GetName()] = mf.GetHelp()
	}
	for name, h := range map[string]string{
		"newsflow_producer_batch_size_records":     "Records per write call.",
		"newsflow_producer_write_duration_seconds": "Time from a write call to the broker's acknowledgement.",
	} {
		if help[name] != h {
			t.Errorf("help of %s = %q, want %q", name, help[name], h)
		}
	}
	if problems, err := testutil.GatherAndLint(e.reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

func TestNewMetricsTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := producer.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := producer.NewMetrics(reg); err == nil {
		t.Error("second NewMetrics on one registry succeeded")
	}
	if m, err := producer.NewMetrics(nil); err != nil || m == nil {
		t.Errorf("NewMetrics(nil) = %v, %v", m, err)
	}
}
