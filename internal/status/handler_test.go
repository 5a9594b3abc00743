package status_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/internal/status"
	"github.com/newsflow/newsflow/processor"
)

func newServer(t *testing.T, opts status.Options) (*status.Page, *httptest.Server) {
	t.Helper()
	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, "test"); err != nil {
		t.Fatal(err)
	}
	p, err := status.New(reg, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return p, srv
}

func do(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestHandlerRoutesAndMethods(t *testing.T) {
	_, srv := newServer(t, status.Options{})
	tests := []struct {
		method, path string
		code         int
		contentType  string // prefix
		bodyHas      string
	}{
		{"GET", "/", 200, "text/html", `<script src="static/app.js"`},
		{"HEAD", "/", 200, "text/html", ""},
		{"GET", "/static/app.js", 200, "text/javascript", "api/status"},
		{"GET", "/static/style.css", 200, "text/css", ".kpi"},
		{"GET", "/static/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/api/status", 200, "application/json", `"articles":[]`},
		{"HEAD", "/api/status", 200, "application/json", ""},
		{"GET", "/static/", 404, "", ""},
		{"GET", "/static/index.html", 404, "", ""},
		{"GET", "/nope", 404, "", ""},
		{"GET", "/api/status/extra", 404, "", ""},
		{"POST", "/", 405, "", "read-only"},
		{"POST", "/api/status", 405, "", ""},
		{"PUT", "/static/app.js", 405, "", ""},
		{"DELETE", "/api/status", 405, "", ""},
		{"PATCH", "/nope", 405, "", ""},
		{"OPTIONS", "/", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := do(t, tt.method, srv.URL+tt.path)
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.code)
			}
			if tt.code == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want %q", resp.Header.Get("Allow"), "GET, HEAD")
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type = %q, want %q…", ct, tt.contentType)
			}
			if tt.method == "HEAD" && body != "" {
				t.Errorf("HEAD returned a body of %d bytes", len(body))
			}
			if !strings.Contains(body, tt.bodyHas) {
				t.Errorf("body does not contain %q:\n%.300s", tt.bodyHas, body)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy = %q, want self-only scripts", csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options missing")
			}
		})
	}
}

func TestArticleDataIsEscaped(t *testing.T) {
	const evilTitle = `<script>alert("title")</script><img src=x onerror=alert(1)>`
	p, srv := newServer(t, status.Options{Title: `<b>newsroom</b>`})
	p.Observe(&processor.Article{
		ID:       "evil",
		Title:    evilTitle,
		URL:      "javascript:alert(1)",
		Summary:  &processor.Summary{Text: "</script><script>alert(2)</script>"},
		Entities: []processor.Entity{{Name: "<b>Bold</b>", Type: "PERSON\"><script>"}},
		Quotes:   []processor.Quote{{Text: "<iframe src=//evil>", Speaker: "&amp;"}},
	})

	_, body := do(t, "GET", srv.URL+"/api/status")
	if strings.ContainsAny(body, "<>") {
		t.Errorf("the JSON snapshot carries raw < or >, want them escaped as \\u003c/\\u003e:\n%.400s", body)
	}
	var s status.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Articles) != 1 {
		t.Fatalf("articles = %d, want 1", len(s.Articles))
	}
	a := s.Articles[0]
	if a.Title != evilTitle {
		t.Errorf("title = %q, want it unchanged (the page escapes it)", a.Title)
	}
	if a.URL != "" {
		t.Errorf("url = %q, want a javascript: URL dropped", a.URL)
	}

	_, page := do(t, "GET", srv.URL+"/")
	if strings.Contains(page, "<b>newsroom</b>") || !strings.Contains(page, "&lt;b&gt;newsroom&lt;/b&gt;") {
		t.Errorf("the configured title is not HTML-escaped in the page")
	}
	if strings.Contains(page, "evil") || strings.Contains(page, "alert") {
		t.Errorf("the HTML page contains article data; it must only come through the JSON API")
	}

	// The script builds the DOM with textContent only: no HTML parsing sink
	// may appear in it.
	_, js := do(t, "GET", srv.URL+"/static/app.js")
	sinks := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(\s*['"]on|\.srcdoc`)
	if m := sinks.FindAllString(js, -1); len(m) > 0 {
		t.Errorf("app.js uses HTML sinks %v; article data must go through textContent", m)
	}
}

// The page shows the delivery guarantee in force.
func TestGuaranteeIsServed(t *testing.T) {
	_, srv := newServer(t, status.Options{Guarantee: "exactly-once"})
	resp, body := do(t, http.MethodGet, srv.URL+"/api/status")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"guarantee":"exactly-once"`) {
		t.Errorf("status %d, body lacks the guarantee: %.300s", resp.StatusCode, body)
	}
	_, index := do(t, http.MethodGet, srv.URL+"/")
	if !strings.Contains(index, `id="guarantee"`) {
		t.Error("the page has no place for the guarantee")
	}
}

// storyCopy is an article of cluster: its first-seen article when id ==
// cluster, else a near-duplicate of it with similarity sim.
func storyCopy(id, cluster, title, source string, sim float64) *processor.Article {
	d := &processor.Dedup{Fingerprint: "f00d", Cluster: cluster}
	if id != cluster {
		dup := cluster
		d.DuplicateOf, d.Similarity = &dup, sim
	}
	return &processor.Article{ID: id, Title: title, Source: source, Dedup: d}
}

// The stories panel is the "stories" object of /api/status.
func TestStoriesAPI(t *testing.T) {
	p, srv := newServer(t, status.Options{MaxStories: 100})
	p.Observe(storyCopy("tram", "tram", "Council approves tram line", "example-news", 0))
	p.Observe(storyCopy("tram-2", "tram", "Council backs tram", "wikinews", 0.94))
	p.Observe(storyCopy("tram-3", "tram", "Tram line approved", "city-daily", 0.88))
	p.Observe(storyCopy("lone", "lone", "A story nobody copied", "example-news", 0))
	p.Observe(&processor.Article{ID: "unchecked", Title: "No dedup result"})

	_, body := do(t, http.MethodGet, srv.URL+"/api/status")
	var doc struct {
		Stories map[string]json.RawMessage `json:"stories"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]json.RawMessage) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, ",")
	}
	if got, want := keys(doc.Stories), "capacity,evicted,observed,top,tracked"; got != want {
		t.Fatalf("stories fields = %s, want %s", got, want)
	}
	var top []map[string]json.RawMessage
	if err := json.Unmarshal(doc.Stories["top"], &top); err != nil || len(top) != 1 {
		t.Fatalf("stories.top = %s (%v), want one cluster: a single article is not a story", doc.Stories["top"], err)
	}
	if got, want := keys(top[0]), "articles,cluster,first_seen,last_seen,mean_similarity,members,title"; got != want {
		t.Errorf("story fields = %s, want %s", got, want)
	}

	var s status.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	st := s.Stories
	if st.Tracked != 2 || st.Capacity != 100 || st.Observed != 4 || st.Evicted != 0 {
		t.Errorf("counters = tracked %d capacity %d observed %d evicted %d, want 2, 100, 4, 0", st.Tracked, st.Capacity, st.Observed, st.Evicted)
	}
	c := st.Top[0]
	want := []status.StoryMember{{ID: "tram", Source: "example-news"}, {ID: "tram-2", Source: "wikinews", Similarity: 0.94}, {ID: "tram-3", Source: "city-daily", Similarity: 0.88}}
	if c.Cluster != "tram" || c.Title != "Council approves tram line" || c.Articles != 3 || !slices.Equal(c.Members, want) {
		t.Errorf("story = %+v, want the tram cluster of 3 with members %v", c, want)
	}
	if c.MeanSimilarity == nil || *c.MeanSimilarity < 0.909 || *c.MeanSimilarity > 0.911 {
		t.Errorf("mean similarity = %v, want 0.91", c.MeanSimilarity)
	}

	// Before any article: an empty list, not null.
	_, srv2 := newServer(t, status.Options{})
	if _, body := do(t, http.MethodGet, srv2.URL+"/api/status"); !strings.Contains(body, `"stories":{"top":[],"tracked":0,"capacity":2000,"observed":0,"evicted":0}`) {
		t.Errorf("empty stories = %.400s", body[strings.Index(body, `"stories"`):])
	}
}

func TestStoryDataIsEscaped(t *testing.T) {
	const evilTitle = `<script>alert("story")</script><img src=x onerror=alert(1)>`
	const evilID = `<svg onload=alert(2)>`
	p, srv := newServer(t, status.Options{})
	p.Observe(storyCopy(evilID, evilID, evilTitle, `<b>outlet</b>`, 0))
	p.Observe(storyCopy("copy", evilID, "copy", `<iframe src=//evil>`, 0.9))

	_, body := do(t, http.MethodGet, srv.URL+"/api/status")
	if strings.ContainsAny(body, "<>") {
		t.Errorf("the JSON snapshot carries raw < or >, want them escaped as \\u003c/\\u003e:\n%.400s", body)
	}
	var s status.Snapshot
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Stories.Top) != 1 {
		t.Fatalf("stories = %+v, want 1", s.Stories.Top)
	}
	c := s.Stories.Top[0]
	if c.Title != evilTitle || c.Cluster != evilID || c.Members[0].Source != `<b>outlet</b>` || c.Members[1].Source != `<iframe src=//evil>` {
		t.Errorf("story = %+v, want its data unchanged (the page escapes it)", c)
	}
	_, page := do(t, http.MethodGet, srv.URL+"/")
	if strings.Contains(page, "outlet") || strings.Contains(page, "alert") {
		t.Errorf("the HTML page contains story data; it must only come through the JSON API")
	}
	if !strings.Contains(page, `id="stories"`) || !strings.Contains(page, `data-testid="stories-note"`) {
		t.Errorf("the page has no stories panel with its note")
	}
}
