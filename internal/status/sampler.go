package status

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Series read from the Gatherer (see internal/metrics).
const (
	seriesConsumed  = "newsflow_consumer_records_total"
	seriesFinished  = "newsflow_pipeline_records_total"
	seriesLatency   = "newsflow_pipeline_end_to_end_latency_seconds"
	seriesLag       = "newsflow_consumer_lag_records"
	seriesDLQ       = "newsflow_dlq_records_total"
	seriesInFlight  = "newsflow_pipeline_inflight_records"
	seriesReady     = "newsflow_ready"
	seriesBuildInfo = "newsflow_build_info"
	// State restores (see package state).
	seriesRestoring        = "newsflow_state_restoring"
	seriesRestoreRemaining = "newsflow_state_restore_remaining_records"
	seriesRestoreRecords   = "newsflow_state_restore_records_total"

	outcomeEnriched     = "enriched"
	outcomeDeadLettered = "dead_lettered"
	outcomeFiltered     = "filtered"
)

// Snapshot is the JSON document served at /api/status. Numbers that cannot
// be known yet (a rate before two samples, a quantile with no observation in
// its window) are null.
type Snapshot struct {
	Title         string    `json:"title"`
	Guarantee     string    `json:"guarantee,omitempty"`
	GeneratedAt   time.Time `json:"generated_at"`
	UptimeSeconds float64   `json:"uptime_seconds"`

	MetricsView

	// History holds one point per sample, oldest first, for sparklines.
	History []Point `json:"history"`

	// Articles are the latest observed articles, newest first.
	Articles         []ArticleView `json:"articles"`
	ArticlesObserved uint64        `json:"articles_observed"`

	// TopEntities ranks entities by the number of articles, observed in the
	// last EntityWindowSeconds, that mention them.
	TopEntities         []EntityCount `json:"top_entities"`
	EntityWindowSeconds float64       `json:"entity_window_seconds"`

	// Stories are the largest near-duplicate clusters among the observed
	// articles.
	Stories Stories `json:"stories"`

	// Trends are the open windows of the trends aggregation, from
	// Options.Trends; null when it is not set. The page then shows them in
	// place of TopEntities.
	Trends *Trends `json:"trends"`
}

// Restore is a state store's restore in progress.
type Restore struct {
	Store string `json:"store"`
	// Records read so far, and the estimate of records left.
	Records   float64 `json:"records"`
	Remaining float64 `json:"remaining"`
}

// MetricsView is what the page derives from the last metric samples.
type MetricsView struct {
	// SampledAt is when the metrics were last sampled; null before the
	// first sample.
	SampledAt *time.Time `json:"sampled_at"`
	// Error is the last Gatherer error, if any (the sample still uses what
	// the Gatherer returned).
	Error   string `json:"error,omitempty"`
	Version string `json:"version,omitempty"`
	// Ready mirrors newsflow_ready; null when the series is absent.
	Ready *bool `json:"ready"`
	// Restoring lists the state stores being restored from their
	// changelogs (the instance is not ready meanwhile), by store name.
	Restoring []Restore `json:"restoring"`
	// InFlight mirrors newsflow_pipeline_inflight_records.
	InFlight   *float64   `json:"inflight"`
	Throughput Throughput `json:"throughput"`
	Totals     Totals     `json:"totals"`
	Latency    Latency    `json:"latency"`
	Lag        Lag        `json:"lag"`
	DLQ        DLQ        `json:"dlq"`
}

// Throughput holds per-second rates over the last WindowSeconds.
type Throughput struct {
	ConsumedPerSecond     *float64 `json:"consumed_per_second"`
	EnrichedPerSecond     *float64 `json:"enriched_per_second"`
	DeadLetteredPerSecond *float64 `json:"dead_lettered_per_second"`
	FilteredPerSecond     *float64 `json:"filtered_per_second"`
	WindowSeconds         float64  `json:"window_seconds"`
}

// Totals are the counters since the process started.
type Totals struct {
	Consumed     float64 `json:"consumed"`
	Enriched     float64 `json:"enriched"`
	DeadLettered float64 `json:"dead_lettered"`
	Filtered     float64 `json:"filtered"`
}

// Latency holds end-to-end latency quantiles over the last WindowSeconds,
// estimated from histogram bucket deltas like histogram_quantile().
type Latency struct {
	P50Seconds *float64 `json:"p50_seconds"`
	P99Seconds *float64 `json:"p99_seconds"`
	// Records is how many latencies were observed in the window.
	Records       float64 `json:"records"`
	WindowSeconds float64 `json:"window_seconds"`
}

// Lag is the consumer lag, per partition and in total.
type Lag struct {
	TotalRecords float64        `json:"total_records"`
	Partitions   []PartitionLag `json:"partitions"`
}

// PartitionLag is the lag of one partition.
type PartitionLag struct {
	Topic     string  `json:"topic"`
	Partition int     `json:"partition"`
	Records   float64 `json:"records"`
}

// DLQ is the dead-letter count.
type DLQ struct {
	TotalRecords float64 `json:"total_records"`
	// PerSecond is the dead-letter rate over the throughput window.
	PerSecond *float64      `json:"per_second"`
	Reasons   []ReasonCount `json:"reasons"`
}

// ReasonCount is the number of records dead-lettered for one reason.
type ReasonCount struct {
	Reason  string  `json:"reason"`
	Records float64 `json:"records"`
}

// Point is one sample of the sparklines.
type Point struct {
	T                 time.Time `json:"t"`
	ConsumedPerSecond *float64  `json:"consumed_per_second"`
	EnrichedPerSecond *float64  `json:"enriched_per_second"`
	P50Seconds        *float64  `json:"p50_seconds"`
	P99Seconds        *float64  `json:"p99_seconds"`
	LagRecords        float64   `json:"lag_records"`
}

func (m MetricsView) clone() MetricsView {
	m.Lag.Partitions = slices.Clone(m.Lag.Partitions)
	m.DLQ.Reasons = slices.Clone(m.DLQ.Reasons)
	if m.Lag.Partitions == nil {
		m.Lag.Partitions = []PartitionLag{}
	}
	if m.DLQ.Reasons == nil {
		m.DLQ.Reasons = []ReasonCount{}
	}
	return m
}

// sample holds the cumulative values of one gathering.
type sample struct {
	at                                     time.Time
	consumed, enriched, deadLettered, filt float64
	dlq                                    float64
	lat                                    histogram
}

// histogram is a classic Prometheus histogram: cumulative counts per finite
// upper bound, and the total count (the +Inf bucket).
type histogram struct {
	bounds []float64
	cum    []float64
	count  float64
}

// Run samples the Gatherer at once and then every Options.Interval, until
// ctx is done; it then returns nil. A Gatherer error does not stop it: the
// sample uses whatever was gathered and the error is shown on the page.
// Call Run once, from the goroutine that owns the page's lifetime.
func (p *Page) Run(ctx context.Context) error {
	t := time.NewTicker(p.opts.Interval)
	defer t.Stop()
	for {
		p.sample()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// sample gathers the metrics once and updates the derived view.
func (p *Page) sample() {
	fams, err := p.g.Gather()
	now := p.opts.Now()
	s, view := parseFamilies(fams)
	s.at = now
	if err != nil {
		view.Error = clip(err.Error(), 500)
	}
	at := now.UTC()
	view.SampledAt = &at

	p.metMu.Lock()
	defer p.metMu.Unlock()
	p.samples.push(s)
	cur := p.samples.at(p.samples.len() - 1)

	if old := p.before(cur.at, p.opts.RateWindow); old != nil {
		dt := cur.at.Sub(old.at).Seconds()
		view.Throughput = Throughput{
			ConsumedPerSecond:     rate(cur.consumed, old.consumed, dt),
			EnrichedPerSecond:     rate(cur.enriched, old.enriched, dt),
			DeadLetteredPerSecond: rate(cur.deadLettered, old.deadLettered, dt),
			FilteredPerSecond:     rate(cur.filt, old.filt, dt),
			WindowSeconds:         dt,
		}
		view.DLQ.PerSecond = rate(cur.dlq, old.dlq, dt)
	}
	if old := p.before(cur.at, p.opts.LatencyWindow); old != nil {
		d := cur.lat.minus(old.lat)
		view.Latency = Latency{
			P50Seconds:    d.quantile(0.5),
			P99Seconds:    d.quantile(0.99),
			Records:       d.count,
			WindowSeconds: cur.at.Sub(old.at).Seconds(),
		}
	}
	p.metrics = view
	p.history.push(Point{
		T:                 at,
		ConsumedPerSecond: view.Throughput.ConsumedPerSecond,
		EnrichedPerSecond: view.Throughput.EnrichedPerSecond,
		P50Seconds:        view.Latency.P50Seconds,
		P99Seconds:        view.Latency.P99Seconds,
		LagRecords:        view.Lag.TotalRecords,
	})
}

// before returns the newest sample taken at least window before t (with
// half an Interval of tolerance for late ticks), else the oldest sample
// other than the current one, else nil. The caller holds metMu.
func (p *Page) before(t time.Time, window time.Duration) *sample {
	n := p.samples.len()
	if n < 2 {
		return nil
	}
	limit := t.Add(-window + p.opts.Interval/2)
	for i := n - 2; i >= 0; i-- {
		if s := p.samples.at(i); !s.at.After(limit) {
			return s
		}
	}
	return p.samples.at(0)
}

// rate is the per-second increase of a counter, treating a decrease as a
// reset (as Prometheus' rate() does).
func rate(cur, old, dt float64) *float64 {
	if dt <= 0 {
		return nil
	}
	d := cur - old
	if d < 0 {
		d = cur
	}
	r := d / dt
	return &r
}

// minus returns the bucket increases from old to h. A decreased count is a
// reset: h itself is the increase.
func (h histogram) minus(old histogram) histogram {
	if h.count < old.count || !slices.Equal(h.bounds, old.bounds) {
		return h
	}
	d := histogram{bounds: h.bounds, cum: make([]float64, len(h.cum)), count: h.count - old.count}
	for i := range h.cum {
		d.cum[i] = h.cum[i] - old.cum[i]
	}
	return d
}

// quantile estimates the q-quantile by linear interpolation inside the
// bucket that holds it, as histogram_quantile() does: the lower bound of
// the first bucket is 0, and a quantile in the +Inf bucket is the highest
// finite bound. It returns nil when the histogram is empty.
func (h histogram) quantile(q float64) *float64 {
	if h.count <= 0 || len(h.bounds) == 0 {
		return nil
	}
	rank := q * h.count
	prevBound, prevCum := 0.0, 0.0
	for i, ub := range h.bounds {
		c := max(h.cum[i], prevCum) // guard against non-monotonic input
		if c >= rank && c > prevCum {
			if i == 0 && ub <= 0 {
				return &ub
			}
			v := prevBound + (ub-prevBound)*(rank-prevCum)/(c-prevCum)
			return &v
		}
		prevBound, prevCum = ub, c
	}
	last := h.bounds[len(h.bounds)-1]
	return &last
}

// parseFamilies extracts the cumulative values of one sample and the
// instantaneous values (gauges, per-label counters) of the view.
func parseFamilies(fams []*dto.MetricFamily) (sample, MetricsView) {
	var s sample
	view := MetricsView{Lag: Lag{Partitions: []PartitionLag{}}, DLQ: DLQ{Reasons: []ReasonCount{}}}
	restores := map[string]*restoreState{}
	for _, f := range fams {
		switch f.GetName() {
		case seriesConsumed:
			for _, m := range f.GetMetric() {
				s.consumed += m.GetCounter().GetValue()
			}
		case seriesFinished:
			for _, m := range f.GetMetric() {
				v := m.GetCounter().GetValue()
				switch label(m, "outcome") {
				case outcomeEnriched:
					s.enriched += v
				case outcomeDeadLettered:
					s.deadLettered += v
				case outcomeFiltered:
					s.filt += v
				}
			}
		case seriesDLQ:
			for _, m := range f.GetMetric() {
				v := m.GetCounter().GetValue()
				s.dlq += v
				if v > 0 {
					view.DLQ.Reasons = append(view.DLQ.Reasons, ReasonCount{Reason: clip(label(m, "reason"), maxShortLen), Records: v})
				}
			}
		case seriesLatency:
			for _, m := range f.GetMetric() {
				s.lat.add(m.GetHistogram())
			}
		case seriesLag:
			for _, m := range f.GetMetric() {
				part, err := strconv.Atoi(label(m, "partition"))
				if err != nil {
					part = -1
				}
				v := m.GetGauge().GetValue()
				view.Lag.Partitions = append(view.Lag.Partitions, PartitionLag{Topic: clip(label(m, "topic"), maxNameLen), Partition: part, Records: v})
				view.Lag.TotalRecords += v
			}
		case seriesInFlight:
			if ms := f.GetMetric(); len(ms) > 0 {
				v := ms[0].GetGauge().GetValue()
				view.InFlight = &v
			}
		case seriesReady:
			if ms := f.GetMetric(); len(ms) > 0 {
				r := ms[0].GetGauge().GetValue() == 1
				view.Ready = &r
			}
		case seriesBuildInfo:
			if ms := f.GetMetric(); len(ms) > 0 {
				view.Version = clip(label(ms[0], "version"), maxShortLen)
			}
		case seriesRestoring, seriesRestoreRemaining, seriesRestoreRecords:
			for _, m := range f.GetMetric() {
				st := clip(label(m, "store"), maxShortLen)
				r := restores[st]
				if r == nil {
					r = &restoreState{}
					restores[st] = r
				}
				switch f.GetName() {
				case seriesRestoring:
					r.on = m.GetGauge().GetValue() == 1
				case seriesRestoreRemaining:
					r.Remaining = finite(m.GetGauge().GetValue())
				default:
					r.Records = finite(m.GetCounter().GetValue())
				}
			}
		}
	}
	view.Restoring = []Restore{}
	for st, r := range restores {
		if r.on {
			view.Restoring = append(view.Restoring, Restore{Store: st, Records: r.Records, Remaining: r.Remaining})
		}
	}
	slices.SortFunc(view.Restoring, func(a, b Restore) int { return cmp.Compare(a.Store, b.Store) })
	view.Totals = Totals{Consumed: s.consumed, Enriched: s.enriched, DeadLettered: s.deadLettered, Filtered: s.filt}
	view.DLQ.TotalRecords = s.dlq
	slices.SortFunc(view.Lag.Partitions, func(a, b PartitionLag) int {
		if c := cmp.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return cmp.Compare(a.Partition, b.Partition)
	})
	slices.SortFunc(view.DLQ.Reasons, func(a, b ReasonCount) int {
		if c := cmp.Compare(b.Records, a.Records); c != 0 {
			return c
		}
		return cmp.Compare(a.Reason, b.Reason)
	})
	return s, view
}

// add merges one histogram series into h. Only finite buckets are kept (the
// +Inf bucket is the sample count). Series whose bounds differ from the
// first one seen are ignored: they cannot be summed bucket by bucket.
func (h *histogram) add(m *dto.Histogram) {
	var bounds, cum []float64
	for _, b := range m.GetBucket() {
		if ub := b.GetUpperBound(); !math.IsInf(ub, 1) {
			bounds = append(bounds, ub)
			cum = append(cum, float64(b.GetCumulativeCount()))
		}
	}
	if h.bounds == nil {
		h.bounds = bounds
		h.cum = make([]float64, len(bounds))
	}
	if !slices.Equal(bounds, h.bounds) {
		return
	}
	for i, c := range cum {
		h.cum[i] += c
	}
	h.count += float64(m.GetSampleCount())
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

type restoreState struct {
	on bool
	Restore
}
