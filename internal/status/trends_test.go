package status

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor"
)

var hour = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// window returns a trend of entity name in the hour-long window starting
// at start.
func window(name string, start time.Time, count int, score float64, trending bool) TrendView {
	return TrendView{Name: name, Type: processor.EntityPerson, WindowStart: start, WindowEnd: start.Add(time.Hour),
		Count: count, Baseline: 1, Score: score, Trending: trending, Articles: []string{"a-1"}}
}

func TestBuildTrends(t *testing.T) {
	ids := []string{"a-9", "", "a-8", "a-7", "a-6"}
	long := strings.Repeat("x", 500)
	raw := []TrendView{
		{Name: "  Maria   Keller ", Type: processor.EntityPerson, WindowStart: hour.In(time.FixedZone("CET", 3600)), WindowEnd: hour.Add(time.Hour),
			Count: 9, Baseline: 1.5, Score: 6.1, Trending: true, Articles: ids},
		{Name: "", Type: processor.EntityOrg, Count: 50}, // no name: skipped
		{Name: long, Type: "WEIRD\x00TYPE", WindowStart: hour.Add(-time.Hour), WindowEnd: hour, Count: 3,
			Baseline: math.Inf(1), Score: math.NaN(), Final: true},
		{Name: "Aberdeen", Type: processor.EntityLoc, WindowStart: hour, WindowEnd: hour.Add(time.Hour), Count: 2,
			Baseline: math.NaN(), Score: math.Inf(-1)},
		{Name: "beyond n", Type: processor.EntityMisc, WindowStart: hour.Add(time.Hour), WindowEnd: hour.Add(2 * time.Hour), Count: 1},
	}
	got := buildTrends(raw, 3)

	if len(got.Top) != 3 {
		t.Fatalf("top = %d windows, want 3 (the first three with a name)", len(got.Top))
	}
	m := got.Top[0]
	if m.Name != "Maria Keller" || m.Type != "PERSON" || m.Count != 9 || m.Baseline != 1.5 || m.Score != 6.1 || !m.Trending || m.Final {
		t.Errorf("first window = %+v, want Maria Keller's, clipped and otherwise unchanged", m)
	}
	if want := []string{"a-9", "a-8", "a-7"}; strings.Join(m.Articles, ",") != strings.Join(want, ",") {
		t.Errorf("articles = %q, want the first %d non-empty ids %q", m.Articles, maxTrendArticles, want)
	}
	if !m.WindowStart.Equal(hour) || m.WindowStart.Location() != time.UTC {
		t.Errorf("window start = %v, want %v in UTC", m.WindowStart, hour)
	}
	w := got.Top[1]
	if len(w.Name) > maxNameLen || !strings.HasSuffix(w.Name, "…") || strings.ContainsRune(w.Type, 0) {
		t.Errorf("long name / odd type not clipped: %d bytes, type %q", len(w.Name), w.Type)
	}
	if w.Baseline != math.MaxFloat64 || w.Score != 0 || !w.Final {
		t.Errorf("baseline, score = %v, %v; want +Inf clamped to MaxFloat64 and NaN to 0", w.Baseline, w.Score)
	}
	if a := got.Top[2]; a.Baseline != 0 || a.Score != -math.MaxFloat64 || len(a.Articles) != 0 || a.Articles == nil {
		t.Errorf("Aberdeen = %+v, want NaN baseline 0, -Inf score -MaxFloat64, empty (not nil) articles", a)
	}
	if got.Trending != 1 {
		t.Errorf("trending = %d, want 1", got.Trending)
	}
	// The headline is the latest window shown, not the one of "beyond n".
	if got.WindowStart == nil || !got.WindowStart.Equal(hour) || !got.WindowEnd.Equal(hour.Add(time.Hour)) || *got.WindowSeconds != 3600 {
		t.Errorf("headline window = %v – %v (%v s), want 10:00–11:00 (3600 s)", got.WindowStart, got.WindowEnd, got.WindowSeconds)
	}

	// The views share no memory with the provider's slice.
	ids[0] = "changed"
	raw[0].Articles[2] = "changed"
	if got.Top[0].Articles[0] != "a-9" || got.Top[0].Articles[1] != "a-8" {
		t.Errorf("articles = %q after the provider changed its slice", got.Top[0].Articles)
	}

	if _, err := json.Marshal(got); err != nil {
		t.Errorf("encode: %v", err)
	}
}

func TestBuildTrendsEmpty(t *testing.T) {
	for _, raw := range [][]TrendView{nil, {}, {{Name: " "}}} {
		got := buildTrends(raw, 12)
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"top":[],"trending":0,"window_start":null,"window_end":null,"window_seconds":null}`; string(b) != want {
			t.Errorf("buildTrends(%v) = %s, want %s", raw, b, want)
		}
	}
}

// A window that ends after the year 9999 cannot be encoded as JSON: its
// times are zeroed rather than failing the snapshot.
func TestBuildTrendsTimesOutOfRange(t *testing.T) {
	start := time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC)
	got := buildTrends([]TrendView{{Name: "Y10K", Type: "MISC", WindowStart: start, WindowEnd: start.Add(time.Hour), Count: 1}}, 1)
	if v := got.Top[0]; !v.WindowStart.Equal(start) || !v.WindowEnd.IsZero() {
		t.Errorf("window = %v – %v, want the start kept and the end (year 10000) zeroed", v.WindowStart, v.WindowEnd)
	}
	if *got.WindowSeconds != 0 {
		t.Errorf("window seconds = %v, want 0 for a window without a usable end", *got.WindowSeconds)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("encode: %v", err)
	}
}

func TestFinite(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{
		{1.5, 1.5}, {-2, -2}, {0, 0}, {math.NaN(), 0},
		{math.Inf(1), math.MaxFloat64}, {math.Inf(-1), -math.MaxFloat64},
	} {
		if got := finite(tt.in); got != tt.want {
			t.Errorf("finite(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// The provider is asked for TopEntities windows at most once per second of
// the page clock, however often the page is polled.
func TestSnapshotCallsTrendsOncePerSecond(t *testing.T) {
	var calls, lastN int
	top := func(n int) []TrendView {
		calls++
		lastN = n
		return []TrendView{window("Maria Keller", hour, 4+calls, 5, true)}
	}
	p, _, clk := newTestPage(t, Options{TopEntities: 5, Trends: top})
	for range 3 {
		p.Snapshot()
	}
	s := p.Snapshot()
	if calls != 1 || lastN != 5 {
		t.Fatalf("provider called %d times with n %d, want once with TopEntities 5", calls, lastN)
	}
	if s.Trends == nil || len(s.Trends.Top) != 1 || s.Trends.Top[0].Count != 5 {
		t.Fatalf("trends = %+v, want Maria Keller's window with count 5", s.Trends)
	}
	clk.Advance(time.Second)
	if s := p.Snapshot(); calls != 2 || s.Trends.Top[0].Count != 6 {
		t.Errorf("after a second: %d calls, count %d; want 2 calls, count 6", calls, s.Trends.Top[0].Count)
	}
}

func TestSnapshotWithoutTrends(t *testing.T) {
	p, _, _ := newTestPage(t, Options{})
	p.Observe(article("a", ent("Ada Lovelace", processor.EntityPerson)))
	s := p.Snapshot()
	if s.Trends != nil {
		t.Errorf("trends = %+v, want nil without a provider", s.Trends)
	}
	if len(s.TopEntities) != 1 {
		t.Errorf("top entities = %v, want the ring's ranking", s.TopEntities)
	}
}

// Observe keeps only finite numbers: a NaN or Inf from a stage would
// otherwise make every later snapshot fail to encode.
func TestObserveClampsNonFiniteNumbers(t *testing.T) {
	tests := []struct {
		name                   string
		tone, conf, durationMS float64
		wantTone               *float64 // nil: no tone
		wantConf, wantMS       float64
	}{
		{"finite", -2.5, 0.9, 12.5, fptr(-2.5), 0.9, 12.5},
		{"NaN", math.NaN(), math.NaN(), math.NaN(), nil, 0, 0},
		{"+Inf", math.Inf(1), math.Inf(1), math.Inf(1), fptr(100), 1, math.MaxFloat64},
		{"-Inf", math.Inf(-1), math.Inf(-1), math.Inf(-1), fptr(-100), 0, 0},
		{"out of range", 250, 1.5, -3, fptr(100), 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _, _ := newTestPage(t, Options{})
			a := article("a")
			a.Tone = &processor.Tone{Overall: tt.tone}
			a.Language = &processor.Language{Code: "en", Confidence: tt.conf}
			a.Processing.DurationMS = tt.durationMS
			p.Observe(a)
			s := p.Snapshot()
			v := s.Articles[0]
			if (v.Tone == nil) != (tt.wantTone == nil) || (v.Tone != nil && *v.Tone != *tt.wantTone) {
				t.Errorf("tone = %v, want %v", show(v.Tone), show(tt.wantTone))
			}
			if v.LanguageConfidence != tt.wantConf || v.ProcessingMS != tt.wantMS {
				t.Errorf("confidence, processing ms = %v, %v; want %v, %v", v.LanguageConfidence, v.ProcessingMS, tt.wantConf, tt.wantMS)
			}
			if _, err := json.Marshal(s); err != nil {
				t.Errorf("encode the snapshot: %v", err)
			}
		})
	}
}

func fptr(v float64) *float64 { return &v }

// The provider runs without the page's Observe lock: it may itself lead to
// Observe calls (an aggregator in the same process) while pages are polled
// and articles observed concurrently. Run with -race.
func TestTrendsProviderConcurrency(t *testing.T) {
	var p *Page
	top := func(n int) []TrendView {
		p.Observe(article("from-provider", ent("Maria Keller", processor.EntityPerson)))
		return []TrendView{window("Maria Keller", hour, 7, 6, true)}
	}
	p, _, clk := newTestPage(t, Options{Trends: top})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				switch g % 2 {
				case 0:
					p.Observe(article("a", ent("Aberdeen", processor.EntityLoc)))
				default:
					if i%20 == 0 {
						clk.Advance(time.Second)
					}
					if s := p.Snapshot(); s.Trends == nil || len(s.Trends.Top) != 1 {
						t.Errorf("trends = %+v, want one window", s.Trends)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
