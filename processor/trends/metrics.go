package trends

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the series of both stages (prefix newsflow_trends_). One set
// may serve a Mentions and an Aggregator; register it with Collectors.
//
//	newsflow_trends_mentions_total                counter  mention records emitted (Mentions)
//	newsflow_trends_late_mentions_total           counter  mentions not applied: all their windows had closed
//	newsflow_trends_replayed_mentions_total       counter  mentions applied to a window that had counted the article already (replays)
//	newsflow_trends_updates_total                 counter  non-final trend records emitted
//	newsflow_trends_finals_total                  counter  final trend records emitted (closed windows)
//	newsflow_trends_open_windows                  gauge    windows open in this instance's partitions
//	newsflow_trends_memberships                   gauge    articles counted in those windows (one per article, entity and window)
//	newsflow_trends_watermark_timestamp_seconds   gauge    the stage watermark (event time), Unix seconds
//	newsflow_trends_state_invalid_total           counter  store entries this version cannot read, passed over by a restore
type Metrics struct {
	Mentions     prometheus.Counter
	Late         prometheus.Counter
	Replays      prometheus.Counter
	Updates      prometheus.Counter
	Finals       prometheus.Counter
	OpenWindows  prometheus.Gauge
	Memberships  prometheus.Gauge
	Watermark    prometheus.Gauge
	InvalidState prometheus.Counter
}

// NewMetrics creates an unregistered set.
func NewMetrics() *Metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "newsflow", Subsystem: "trends", Name: name, Help: help})
	}
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "newsflow", Subsystem: "trends", Name: name, Help: help})
	}
	return &Metrics{
		Mentions: c("mentions_total", "Mention records emitted to the mentions topic, one per distinct entity of an article."),
		Late:     c("late_mentions_total", "Mentions not applied because every window they fall in had closed (later than the allowed lateness)."),
		Replays: c("replayed_mentions_total",
			"Mentions of an article already counted in the window (at-least-once replays, duplicates): not counted again, the window's value re-emitted."),
		Updates:     c("updates_total", "Non-final trend records emitted."),
		Finals:      c("finals_total", "Final trend records emitted (windows closed by the watermark)."),
		OpenWindows: g("open_windows", "Windows open (counted, not yet final) in the partitions this instance owns."),
		Memberships: g("memberships", "Memberships (an article counted in an entity's window) of the open windows in the partitions this instance owns: the bulk of the stage's memory."),
		Watermark:   g("watermark_timestamp_seconds", "The stage watermark (event time) of the trends aggregator, in Unix seconds."),
		InvalidState: c("state_invalid_total",
			"Store entries the aggregator could not read when it rebuilt a partition's windows; they are passed over and left in the store."),
	}
}

// Collectors returns every series, for registration.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Mentions, m.Late, m.Replays, m.Updates, m.Finals, m.OpenWindows, m.Memberships, m.Watermark, m.InvalidState}
}
