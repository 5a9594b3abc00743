package status

import (
	"math"
	"time"
)

// TrendView is one event-time window of one entity, as a trends
// aggregation reports it: the input of Options.Trends and a row of the
// "Trending entities" panel. Its fields mirror a trend record of the trends
// topic (see processor/trends.Trend), with the entity and the window
// flattened.
type TrendView struct {
	Name string `json:"name"`
	Type string `json:"type"` // PERSON, ORG, LOC, NORP or MISC
	// WindowStart and WindowEnd bound the window, [start, end), in event
	// time.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	// Count is the number of distinct articles with the entity counted in
	// the window so far.
	Count int `json:"count"`
	// Baseline is the count expected from the entity's earlier windows.
	Baseline float64 `json:"baseline"`
	// Score is the burst score of Count against Baseline.
	Score float64 `json:"score"`
	// Trending is the aggregation's verdict: the count is high enough and
	// the score over its threshold.
	Trending bool `json:"trending"`
	// Final is true when the window has closed and Count is its last value.
	Final bool `json:"final"`
	// Articles are ids of counted articles, the latest first. The page
	// keeps at most 3.
	Articles []string `json:"articles"`
}

// Trends is the "Trending entities" panel: the windows that Options.Trends
// returned. Snapshot.Trends is null when no provider is configured.
type Trends struct {
	// Top are the windows, in the provider's order (trending ones first),
	// at most Options.TopEntities; an empty list, not null, when no window
	// is open.
	Top []TrendView `json:"top"`
	// Trending is how many of Top are trending.
	Trending int `json:"trending"`
	// WindowStart and WindowEnd bound the latest window of Top (the one
	// with the latest start), the panel's headline; null when Top is empty.
	// Other rows may be older windows still open (allowed lateness, other
	// partitions' watermarks) or, with hopping windows, overlapping ones.
	WindowStart *time.Time `json:"window_start"`
	WindowEnd   *time.Time `json:"window_end"`
	// WindowSeconds is the window size: WindowEnd − WindowStart; null when
	// Top is empty.
	WindowSeconds *float64 `json:"window_seconds"`
}

// maxTrendArticles is how many article ids the page keeps per window.
const maxTrendArticles = 3

// trendsPanel returns the panel, calling Options.Trends at most once per
// second of the page clock. Requires Options.Trends != nil. The provider
// runs under trendMu only, so calls never overlap and Observe never waits
// for one. A panic of the provider reaches the caller, and the previous
// panel stays.
func (p *Page) trendsPanel(now time.Time) Trends {
	p.trendMu.Lock()
	defer p.trendMu.Unlock()
	if sec := now.Unix(); !p.trendSet || sec != p.trendSec {
		n := p.opts.TopEntities
		p.trends, p.trendSec, p.trendSet = buildTrends(p.opts.Trends(n), n), sec, true
	}
	return p.trends
}

// buildTrends returns the panel for the first n usable windows of raw (those
// with a name). The views are bounded and safe to encode: names, types and
// ids clipped like an article's, non-finite numbers clamped (finite), times
// that JSON cannot carry zeroed (jsonTime). They share no memory with raw.
func buildTrends(raw []TrendView, n int) Trends {
	out := Trends{Top: make([]TrendView, 0, min(len(raw), n))}
	for i := range raw {
		if len(out.Top) == n {
			break
		}
		t := &raw[i]
		v := TrendView{
			Name:        clip(t.Name, maxNameLen),
			Type:        entityType(t.Type),
			WindowStart: jsonTime(t.WindowStart),
			WindowEnd:   jsonTime(t.WindowEnd),
			Count:       t.Count,
			Baseline:    finite(t.Baseline),
			Score:       finite(t.Score),
			Trending:    t.Trending,
			Final:       t.Final,
			Articles:    make([]string, 0, min(len(t.Articles), maxTrendArticles)),
		}
		if v.Name == "" {
			continue
		}
		for _, id := range t.Articles {
			if len(v.Articles) == maxTrendArticles {
				break
			}
			if id = clip(id, maxIDLen); id != "" {
				v.Articles = append(v.Articles, id)
			}
		}
		if v.Trending {
			out.Trending++
		}
		if out.WindowStart == nil || v.WindowStart.After(*out.WindowStart) {
			start, end := v.WindowStart, v.WindowEnd
			size := max(end.Sub(start).Seconds(), 0)
			out.WindowStart, out.WindowEnd, out.WindowSeconds = &start, &end, &size
		}
		out.Top = append(out.Top, v)
	}
	return out
}

// finite returns v, or 0 for NaN and ±math.MaxFloat64 for ±Inf.
// encoding/json refuses non-finite numbers, and one of them would fail the
// whole snapshot.
func finite(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// jsonTime returns t in UTC, or the zero time when its year is outside
// 0..9999, which encoding/json cannot encode (a window that ends after an
// event time in the year 9999, say).
func jsonTime(t time.Time) time.Time {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}
	}
	return t
}
