package status

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Page. The zero value of every field selects its
// default.
type Options struct {
	// Title is shown in the page header and the browser tab. Default
	// "newsflow".
	Title string
	// Guarantee is the delivery guarantee in force ("at-least-once" or
	// "exactly-once"), shown in the header. Default: not shown.
	Guarantee string
	// MaxArticles is how many of the latest observed articles the page
	// keeps and shows. Default 20.
	MaxArticles int
	// Window is the period over which the top entities are counted.
	// Default 5 minutes. It is cut into 30 buckets, so an entity leaves the
	// ranking between Window and Window+Window/30 after it was last seen.
	Window time.Duration
	// TopEntities is how many entities the ranking shows, and the n the
	// page passes to Trends. Default 12.
	TopEntities int
	// Trends, when set, turns the "Top entities" panel into "Trending
	// entities": the open windows of a trends aggregation, with count,
	// baseline, score and the trending flag (Snapshot.Trends). When nil
	// (the default, no trends aggregation) the panel ranks the entities of
	// the articles Observe saw in the last Window.
	//
	// Trends returns the current values of at most n windows, the most
	// relevant first; the page shows the first n in that order. It is
	// called from Snapshot (so from the /api/status handler) at most once
	// per second of the page clock, never twice at a time, and never while
	// the page holds the lock Observe takes; it must not call Snapshot. The
	// page copies what it keeps (clipped, at most 3 article ids a window,
	// non-finite numbers clamped) and neither keeps nor modifies the slice.
	// A (*trends.Aggregator).Top adapts to it:
	//
	//	func(n int) []status.TrendView {
	//		top := agg.Top(n)
	//		out := make([]status.TrendView, len(top))
	//		for i, t := range top {
	//			out[i] = status.TrendView{Name: t.Entity.Name, Type: t.Entity.Type,
	//				WindowStart: t.Window.Start, WindowEnd: t.Window.End, Count: t.Count,
	//				Baseline: t.Baseline, Score: t.Score, Trending: t.Trending,
	//				Final: t.Final, Articles: t.Articles}
	//		}
	//		return out
	//	}
	Trends func(n int) []TrendView
	// MaxStories is how many near-duplicate clusters the stories panel
	// tracks, single-article ones included. Default 2000, at most 20000.
	// Each takes at most about 2 KiB; when the table is full the least
	// recently updated single-article cluster is evicted first (see
	// Stories).
	MaxStories int
	// LatencyWindow is the period over which end-to-end latency quantiles
	// are computed. Default 1 minute.
	LatencyWindow time.Duration
	// RateWindow is the period over which rates are computed. Default 5 s.
	RateWindow time.Duration
	// Interval is how often Run samples the Gatherer. Default 1 s.
	Interval time.Duration
	// History is how many samples the sparklines show. Default 120.
	History int
	// Now returns the current time. Default time.Now. Tests set it to drive
	// a fake clock.
	Now func() time.Time
}

// Defaults.
const (
	DefaultTitle         = "newsflow"
	DefaultMaxArticles   = 20
	DefaultWindow        = 5 * time.Minute
	DefaultTopEntities   = 12
	DefaultMaxStories    = 2000
	DefaultLatencyWindow = time.Minute
	DefaultRateWindow    = 5 * time.Second
	DefaultInterval      = time.Second
	DefaultHistory       = 120
)

// Upper bounds that keep memory bounded whatever the options say.
const (
	maxMaxArticles = 1000
	maxHistory     = 3600
	maxTopEntities = 100
	maxMaxStories  = 20000
)

func (o Options) withDefaults() Options {
	if o.Title == "" {
		o.Title = DefaultTitle
	}
	if o.MaxArticles == 0 {
		o.MaxArticles = DefaultMaxArticles
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.TopEntities == 0 {
		o.TopEntities = DefaultTopEntities
	}
	if o.MaxStories == 0 {
		o.MaxStories = DefaultMaxStories
	}
	if o.LatencyWindow == 0 {
		o.LatencyWindow = DefaultLatencyWindow
	}
	if o.RateWindow == 0 {
		o.RateWindow = DefaultRateWindow
	}
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.History == 0 {
		o.History = DefaultHistory
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports options that cannot work: negative values, limits above
// the memory caps, or an Interval longer than a window it must sample.
// Zero values stand for their defaults and are valid.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	if o.MaxArticles < 0 || o.MaxArticles > maxMaxArticles {
		errs = append(errs, fmt.Errorf("option MaxArticles %d out of range 0..%d", o.MaxArticles, maxMaxArticles))
	}
	if o.TopEntities < 0 || o.TopEntities > maxTopEntities {
		errs = append(errs, fmt.Errorf("option TopEntities %d out of range 0..%d", o.TopEntities, maxTopEntities))
	}
	if o.MaxStories < 0 || o.MaxStories > maxMaxStories {
		errs = append(errs, fmt.Errorf("option MaxStories %d out of range 0..%d", o.MaxStories, maxMaxStories))
	}
	if o.History < 0 || o.History > maxHistory {
		errs = append(errs, fmt.Errorf("option History %d out of range 0..%d", o.History, maxHistory))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Window", o.Window}, {"LatencyWindow", o.LatencyWindow}, {"RateWindow", o.RateWindow}, {"Interval", o.Interval}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("option %s %v is negative", d.name, d.v))
		}
	}
	if o.Interval > 0 && o.Interval > o.LatencyWindow {
		errs = append(errs, fmt.Errorf("option Interval %v longer than LatencyWindow %v", o.Interval, o.LatencyWindow))
	}
	if o.Interval > 0 && o.Interval > o.RateWindow {
		errs = append(errs, fmt.Errorf("option Interval %v longer than RateWindow %v", o.Interval, o.RateWindow))
	}
	if longest := max(o.LatencyWindow, o.RateWindow); o.Interval > 0 && longest/o.Interval > maxHistory {
		errs = append(errs, fmt.Errorf("a window of %v holds more than %d samples of Interval %v", longest, maxHistory, o.Interval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("status: invalid options: %w", err)
	}
	return nil
}

// Page is the status page. Safe for concurrent use: Observe, Run, the
// Handler and Snapshot may all be called from different goroutines.
type Page struct {
	g      prometheus.Gatherer
	opts   Options
	start  time.Time
	index  []byte // rendered index.html
	assets fs.FS  // the embedded static directory

	// obsMu guards the article ring, the entity window and the story
	// table (Observe's state).
	obsMu    sync.Mutex
	articles ring[ArticleView]
	observed uint64
	entities *entityWindow
	stories  *storyTable
	// The ranking is computed at most once per second of the page clock:
	// with a window full of distinct names it takes milliseconds, and
	// Observe waits for obsMu meanwhile.
	top    []EntityCount
	topSec int64 // Unix second of top; valid when topSet
	topSet bool

	// trendMu guards the trends panel, refreshed from Options.Trends at
	// most once per second of the page clock; it is held while the
	// provider runs.
	trendMu  sync.Mutex
	trends   Trends
	trendSec int64 // Unix second of trends; valid when trendSet
	trendSet bool

	// metMu guards the metric samples and what is derived from them.
	metMu   sync.Mutex
	samples ring[sample]
	history ring[Point]
	metrics MetricsView
}

// New returns a status page that reads metrics from g (the registry the
// engine's metrics are registered on). It does not start sampling: call Run.
func New(g prometheus.Gatherer, opts Options) (*Page, error) {
	if g == nil {
		return nil, errors.New("status: nil Gatherer")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	assets, index, err := loadAssets(opts.Title)
	if err != nil {
		return nil, err
	}
	// Enough samples to reach back over the longest window, plus slack for
	// ticks that arrive late.
	longest := max(opts.LatencyWindow, opts.RateWindow)
	nsamples := int(longest/opts.Interval) + 3
	p := &Page{
		g:        g,
		opts:     opts,
		start:    opts.Now(),
		index:    index,
		assets:   assets,
		articles: newRing[ArticleView](opts.MaxArticles),
		entities: newEntityWindow(opts.Window),
		stories:  newStoryTable(opts.MaxStories),
		samples:  newRing[sample](nsamples),
		history:  newRing[Point](opts.History),
	}
	return p, nil
}

// Snapshot returns the current state of the page: what "/api/status"
// serves. The caller may keep it but must not modify the slices inside its
// articles, TopEntities and Trends, which are shared with the page. The
// ranking of entities and the trends panel (Options.Trends) are refreshed
// at most once per second; the stories are ranked on every call, in time
// linear in the tracked clusters (at most MaxStories). The numbers of its
// articles and trends are finite (non-finite ones are clamped): no article
// and no trends provider can make it fail to encode to JSON.
func (p *Page) Snapshot() Snapshot {
	now := p.opts.Now()
	s := Snapshot{
		Title:               p.opts.Title,
		Guarantee:           p.opts.Guarantee,
		GeneratedAt:         now.UTC(),
		UptimeSeconds:       now.Sub(p.start).Seconds(),
		EntityWindowSeconds: p.opts.Window.Seconds(),
	}

	p.metMu.Lock()
	s.MetricsView = p.metrics.clone()
	s.History = p.history.slice()
	p.metMu.Unlock()

	p.obsMu.Lock()
	s.ArticlesObserved = p.observed
	s.Articles = make([]ArticleView, 0, p.articles.len())
	for i := p.articles.len() - 1; i >= 0; i-- { // newest first
		s.Articles = append(s.Articles, *p.articles.at(i))
	}
	if sec := now.Unix(); !p.topSet || sec != p.topSec {
		p.top, p.topSec, p.topSet = p.entities.top(now, p.opts.TopEntities), sec, true
	}
	s.TopEntities = p.top // never modified: a new slice is made each time
	s.Stories = p.stories.view(topStories)
	p.obsMu.Unlock()

	if p.opts.Trends != nil {
		t := p.trendsPanel(now)
		s.Trends = &t
	}

	if s.History == nil {
		s.History = []Point{}
	}
	return s
}
