package status

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/processor"
)

func article(id string, ents ...processor.Entity) *processor.Article {
	return &processor.Article{ID: id, Title: "Title " + id, Entities: ents}
}

func ent(name, typ string) processor.Entity {
	return processor.Entity{Name: name, Type: typ, Mentions: 1}
}

func TestTopEntitiesDecayOutOfWindow(t *testing.T) {
	p, _, clk := newTestPage(t, Options{Window: 5 * time.Minute})
	type row = EntityCount
	steps := []struct {
		name    string
		advance time.Duration
		observe *processor.Article
		want    []row
	}{
		{name: "first article", observe: article("a",
			ent("Ada Lovelace", processor.EntityPerson), ent("BBC", processor.EntityOrg),
			ent("Ada Lovelace", processor.EntityPerson)), // twice in one article: counted once
			want: []row{{"Ada Lovelace", "PERSON", 1}, {"BBC", "ORG", 1}}},
		{name: "second article two minutes later", advance: 2 * time.Minute,
			observe: article("b", ent("Ada Lovelace", processor.EntityPerson), ent("London", processor.EntityLoc)),
			want:    []row{{"Ada Lovelace", "PERSON", 2}, {"BBC", "ORG", 1}, {"London", "LOC", 1}}},
		{name: "first article still inside the window", advance: 3*time.Minute - time.Second,
			want: []row{{"Ada Lovelace", "PERSON", 2}, {"BBC", "ORG", 1}, {"London", "LOC", 1}}},
		{name: "first article out of the window", advance: 11 * time.Second,
			want: []row{{"Ada Lovelace", "PERSON", 1}, {"London", "LOC", 1}}},
		{name: "everything out of the window", advance: 2*time.Minute + 11*time.Second,
			want: []row{}},
		{name: "new article after a gap", advance: time.Hour,
			observe: article("c", ent("Paris", processor.EntityLoc)),
			want:    []row{{"Paris", "LOC", 1}}},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if st.observe != nil {
			p.Observe(st.observe)
		}
		got := p.Snapshot().TopEntities
		if fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("%s: top entities = %v, want %v", st.name, got, st.want)
		}
	}
}

func TestTopEntitiesLimitAndBucketCap(t *testing.T) {
	p, _, _ := newTestPage(t, Options{TopEntities: 3})
	for i := range 10 {
		var ents []processor.Entity
		for j := 0; j <= i; j++ {
			ents = append(ents, ent(fmt.Sprintf("E%02d", j), processor.EntityOrg))
		}
		p.Observe(article(fmt.Sprint(i), ents...))
	}
	got := p.Snapshot().TopEntities
	want := []EntityCount{{"E00", "ORG", 10}, {"E01", "ORG", 9}, {"E02", "ORG", 8}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("top 3 = %v, want %v", got, want)
	}

	// A flood of distinct names is capped per bucket.
	w := newEntityWindow(time.Minute)
	now := time.Unix(1000, 0)
	for i := range maxKeysPerBucket + 500 {
		w.add(now, []entityKey{{name: fmt.Sprint("n", i), typ: "MISC"}})
	}
	if n := len(w.top(now, 1<<20)); n != maxKeysPerBucket {
		t.Errorf("distinct entities kept in one bucket = %d, want the cap %d", n, maxKeysPerBucket)
	}
}

func TestArticleRingIsBounded(t *testing.T) {
	p, _, _ := newTestPage(t, Options{MaxArticles: 3})
	p.Observe(nil) // ignored
	for i := range 10 {
		p.Observe(article(fmt.Sprint(i)))
	}
	s := p.Snapshot()
	var ids []string
	for _, a := range s.Articles {
		ids = append(ids, a.ID)
	}
	if got := strings.Join(ids, ","); got != "9,8,7" {
		t.Errorf("articles = %s, want the 3 newest, newest first: 9,8,7", got)
	}
	if s.ArticlesObserved != 10 {
		t.Errorf("articles observed = %d, want 10", s.ArticlesObserved)
	}
}

func TestObserveCopiesABoundedSummary(t *testing.T) {
	text := "He said: \"We will win.\" Then she said \"No.\""
	a := &processor.Article{
		ID:        "id-1",
		Title:     strings.Repeat("é", 1000),
		URL:       "https://example.org/news/1?x=<y>",
		Source:    "  wiki\nnews  ",
		Published: "2026-11-29",
		Language:  &processor.Language{Code: "en", Confidence: 0.97},
		Text:      text,
		Summary:   &processor.Summary{Text: "A summary."},
		Tone:      &processor.Tone{Overall: -1.25},
		Dedup:     &processor.Dedup{DuplicateOf: ptr("id-0"), Cluster: "id-0"},
		Stats:     processor.Stats{Words: 9},
		Quotes: []processor.Quote{
			{Text: text[10:22], Speaker: "He"}, {Text: "  "}, {Text: "No."}, {Text: "q3"}, {Text: "q4"},
		},
		Keyphrases: []processor.Keyphrase{{Text: "win"}, {Text: "no"}},
		SourcePos:  processor.Position{Topic: "articles.raw", Partition: 2, Offset: 41},
		Skipped:    []processor.SkipRecord{{Stage: "tone", Reason: "not English"}},
	}
	for i := range 20 {
		a.Entities = append(a.Entities, processor.Entity{Name: fmt.Sprint("E", i), Type: processor.EntityMisc, Salience: float64(i) / 20, Mentions: i})
	}
	a.Entities = append(a.Entities, processor.Entity{Name: "  ", Type: processor.EntityMisc, Salience: 1})

	v, keys := summarize(a, time.Unix(0, 0))
	if len(v.Title) > maxTitleLen || !utf8.ValidString(v.Title) || !strings.HasSuffix(v.Title, "…") {
		t.Errorf("title: %d bytes, valid UTF-8 %v, want at most %d bytes, valid, ending with an ellipsis", len(v.Title), utf8.ValidString(v.Title), maxTitleLen)
	}
	if v.Source != "wiki news" {
		t.Errorf("source = %q, want white space collapsed: %q", v.Source, "wiki news")
	}
	if v.URL != "https://example.org/news/1?x=<y>" { // set as an href property, never parsed as HTML
		t.Errorf("url = %q", v.URL)
	}
	if len(v.Entities) != maxEntitiesShown || v.Entities[0].Name != "E19" || v.EntityCount != 21 {
		t.Errorf("entities = %v (count %d), want the %d most salient named ones first, count 21", v.Entities, v.EntityCount, maxEntitiesShown)
	}
	if len(v.Quotes) != maxQuotesShown || v.Quotes[0] != (QuoteView{Text: "We will win.", Speaker: "He"}) || v.Quotes[1].Text != "No." || v.QuoteCount != 5 {
		t.Errorf("quotes = %+v (count %d), want the first 3 non-empty ones", v.Quotes, v.QuoteCount)
	}
	if v.Language != "en" || v.Tone == nil || *v.Tone != -1.25 || v.DuplicateOf != "id-0" || v.Position.Partition != 2 || v.Position.Offset != 41 {
		t.Errorf("summary fields = %+v", v)
	}
	if len(v.Skipped) != 1 || v.Skipped[0] != "tone" || len(v.Keyphrases) != 2 {
		t.Errorf("skipped = %v keyphrases = %v", v.Skipped, v.Keyphrases)
	}
	if len(keys) != 20 {
		t.Errorf("entity keys = %d, want the 20 named entities", len(keys))
	}
	if v.Summary != "A summary." || v.SummaryIsLead {
		t.Errorf("summary = %q (lead %v), want the summary stage's text", v.Summary, v.SummaryIsLead)
	}
	a.Summary = nil
	if v, _ := summarize(a, time.Unix(0, 0)); v.Summary != a.Text || !v.SummaryIsLead {
		t.Errorf("summary without a summary stage = %q (lead %v), want the start of the text", v.Summary, v.SummaryIsLead)
	}
	// Changing the article afterwards must not change the copy.
	a.Entities[19].Name = "changed"
	if v.Entities[0].Name != "E19" {
		t.Errorf("the view shares memory with the article")
	}
}

func TestClipAndSafeURL(t *testing.T) {
	clips := []struct {
		in   string
		n    int
		want string
	}{
		{"", 10, ""},
		{"  short  ", 10, "short"},
		{"a\tb\n\nc", 10, "a b c"},
		{"abcdefghijkl", 10, "abcdefg…"},
		{"ééééé", 6, "é…"},
		{"bad \xff byte", 20, "bad \uFFFD byte"},
		{"ctrl\x00\x07chars", 20, "ctrl chars"},
		{"word  word", 9, "word word"},
		{"word  word", 8, "word…"},
		{"\xff\xff\xff", 6, "\uFFFD…"},
	}
	for _, tt := range clips {
		if got := clip(tt.in, tt.n); got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
	urls := []struct{ in, want string }{
		{"https://example.org/a", "https://example.org/a"},
		{"http://example.org", "http://example.org"},
		{"javascript:alert(1)", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"//example.org/protocol-relative", ""},
		{"/relative", ""},
		{"https://", ""},
		{"http://[::1", ""},
		{"https://example.org/" + strings.Repeat("x", maxURLLen), ""},
	}
	for _, tt := range urls {
		if got := safeURL(tt.in); got != tt.want {
			t.Errorf("safeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"zero value: defaults", Options{}, true},
		{"explicit", Options{Title: "x", MaxArticles: 5, Window: time.Minute, Interval: 500 * time.Millisecond}, true},
		{"negative articles", Options{MaxArticles: -1}, false},
		{"too many articles", Options{MaxArticles: maxMaxArticles + 1}, false},
		{"negative window", Options{Window: -time.Second}, false},
		{"interval longer than the rate window", Options{Interval: 10 * time.Second, RateWindow: 5 * time.Second}, false},
		{"interval longer than the latency window", Options{Interval: 2 * time.Minute, LatencyWindow: time.Minute, RateWindow: 5 * time.Minute}, false},
		{"too many samples", Options{Interval: time.Millisecond, LatencyWindow: time.Hour}, false},
		{"too much history", Options{History: maxHistory + 1}, false},
		{"negative top entities", Options{TopEntities: -3}, false},
		{"stories at the cap", Options{MaxStories: maxMaxStories}, true},
		{"negative stories", Options{MaxStories: -1}, false},
		{"too many stories", Options{MaxStories: maxMaxStories + 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if _, err := New(prometheus.NewRegistry(), tt.opts); (err == nil) != tt.ok {
				t.Fatalf("New() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Errorf("New(nil Gatherer) succeeded, want an error")
	}
}

// A time read a little before a newer one (two goroutines reading the clock
// before taking the lock) must not expire the newer bucket.
func TestEntityWindowOutOfOrderTimes(t *testing.T) {
	w := newEntityWindow(30 * time.Second)
	t0 := time.Unix(1_800_000_000, 0)
	k := []entityKey{{"Paris", "LOC"}}
	w.add(t0.Add(3*time.Second), k)
	w.add(t0, k) // older, within the window
	if got := w.top(t0.Add(3*time.Second), 5); len(got) != 1 || got[0].Articles != 2 {
		t.Fatalf("top = %+v, want Paris in 2 articles", got)
	}
	// A clock that went back by more than a window starts afresh.
	w.add(t0.Add(-time.Hour), k)
	if got := w.top(t0.Add(-time.Hour), 5); len(got) != 1 || got[0].Articles != 1 {
		t.Fatalf("after the clock went back: top = %+v, want Paris in 1 article", got)
	}
}

func ptr(s string) *string { return &s }
