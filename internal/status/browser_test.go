package status_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/internal/status"
	"github.com/newsflow/newsflow/processor"
)

// The real-browser tests load the page in Debian's headless chromium and
// check the DOM it builds. They are opt-in, so that the default `go test
// ./...` needs nothing installed:
//
//	apt-get install -y chromium
//	NEWSFLOW_BROWSER=1 go test ./internal/status/ -run Browser -v
//
// Screenshots go to $NEWSFLOW_ARTIFACTS when it is set, else to a temporary
// directory; the test logs their paths.

// syncBuffer is a bytes.Buffer safe for the browser's output goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newBrowser starts headless chromium for the test, or skips the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("NEWSFLOW_BROWSER") != "1" {
		t.Skip("real-browser test skipped: set NEWSFLOW_BROWSER=1 to run it (it needs Debian's `chromium` on PATH)")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("!!! REAL-BROWSER TEST SKIPPED: NEWSFLOW_BROWSER=1 but `chromium` is not on PATH. " +
			"Install it with `apt-get install -y chromium` (Debian) to run it. !!!")
	}
	out := &syncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Without these chromium keeps calling home, which floods a closed
		// network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			var lines []string
			for l := range strings.Lines(out.String()) {
				if !strings.Contains(l, "dbus") { // chromium's noise about a missing D-Bus
					lines = append(lines, l)
				}
			}
			t.Logf("chromium output:\n%s", strings.Join(lines, ""))
		}
	})
	// Start the browser with a context that has no deadline: a deadline on
	// the first action would be the browser's lifetime.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v\n%s", path, err, out.String())
	}
	return ctx
}

func artifactDir(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("NEWSFLOW_ARTIFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatalf("artefact directory: %v", err)
		}
		return dir
	}
	return t.TempDir()
}

// pageCheck loads url in the browser, waits until ready (a JavaScript
// expression) is true, runs the extra checks (expressions that must be
// true), saves screenshots named name*.png, checks that the page has no
// horizontal overflow on a phone-sized screen, and fails the test on any
// console error or uncaught exception.
func pageCheck(t *testing.T, ctx context.Context, url, ready string, checks map[string]string, name string) {
	t.Helper()

	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx) // subscribes now, before the page loads
	var (
		mu       sync.Mutex
		problems []string
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (at %s:%d)", m, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	})
	defer func() {
		stopConsole()
		wg.Wait()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	}()

	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(1440, 1000), chromedp.Navigate(url)); err != nil {
		t.Fatalf("load %s: %v", url, err)
	}
	_, err := chromedp.Run(tctx, chromedp.Poll[chromedp.Void](ready,
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(90*time.Second)))
	if err != nil {
		text, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("the page never showed live figures and articles: %v\npage text:\n%s", err, text)
	}
	for what, expr := range checks {
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](expr))
		if err != nil || !ok {
			t.Errorf("%s: %s = %v, %v", what, expr, ok, err)
		}
	}

	dir := artifactDir(t)
	save := func(file string, png []byte) {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatalf("save screenshot: %v", err)
		}
		t.Logf("screenshot: %s", p)
	}
	shot, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	save(name+".png", shot)

	// The dark theme follows the system setting.
	darkMode := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}
	if _, err := chromedp.Call(tctx, emulation.SetEmulatedMedia, darkMode); err != nil {
		t.Fatalf("emulate dark mode: %v", err)
	}
	bg, err := chromedp.Run(tctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	if err != nil || bg != "rgb(13, 17, 23)" {
		t.Errorf("dark mode: body background = %q, %v; want rgb(13, 17, 23)", bg, err)
	}
	if shot, err = chromedp.Run(tctx, chromedp.CaptureScreenshot()); err == nil {
		save(name+"-dark.png", shot)
	}
	if _, err := chromedp.Call(tctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatalf("reset the emulated media: %v", err)
	}

	// A phone-sized screen: one column, nothing wider than the screen.
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		t.Fatalf("emulate a phone: %v", err)
	}
	overflow, err := chromedp.Run(tctx, chromedp.Evaluate[int](
		`new Promise((ok) => requestAnimationFrame(() => ok(document.documentElement.scrollWidth - window.innerWidth)))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("measure the phone layout: %v", err)
	}
	if overflow > 0 {
		t.Errorf("on a 390 px wide screen the page is %d px too wide", overflow)
	}
	if shot, err = chromedp.Run(tctx, chromedp.CaptureScreenshot()); err == nil {
		save(name+"-phone.png", shot)
	}
}

// sampleArticles are made-up enriched articles; the last one is hostile.
func sampleArticles() []processor.Article {
	pos := func(p int) processor.Position { return processor.Position{Topic: "articles.raw", Partition: p} }
	return []processor.Article{
		{
			Title: "City council approves new tram line to the harbour", URL: "https://news.example.org/tram",
			Source: "example-news", Published: "2026-11-28", Language: &processor.Language{Code: "en", Confidence: 0.99},
			Summary: &processor.Summary{Text: "The council voted 31 to 12 for a 9 km tram line linking the station and the harbour, to open in 2030."},
			Stats:   processor.Stats{Words: 412},
			Entities: []processor.Entity{
				{Name: "Maria Keller", Type: "PERSON", Mentions: 4, Salience: 0.8},
				{Name: "City Council", Type: "ORG", Mentions: 3, Salience: 0.7},
				{Name: "Harbour District", Type: "LOC", Mentions: 2, Salience: 0.5},
			},
			Quotes:     []processor.Quote{{Text: "This line will change how the whole city moves.", Speaker: "Maria Keller"}},
			Keyphrases: []processor.Keyphrase{{Text: "tram line"}, {Text: "harbour"}},
			Tone:       &processor.Tone{Overall: 1.8}, SourcePos: pos(0),
		},
		{
			Title: "Storm closes ports along the northern coast", URL: "https://news.example.org/storm",
			Source: "wikinews", Published: "2026-11-28", Language: &processor.Language{Code: "en", Confidence: 0.98},
			Summary: &processor.Summary{Text: "Ferries were cancelled and two ports closed as winds reached 130 km/h."},
			Stats:   processor.Stats{Words: 287},
			Entities: []processor.Entity{
				{Name: "Met Office", Type: "ORG", Mentions: 2, Salience: 0.6},
				{Name: "Aberdeen", Type: "LOC", Mentions: 2, Salience: 0.55},
				{Name: "Maria Keller", Type: "PERSON", Mentions: 1, Salience: 0.2},
			},
			Quotes:    []processor.Quote{{Text: "Stay away from the sea front until Sunday.", Speaker: "a Met Office spokesperson"}},
			SourcePos: pos(1),
		},
		{
			Title: "Le parlement adopte la réforme des retraites", URL: "https://news.example.org/fr",
			Source: "wikinews", Published: "2026-11-27", Language: &processor.Language{Code: "fr", Confidence: 0.97},
			Stats:     processor.Stats{Words: 350},
			Entities:  []processor.Entity{{Name: "Assemblée nationale", Type: "ORG", Mentions: 3, Salience: 0.7}},
			Skipped:   []processor.SkipRecord{{Stage: "quotes", Reason: "English only"}},
			SourcePos: pos(2),
		},
		{
			Title: "Researchers release open dataset of 10,000 bird songs", URL: "https://news.example.org/birds",
			Source: "example-news", Published: "2026-11-26", Language: &processor.Language{Code: "en", Confidence: 0.99},
			Summary: &processor.Summary{Text: "A university team published recordings of 10,000 bird songs under an open licence."},
			Stats:   processor.Stats{Words: 198},
			Entities: []processor.Entity{
				{Name: "University of Leeds", Type: "ORG", Mentions: 2, Salience: 0.7},
				{Name: "Aberdeen", Type: "LOC", Mentions: 1, Salience: 0.1},
			},
			Quotes:    []processor.Quote{{Text: "Anyone can now train a model to tell a wren from a robin.", Speaker: "Dr Amal Haddad"}},
			SourcePos: pos(0),
		},
		{
			Title: evilTitle, URL: "javascript:window.__pwned=3",
			Source: "<b>evil</b>", Language: &processor.Language{Code: "en", Confidence: 0.5},
			Summary:   &processor.Summary{Text: `</p><script>window.__pwned=4</script>`},
			Entities:  []processor.Entity{{Name: `<img src=x onerror="window.__pwned=5">`, Type: `PERSON"><script>`, Mentions: 1, Salience: 0.9}},
			Quotes:    []processor.Quote{{Text: `<iframe src="javascript:window.__pwned=6">`, Speaker: "<svg onload=window.__pwned=7>"}},
			SourcePos: pos(1),
		},
	}
}

const evilTitle = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> hostile title`

// tramTitle is the title of the story that storyArticles copies three times.
const tramTitle = "City council approves new tram line to the harbour"

// storyArticles are near-duplicate clusters for the stories panel: the tram
// story in three outlets, and a hostile story in two.
func storyArticles() []processor.Article {
	cp := func(id, cluster, title, source string, sim float64) processor.Article {
		d := &processor.Dedup{Fingerprint: "0f0f", Cluster: cluster}
		if id != cluster {
			dup := cluster
			d.DuplicateOf, d.Similarity = &dup, sim
		}
		return processor.Article{ID: id, Title: title, Source: source, Dedup: d,
			SourcePos: processor.Position{Topic: "articles.raw"}, Stats: processor.Stats{Words: 300}}
	}
	return []processor.Article{
		cp("story-tram", "story-tram", tramTitle, "example-news", 0),
		cp("story-tram-2", "story-tram", "Tram line to the harbour approved by council", "wikinews", 0.94),
		cp("story-evil", "story-evil", evilTitle, "<b>evil</b>", 0),
		cp("story-tram-3", "story-tram", "Council approves harbour tram line", "city-daily", 0.88),
		cp(`story-evil-2<svg onload="window.__pwned=9">`, "story-evil", "copy", `<img src=x onerror="window.__pwned=8">`, 0.9),
	}
}

// readyExpr is true once the page shows articles, entities, quotes and every
// figure of the feeder.
const readyExpr = `(() => {
  const n = (s) => document.querySelectorAll('[data-testid="' + s + '"]').length;
  const txt = (s) => (document.querySelector('[data-testid="' + s + '"]') || {}).textContent || '';
  const num = (s) => /[0-9]/.test(txt(s));
  return document.body.dataset.loaded === 'true' && Number(document.body.dataset.updates) >= 3 &&
    n('article') >= 5 && n('entity') > 0 && n('quote') > 0 && n('top-entity') > 0 &&
    n('lag-row') === 3 && n('dlq-reason') > 0 && n('story') === 2 &&
    num('kpi-enriched-rate') && num('kpi-consumed-rate') && num('kpi-latency-p50') &&
    num('kpi-latency-p99') && num('kpi-lag-total') && num('kpi-dlq-total');
})()`

func TestBrowserStatusPage(t *testing.T) {
	ctx := newBrowser(t)

	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "browser-test")
	if err != nil {
		t.Fatal(err)
	}
	page, err := status.New(reg, status.Options{Title: "newsflow (browser test)", Interval: 250 * time.Millisecond, RateWindow: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(page.Handler())
	defer srv.Close()

	feedCtx, stopFeed := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() { stopFeed(); wg.Wait() }()
	wg.Go(func() {
		if err := page.Run(feedCtx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	wg.Go(func() { feed(feedCtx, m, page) })

	evil, err := json.Marshal(evilTitle)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"the hostile title is shown as text": `[...document.querySelectorAll('[data-testid="article-title"]')].some((e) => e.textContent === ` + string(evil) + `)`,
		"no article markup became elements":  `document.querySelectorAll('#articles script, #articles img, #articles iframe, #articles svg, #articles b').length === 0`,
		"no story markup became elements":    `document.querySelectorAll('#stories script, #stories img, #stories iframe, #stories svg, #stories b').length === 0`,
		"the hostile story title is text":    `[...document.querySelectorAll('[data-testid="story-title"]')].some((e) => e.textContent === ` + string(evil) + `)`,
		"no injected script ran":             `window.__pwned === undefined`,
		"no javascript: link":                `[...document.querySelectorAll('a')].every((a) => a.protocol === 'http:' || a.protocol === 'https:')`,
		"ready pill":                         `document.querySelector('[data-testid="ready"]').textContent === 'ready'`,
		"version":                            `document.querySelector('[data-testid="version"]').textContent === 'browser-test'`,
		"sparklines drawn":                   `document.querySelectorAll('svg.spark path.line').length >= 4`,
		"top entities ranked": `(() => {
		  const rows = [...document.querySelectorAll('[data-testid="top-entity"]')];
		  const counts = rows.map((r) => Number(r.querySelector('.n').textContent));
		  return rows.some((r) => r.querySelector('.name').textContent === 'Maria Keller') &&
		    counts.every((c, i) => c > 0 && (i === 0 || c <= counts[i - 1]));
		})()`,
	}
	tram, err := json.Marshal(tramTitle)
	if err != nil {
		t.Fatal(err)
	}
	checks["the stories panel shows the tram story's 3 copies first"] = `(() => {
	  const s = document.querySelector('[data-testid="story"]');
	  const txt = (id) => s.querySelector('[data-testid="' + id + '"]').textContent;
	  return txt('story-title') === ` + string(tram) + ` && txt('story-count') === '3' &&
	    txt('story-outlets') === 'example-news · wikinews · city-daily' && txt('story-similarity') === '91% similar';
	})()`
	checks["the stories panel says whose share it shows"] = `/this instance/.test(document.querySelector('[data-testid="stories-note"]').textContent)`
	pageCheck(t, ctx, srv.URL+"/", readyExpr, checks, "status-page")
}

// hostileTrendName is the name of an entity of sampleTrends.
const hostileTrendName = `<img src=x onerror="window.__pwned=10"><script>window.__pwned=11</script>`

// sampleTrends is a trends provider, as the app adapts an aggregator's Top:
// two windows of the hour starting at start (Maria Keller trending, the
// council not) and a hostile entity's window of the hour before, still
// open. Maria Keller's count grows with every call.
func sampleTrends(start time.Time) func(int) []status.TrendView {
	var mu sync.Mutex
	calls := 0
	return func(n int) []status.TrendView {
		mu.Lock()
		calls++
		count := 14 + calls
		mu.Unlock()
		end := start.Add(time.Hour)
		ts := []status.TrendView{
			{Name: "Maria Keller", Type: processor.EntityPerson, WindowStart: start, WindowEnd: end, Count: count,
				Baseline: 2.5, Score: 7.3, Trending: true, Articles: []string{"article-0042", "article-0040"}},
			{Name: "City Council", Type: processor.EntityOrg, WindowStart: start, WindowEnd: end, Count: 4,
				Baseline: 3.1, Score: 0.5, Articles: []string{"article-0041"}},
			{Name: hostileTrendName, Type: `PERSON"><script>`, WindowStart: start.Add(-time.Hour), WindowEnd: start, Count: 2,
				Baseline: 2.2, Score: -0.1, Articles: []string{`<svg onload="window.__pwned=12">`}},
		}
		return ts[:min(n, len(ts))]
	}
}

// trendsReadyExpr is true once the page shows the trend windows of
// sampleTrends and the feeder's articles.
const trendsReadyExpr = `(() => {
  const n = (s) => document.querySelectorAll('[data-testid="' + s + '"]').length;
  return document.body.dataset.loaded === 'true' && Number(document.body.dataset.updates) >= 3 &&
    n('trend') === 3 && n('article') >= 5;
})()`

// With a trends provider the top-entity panel shows the aggregation's
// windows, with a visible badge on the trending entity.
func TestBrowserTrendingEntities(t *testing.T) {
	ctx := newBrowser(t)

	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "browser-test")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Truncate(time.Hour)
	page, err := status.New(reg, status.Options{Title: "newsflow (browser test, trends)", Interval: 250 * time.Millisecond,
		RateWindow: 2 * time.Second, Trends: sampleTrends(start)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(page.Handler())
	defer srv.Close()

	feedCtx, stopFeed := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer func() { stopFeed(); wg.Wait() }()
	wg.Go(func() {
		if err := page.Run(feedCtx); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	wg.Go(func() { feed(feedCtx, m, page) })

	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The page shows times of day in the browser's time zone: so does the
	// check.
	hm := func(t time.Time) string {
		return `new Date(` + js(t.Format(time.RFC3339)) + `).toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' })`
	}
	checks := map[string]string{
		"the panel is titled with the latest window": `(() => {
		  const txt = (id) => document.querySelector('[data-testid="' + id + '"]').textContent;
		  return txt('top-title') === 'Trending entities' &&
		    txt('top-window') === 'window ' + ` + hm(start) + ` + '–' + ` + hm(start.Add(time.Hour)) + ` + ' · 1 trending';
		})()`,
		"the trending entity comes first, with a visible badge and its figures": `(() => {
		  const row = document.querySelector('[data-testid="trend"]');
		  const q = (id) => row.querySelector('[data-testid="' + id + '"]');
		  const badge = q('trend-badge');
		  return q('trend-name').textContent === 'Maria Keller' && row.querySelector('.type').textContent === 'PER' &&
		    badge !== null && badge.textContent === 'trending' && badge.offsetWidth > 0 && badge.offsetHeight > 0 &&
		    Number(q('trend-count').textContent) > 14 &&
		    q('trend-baseline').textContent === 'baseline 2.5' && q('trend-score').textContent === 'score +7.3';
		})()`,
		"only the trending entity has the badge": `document.querySelectorAll('[data-testid="trend-badge"]').length === 1`,
		"the older window says which it is": `(() => {
		  const rows = [...document.querySelectorAll('[data-testid="trend"]')];
		  return rows[2].querySelector('.meta').textContent.includes('window ' + ` + hm(start.Add(-time.Hour)) + ` + '–' + ` + hm(start) + `) &&
		    !rows[0].querySelector('.meta').textContent.includes('window');
		})()`,
		"the trends list replaces the ring ranking": `document.getElementById('top-entities').hidden && !document.getElementById('trends').hidden &&
		  !document.querySelector('[data-testid="trends-note"]').hidden && document.querySelectorAll('[data-testid="top-entity"]').length === 0`,
		"the hostile entity is shown as text": `[...document.querySelectorAll('[data-testid="trend-name"]')].some((e) => e.textContent === ` + js(hostileTrendName) + `)`,
		"no trend markup became elements":     `document.querySelectorAll('#trends script, #trends img, #trends iframe, #trends svg, #trends b').length === 0`,
		"no injected script ran":              `window.__pwned === undefined`,
	}
	pageCheck(t, ctx, srv.URL+"/", trendsReadyExpr, checks, "status-page-trends")
}

// feed plays a small engine: every 100 ms it moves the counters, observes
// latencies and an article, and updates lag, until ctx is done.
func feed(ctx context.Context, m *metrics.Metrics, page *status.Page) {
	arts := sampleArticles()
	m.Ready.Set(1)
	for _, a := range storyArticles() {
		page.Observe(&a)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		m.Consumer.Records.WithLabelValues("articles.raw").Add(2)
		m.Engine.Records.WithLabelValues(metrics.OutcomeEnriched).Add(2)
		m.Engine.EndToEndLatency.Observe(0.015 + float64(i%10)*0.004)
		m.Engine.EndToEndLatency.Observe(0.03 + float64(i%7)*0.02)
		if i%9 == 0 {
			m.Engine.Records.WithLabelValues(metrics.OutcomeDeadLettered).Inc()
			m.Engine.DLQRecords.WithLabelValues(processor.ClassInvalidJSON).Inc()
		}
		if i%23 == 0 {
			m.Engine.DLQRecords.WithLabelValues(processor.ClassTooLarge).Inc()
		}
		for p := range 3 {
			m.Consumer.Lag.WithLabelValues("articles.raw", metrics.PartitionLabel(p)).Set(float64((i*(p+3))%40 + p*5))
		}
		m.Engine.InFlight.Set(float64(i % 6))

		a := arts[i%len(arts)] // a copy: the page must not keep it
		a.ID = fmt.Sprintf("article-%04d", i)
		a.SourcePos.Offset = int64(i)
		a.Processing.DurationMS = 3.5 + float64(i%5)
		a.Dedup = &processor.Dedup{Fingerprint: "0f0f", Cluster: a.ID} // each the first of its own cluster
		page.Observe(&a)

		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
