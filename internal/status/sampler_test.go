package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/processor"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestPage returns a page over a fresh registry with the engine's real
// metrics, and the fake clock that drives it.
func newTestPage(t testing.TB, opts Options) (*Page, *metrics.Metrics, *fakeClock) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "test")
	if err != nil {
		t.Fatalf("metrics.New: %v", err)
	}
	clk := newFakeClock()
	opts.Now = clk.Now
	p, err := New(reg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p, m, clk
}

func near(got *float64, want float64) bool {
	return got != nil && math.Abs(*got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func show(v *float64) any {
	if v == nil {
		return "null"
	}
	return *v
}

func TestSampleDerivesRatesAndTotals(t *testing.T) {
	p, m, clk := newTestPage(t, Options{})

	// Before any sample: nothing is known.
	s := p.Snapshot()
	if s.SampledAt != nil || s.Throughput.EnrichedPerSecond != nil || len(s.History) != 0 {
		t.Fatalf("before the first sample: sampled_at=%v enriched/s=%v history=%d, want all empty", s.SampledAt, show(s.Throughput.EnrichedPerSecond), len(s.History))
	}

	p.sample() // t=0: baseline, one sample: rates unknown
	if s := p.Snapshot(); s.Throughput.EnrichedPerSecond != nil || s.SampledAt == nil {
		t.Fatalf("after one sample: enriched/s=%v sampled_at=%v, want null rate and a sample time", show(s.Throughput.EnrichedPerSecond), s.SampledAt)
	}

	// 5 s of traffic, sampled every second: 12 consumed/s, 10 enriched/s,
	// 1 dead-lettered/s, 1 filtered/s.
	for range 5 {
		clk.Advance(time.Second)
		m.Consumer.Records.WithLabelValues("articles.raw").Add(12)
		m.Engine.Records.WithLabelValues(metrics.OutcomeEnriched).Add(10)
		m.Engine.Records.WithLabelValues(metrics.OutcomeDeadLettered).Add(1)
		m.Engine.Records.WithLabelValues(metrics.OutcomeFiltered).Add(1)
		m.Engine.DLQRecords.WithLabelValues("invalid_json").Add(1)
		p.sample()
	}
	m.Engine.DLQRecords.WithLabelValues("too_large").Add(7)
	m.Engine.DLQRecords.WithLabelValues("panic") // zero: not listed
	m.Consumer.Lag.WithLabelValues("articles.raw", "10").Set(4)
	m.Consumer.Lag.WithLabelValues("articles.raw", "2").Set(30)
	m.Consumer.Lag.WithLabelValues("articles.raw", "0").Set(6)
	m.Engine.InFlight.Set(3)
	m.Ready.Set(1)
	clk.Advance(time.Second)
	m.Consumer.Records.WithLabelValues("articles.raw").Add(12)
	m.Engine.Records.WithLabelValues(metrics.OutcomeEnriched).Add(10)
	p.sample()

	s = p.Snapshot()
	tests := []struct {
		name string
		got  *float64
		want float64
	}{
		// Window: the newest sample at least 5 s old is t=1; 5 s of deltas.
		{"consumed/s", s.Throughput.ConsumedPerSecond, 12},
		{"enriched/s", s.Throughput.EnrichedPerSecond, 10},
		{"dead_lettered/s", s.Throughput.DeadLetteredPerSecond, 4.0 / 5},
		{"filtered/s", s.Throughput.FilteredPerSecond, 4.0 / 5},
		{"dlq/s", s.DLQ.PerSecond, (4.0 + 7) / 5},
		{"window", &s.Throughput.WindowSeconds, 5},
		{"total consumed", &s.Totals.Consumed, 72},
		{"total enriched", &s.Totals.Enriched, 60},
		{"total dead-lettered", &s.Totals.DeadLettered, 5},
		{"dlq total", &s.DLQ.TotalRecords, 12},
		{"lag total", &s.Lag.TotalRecords, 40},
		{"inflight", s.InFlight, 3},
	}
	for _, tt := range tests {
		if !near(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, show(tt.got), tt.want)
		}
	}
	wantLag := []PartitionLag{{"articles.raw", 0, 6}, {"articles.raw", 2, 30}, {"articles.raw", 10, 4}}
	if len(s.Lag.Partitions) != len(wantLag) {
		t.Fatalf("lag partitions = %+v, want %+v", s.Lag.Partitions, wantLag)
	}
	for i, w := range wantLag {
		if s.Lag.Partitions[i] != w {
			t.Errorf("lag[%d] = %+v, want %+v", i, s.Lag.Partitions[i], w)
		}
	}
	wantReasons := []ReasonCount{{"too_large", 7}, {"invalid_json", 5}}
	if len(s.DLQ.Reasons) != 2 || s.DLQ.Reasons[0] != wantReasons[0] || s.DLQ.Reasons[1] != wantReasons[1] {
		t.Errorf("dlq reasons = %+v, want %+v", s.DLQ.Reasons, wantReasons)
	}
	if s.Ready == nil || !*s.Ready {
		t.Errorf("ready = %v, want true", s.Ready)
	}
	if s.Version != "test" {
		t.Errorf("version = %q, want %q", s.Version, "test")
	}
	if len(s.History) != 7 {
		t.Errorf("history has %d points, want 7 (one per sample)", len(s.History))
	}
	if last := s.History[len(s.History)-1]; !near(last.EnrichedPerSecond, 10) || last.LagRecords != 40 {
		t.Errorf("last history point = enriched/s %v lag %v, want 10 and 40", show(last.EnrichedPerSecond), last.LagRecords)
	}
}

func TestSampleLatencyQuantilesFromBucketDeltas(t *testing.T) {
	p, m, clk := newTestPage(t, Options{})
	p.sample() // t=0, empty histogram
	if s := p.Snapshot(); s.Latency.P50Seconds != nil {
		t.Fatalf("p50 with no observation = %v, want null", *s.Latency.P50Seconds)
	}

	// Buckets are 0.0005·2^k: 0.003 s falls in (0.002, 0.004], 0.1 s in
	// (0.064, 0.128], 1.5 s in (1.024, 2.048].
	clk.Advance(time.Second)
	for range 90 {
		m.Engine.EndToEndLatency.Observe(0.003)
	}
	for range 10 {
		m.Engine.EndToEndLatency.Observe(0.1)
	}
	p.sample() // t=1

	s := p.Snapshot()
	if want := 0.002 + 0.002*50/90; !near(s.Latency.P50Seconds, want) {
		t.Errorf("p50 = %v, want %v", show(s.Latency.P50Seconds), want)
	}
	if want := 0.064 + 0.064*9/10; !near(s.Latency.P99Seconds, want) {
		t.Errorf("p99 = %v, want %v", show(s.Latency.P99Seconds), want)
	}
	if s.Latency.Records != 100 {
		t.Errorf("records in window = %v, want 100", s.Latency.Records)
	}

	// A minute later only the new observations are in the window.
	clk.Advance(61 * time.Second)
	for range 10 {
		m.Engine.EndToEndLatency.Observe(1.5)
	}
	p.sample() // t=62: the window starts at the t=1 sample
	s = p.Snapshot()
	if want := 1.024 + 1.024*5/10; !near(s.Latency.P50Seconds, want) {
		t.Errorf("p50 after a minute = %v, want %v (old observations must leave the window)", show(s.Latency.P50Seconds), want)
	}
	if s.Latency.Records != 10 || !near(&s.Latency.WindowSeconds, 61) {
		t.Errorf("window = %v records over %v s, want 10 over 61 s", s.Latency.Records, s.Latency.WindowSeconds)
	}

	// A quiet minute: no observation, no quantile.
	clk.Advance(61 * time.Second)
	p.sample()
	if s := p.Snapshot(); s.Latency.P99Seconds != nil {
		t.Errorf("p99 after a quiet minute = %v, want null", *s.Latency.P99Seconds)
	}
}

func TestQuantile(t *testing.T) {
	bounds := []float64{1, 2, 4, 8}
	tests := []struct {
		name  string
		h     histogram
		q     float64
		want  float64
		empty bool
	}{
		{name: "empty", h: histogram{bounds: bounds, cum: []float64{0, 0, 0, 0}}, q: 0.5, empty: true},
		{name: "no buckets", h: histogram{count: 3}, q: 0.5, empty: true},
		{name: "first bucket from zero", h: histogram{bounds: bounds, cum: []float64{10, 10, 10, 10}, count: 10}, q: 0.5, want: 0.5},
		{name: "interpolated", h: histogram{bounds: bounds, cum: []float64{0, 4, 8, 8}, count: 8}, q: 0.75, want: 3},
		{name: "upper edge", h: histogram{bounds: bounds, cum: []float64{0, 4, 8, 8}, count: 8}, q: 1, want: 4},
		{name: "skips empty buckets", h: histogram{bounds: bounds, cum: []float64{0, 0, 0, 2}, count: 2}, q: 0.5, want: 6},
		{name: "in +Inf bucket", h: histogram{bounds: bounds, cum: []float64{1, 1, 1, 1}, count: 100}, q: 0.99, want: 8},
		{name: "non-monotonic input", h: histogram{bounds: bounds, cum: []float64{4, 2, 8, 8}, count: 8}, q: 0.75, want: 3},
		{name: "non-positive first bound", h: histogram{bounds: []float64{-1, 1}, cum: []float64{5, 5}, count: 5}, q: 0.5, want: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.h.quantile(tt.q)
			if tt.empty {
				if got != nil {
					t.Fatalf("quantile = %v, want null", *got)
				}
				return
			}
			if !near(got, tt.want) {
				t.Fatalf("quantile(%v) = %v, want %v", tt.q, show(got), tt.want)
			}
		})
	}
}

func TestRateAndHistogramReset(t *testing.T) {
	tests := []struct {
		name          string
		cur, old, dt  float64
		want          float64
		wantUndefined bool
	}{
		{name: "increase", cur: 30, old: 10, dt: 4, want: 5},
		{name: "flat", cur: 10, old: 10, dt: 1, want: 0},
		{name: "reset counts from zero", cur: 6, old: 100, dt: 2, want: 3},
		{name: "no time elapsed", cur: 6, old: 1, dt: 0, wantUndefined: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rate(tt.cur, tt.old, tt.dt)
			if tt.wantUndefined {
				if got != nil {
					t.Fatalf("rate = %v, want null", *got)
				}
				return
			}
			if !near(got, tt.want) {
				t.Fatalf("rate = %v, want %v", show(got), tt.want)
			}
		})
	}

	old := histogram{bounds: []float64{1, 2}, cum: []float64{50, 90}, count: 100}
	cur := histogram{bounds: []float64{1, 2}, cum: []float64{1, 3}, count: 4}
	if d := cur.minus(old); d.count != 4 || d.cum[1] != 3 {
		t.Errorf("histogram reset: delta = %+v, want the current histogram", d)
	}
	cur = histogram{bounds: []float64{1, 2}, cum: []float64{60, 100}, count: 110}
	if d := cur.minus(old); d.count != 10 || d.cum[0] != 10 || d.cum[1] != 10 {
		t.Errorf("histogram delta = %+v, want count 10 and cum [10 10]", d)
	}
}

func TestGatherErrorIsShownAndRunStops(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "test")
	if err != nil {
		t.Fatal(err)
	}
	m.Engine.Records.WithLabelValues(metrics.OutcomeEnriched).Add(3)
	failing := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		fams, _ := reg.Gather()
		return fams, errors.New("collector exploded")
	})
	p, err := New(failing, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // Run samples once, then sees the done context.
	if err := p.Run(ctx); err != nil {
		t.Fatalf("Run on a done context = %v, want nil", err)
	}
	s := p.Snapshot()
	if s.Error != "collector exploded" {
		t.Errorf("error = %q, want the Gatherer's error", s.Error)
	}
	if s.SampledAt == nil || s.Totals.Enriched != 3 {
		t.Errorf("sample with a Gatherer error: sampled_at=%v enriched=%v, want the partial result used", s.SampledAt, s.Totals.Enriched)
	}
}

func TestConcurrentUse(t *testing.T) {
	p, m, clk := newTestPage(t, Options{MaxArticles: 5})
	const writers, perWriter = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				p.Observe(&processor.Article{ID: fmt.Sprint(w, "-", i), Entities: []processor.Entity{{Name: fmt.Sprint("E", i%7), Type: "ORG"}}})
				m.Engine.Records.WithLabelValues(metrics.OutcomeEnriched).Inc()
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			clk.Advance(time.Second)
			p.sample()
		}
	})
	wg.Go(func() {
		for range 50 {
			if _, err := json.Marshal(p.Snapshot()); err != nil {
				t.Errorf("marshal: %v", err)
				return
			}
		}
	})
	wg.Wait()
	clk.Advance(time.Second) // the entity ranking is refreshed once a second
	p.sample()
	s := p.Snapshot()
	if s.ArticlesObserved != writers*perWriter || len(s.Articles) != 5 || s.Totals.Enriched != writers*perWriter {
		t.Errorf("after concurrent use: observed %d, kept %d, enriched %v; want %d, 5, %d",
			s.ArticlesObserved, len(s.Articles), s.Totals.Enriched, writers*perWriter, writers*perWriter)
	}
	var sum int
	for _, e := range s.TopEntities {
		sum += e.Articles
	}
	if sum != writers*perWriter {
		t.Errorf("top entities count %d articles, want %d", sum, writers*perWriter)
	}
}

// A store being restored shows on the page with its progress; a restored
// one does not.
func TestSampleShowsRestoresInProgress(t *testing.T) {
	p, m, _ := newTestPage(t, Options{})
	m.State.Restoring.WithLabelValues("dedup").Set(1)
	m.State.RestoreRecords.WithLabelValues("dedup").Add(1200)
	m.State.RestoreRemaining.WithLabelValues("dedup").Set(800)
	m.State.Restoring.WithLabelValues("trends").Set(0)
	m.State.RestoreRecords.WithLabelValues("trends").Add(5)
	p.sample()
	s := p.Snapshot()
	if len(s.Restoring) != 1 || s.Restoring[0] != (Restore{Store: "dedup", Records: 1200, Remaining: 800}) {
		t.Fatalf("restoring = %+v", s.Restoring)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Restoring []Restore `json:"restoring"`
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.Restoring) != 1 {
		t.Fatalf("restoring not in the JSON: %s", b)
	}
	m.State.Restoring.WithLabelValues("dedup").Set(0)
	p.sample()
	if s := p.Snapshot(); len(s.Restoring) != 0 {
		t.Fatalf("restoring after the restore = %+v", s.Restoring)
	}
}
