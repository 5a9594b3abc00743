package status

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/processor"
)

// benchArticle is a typical enriched article: 25 entities, 4 quotes.
func benchArticle(i int) *processor.Article {
	a := &processor.Article{
		ID: fmt.Sprint("bench-", i), Title: "A reasonably long headline about something that happened today",
		URL: "https://news.example.org/2026/11/29/story", Source: "bench", Published: "2026-11-29",
		Language: &processor.Language{Code: "en", Confidence: 0.99},
		Summary:  &processor.Summary{Text: "Two or three sentences of extractive summary that the summary stage picked from the article text."},
	}
	for j := range 25 {
		a.Entities = append(a.Entities, processor.Entity{Name: fmt.Sprint("Entity ", (i+j)%200), Type: processor.EntityOrg, Mentions: j%4 + 1, Salience: 1 / float64(j+1)})
	}
	for j := range 4 {
		a.Quotes = append(a.Quotes, processor.Quote{Text: fmt.Sprint("A quote of a dozen words or so that someone said, number ", j), Speaker: "Someone"})
	}
	return a
}

func BenchmarkObserve(b *testing.B) {
	p, _, _ := newTestPage(b, Options{})
	arts := make([]*processor.Article, 64)
	for i := range arts {
		arts[i] = benchArticle(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Observe(arts[i%len(arts)])
	}
}

// BenchmarkObserveStories observes articles with dedup results: most the
// first of their cluster, every fourth a copy of a recent one, in a table
// kept full so that new clusters evict old ones.
func BenchmarkObserveStories(b *testing.B) {
	p, _, _ := newTestPage(b, Options{MaxStories: 500})
	arts := make([]*processor.Article, 4096)
	for i := range arts {
		a := benchArticle(i)
		cluster := a.ID
		d := &processor.Dedup{Fingerprint: "f00d", Cluster: cluster}
		if i%4 == 3 {
			d.Cluster = fmt.Sprint("bench-", i-3)
			d.DuplicateOf, d.Similarity = &d.Cluster, 0.9
		}
		a.Dedup = d
		arts[i] = a
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p.Observe(arts[i%len(arts)])
	}
}

func BenchmarkSample(b *testing.B) {
	p, m, clk := newTestPage(b, Options{})
	for i := range 12 {
		m.Consumer.Lag.WithLabelValues("articles.raw", metrics.PartitionLabel(i)).Set(float64(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.Engine.EndToEndLatency.Observe(0.01)
		clk.Advance(time.Second)
		p.sample()
	}
}

func BenchmarkSnapshotJSON(b *testing.B) {
	p, m, clk := newTestPage(b, Options{})
	for i := range 400 { // a full top-entity window, 20 articles kept
		p.Observe(benchArticle(i))
		clk.Advance(time.Second)
	}
	for range 130 { // full sparkline history
		m.Engine.EndToEndLatency.Observe(0.01)
		clk.Advance(time.Second)
		p.sample()
	}
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		body, err := json.Marshal(p.Snapshot())
		if err != nil {
			b.Fatal(err)
		}
		n = len(body)
	}
	b.ReportMetric(float64(n), "bytes/snapshot")
}

// BenchmarkTopEntitiesWorstCase ranks a window whose every bucket is full of
// distinct names (31 × 4096): the most a Snapshot can cost under the lock
// that Observe takes.
func BenchmarkTopEntitiesWorstCase(b *testing.B) {
	w := newEntityWindow(5 * time.Minute)
	now := time.Unix(1_000_000, 0)
	for bucket := range windowBuckets + 1 {
		t := now.Add(time.Duration(bucket-windowBuckets) * w.width)
		for i := range maxKeysPerBucket {
			w.add(t, []entityKey{{name: fmt.Sprint("n", bucket, "-", i), typ: "ORG"}})
		}
	}
	distinct := len(w.total)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(w.top(now, DefaultTopEntities)) != DefaultTopEntities {
			b.Fatal("short ranking")
		}
	}
	b.ReportMetric(float64(distinct), "distinct-names")
}
