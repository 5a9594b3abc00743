package status_test

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/status"
	"github.com/newsflow/newsflow/processor"
)

// fixedTrends is a provider that always returns ts.
func fixedTrends(ts ...status.TrendView) func(int) []status.TrendView {
	return func(n int) []status.TrendView { return ts[:min(n, len(ts))] }
}

func fieldNames(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}

// With a trends provider, /api/status carries the trend windows in a
// "trends" object; without one, "trends" is null and the ring's
// "top_entities" stay.
func TestTrendsAPI(t *testing.T) {
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	keller := status.TrendView{Name: "Maria Keller", Type: processor.EntityPerson, WindowStart: start, WindowEnd: start.Add(time.Hour),
		Count: 14, Baseline: 2.5, Score: 7.273, Trending: true, Articles: []string{"a-17", "a-12", "a-9", "a-3"}}
	council := status.TrendView{Name: "City Council", Type: processor.EntityOrg, WindowStart: start.Add(-time.Hour), WindowEnd: start,
		Count: 3, Baseline: 2, Score: 0.7, Articles: []string{"a-2"}}
	_, srv := newServer(t, status.Options{Trends: fixedTrends(keller, council)})

	resp, body := do(t, http.MethodGet, srv.URL+"/api/status")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var doc struct {
		Trends      json.RawMessage `json:"trends"`
		TopEntities json.RawMessage `json:"top_entities"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := fieldNames(t, doc.Trends), "top,trending,window_end,window_seconds,window_start"; got != want {
		t.Fatalf("trends fields = %s, want %s", got, want)
	}
	var tr struct{ Top []json.RawMessage }
	if err := json.Unmarshal(doc.Trends, &tr); err != nil || len(tr.Top) != 2 {
		t.Fatalf("trends.top = %s (%v), want 2 windows", doc.Trends, err)
	}
	if got, want := fieldNames(t, tr.Top[0]), "articles,baseline,count,final,name,score,trending,type,window_end,window_start"; got != want {
		t.Errorf("trend fields = %s, want %s", got, want)
	}
	if want := `{"name":"Maria Keller","type":"PERSON","window_start":"2026-11-28T10:00:00Z","window_end":"2026-11-28T11:00:00Z",` +
		`"count":14,"baseline":2.5,"score":7.273,"trending":true,"final":false,"articles":["a-17","a-12","a-9"]}`; string(tr.Top[0]) != want {
		t.Errorf("first window =\n%s\nwant\n%s", tr.Top[0], want)
	}
	if string(doc.TopEntities) != "[]" {
		t.Errorf("top_entities = %s, want the (empty) ring ranking still served", doc.TopEntities)
	}

	var s status.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	tv := s.Trends
	if tv.Trending != 1 || tv.WindowStart == nil || !tv.WindowStart.Equal(start) || !tv.WindowEnd.Equal(start.Add(time.Hour)) || *tv.WindowSeconds != 3600 {
		t.Errorf("trends = trending %d, window %v – %v (%v s); want 1 trending, the 10:00–11:00 window of 3600 s",
			tv.Trending, tv.WindowStart, tv.WindowEnd, tv.WindowSeconds)
	}

	// A provider with no open window: an empty list and null headline.
	_, srv2 := newServer(t, status.Options{Trends: fixedTrends()})
	if _, body := do(t, http.MethodGet, srv2.URL+"/api/status"); !strings.Contains(body,
		`"trends":{"top":[],"trending":0,"window_start":null,"window_end":null,"window_seconds":null}`) {
		t.Errorf("no open window: %.300s", body[strings.Index(body, `"trends"`):])
	}
	// No provider: null.
	_, srv3 := newServer(t, status.Options{})
	if _, body := do(t, http.MethodGet, srv3.URL+"/api/status"); !strings.Contains(body, `"trends":null`) {
		t.Errorf("no provider: want \"trends\":null in %.300s", body)
	}
}

func TestTrendDataIsEscaped(t *testing.T) {
	const evilName = `<img src=x onerror=alert(1)><script>alert("trend")</script>`
	const evilType = `PERSON"><script>`
	const evilID = `<svg onload=alert(2)>`
	_, srv := newServer(t, status.Options{Trends: fixedTrends(status.TrendView{
		Name: evilName, Type: evilType, Count: 6, Baseline: 1, Score: 5, Trending: true, Articles: []string{evilID},
		WindowStart: time.Unix(3600, 0), WindowEnd: time.Unix(7200, 0),
	})})

	_, body := do(t, http.MethodGet, srv.URL+"/api/status")
	if strings.ContainsAny(body, "<>") {
		t.Errorf("the JSON snapshot carries raw < or >, want them escaped as \\u003c/\\u003e:\n%.400s", body)
	}
	var s status.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Trends.Top) != 1 {
		t.Fatalf("trends = %+v, want 1 window", s.Trends.Top)
	}
	if v := s.Trends.Top[0]; v.Name != evilName || v.Type != evilType || !slices.Equal(v.Articles, []string{evilID}) {
		t.Errorf("window = %+v, want its data unchanged (the page escapes it)", v)
	}
	_, page := do(t, http.MethodGet, srv.URL+"/")
	if strings.Contains(page, "alert") || strings.Contains(page, "onerror") {
		t.Errorf("the HTML page contains trend data; it must only come through the JSON API")
	}
	if !strings.Contains(page, `id="trends"`) || !strings.Contains(page, `data-testid="trends-note"`) {
		t.Errorf("the page has no trends list with its note")
	}
}

// One NaN or Inf, from a stage or from the trends provider, must not make
// /api/status fail: JSON has no such numbers.
func TestStatusEncodesNonFiniteNumbers(t *testing.T) {
	p, srv := newServer(t, status.Options{Trends: fixedTrends(status.TrendView{
		Name: "Maria Keller", Type: processor.EntityPerson, Count: 5, Baseline: math.NaN(), Score: math.Inf(1), Trending: true,
	})})
	p.Observe(&processor.Article{
		ID:         "nan",
		Title:      "Not a number",
		Language:   &processor.Language{Code: "en", Confidence: math.NaN()},
		Tone:       &processor.Tone{Overall: math.Inf(-1)},
		Processing: processor.Processing{DurationMS: math.NaN()},
	})
	resp, body := do(t, http.MethodGet, srv.URL+"/api/status")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var s status.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if v := s.Trends.Top[0]; v.Baseline != 0 || v.Score != math.MaxFloat64 {
		t.Errorf("baseline, score = %v, %v; want NaN as 0 and +Inf as the largest float", v.Baseline, v.Score)
	}
	if a := s.Articles[0]; a.LanguageConfidence != 0 || a.Tone == nil || *a.Tone != -100 || a.ProcessingMS != 0 {
		t.Errorf("article numbers = confidence %v, tone %v, processing %v ms; want 0, -100, 0", a.LanguageConfidence, a.Tone, a.ProcessingMS)
	}
}
