package entities_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/segment"
)

// BenchmarkProcess measures the stage alone on the development articles
// (2.1 KB of text and 400 tokens on average), cleaned and segmented
// beforehand as in the pipeline. It reports µs/article and ns/token.
func BenchmarkProcess(b *testing.B) {
	f, err := os.Open(dataDir + "/articles-gold-dev.jsonl")
	if err != nil {
		b.Skipf("development gold file not available (%v); skipping", err)
	}
	defer f.Close()
	recs, err := eval.ReadRecords(f)
	if err != nil {
		b.Fatal(err)
	}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		b.Fatal(err)
	}
	clean := processor.NewClean()
	ctx := context.Background()
	var arts []*processor.Article
	bytes := 0
	for _, r := range recs {
		a := &processor.Article{Body: r.Body}
		if _, err := clean.Process(ctx, a); err != nil {
			b.Fatal(err)
		}
		if _, err := seg.Process(ctx, a); err != nil {
			b.Fatal(err)
		}
		arts = append(arts, a)
		bytes += len(a.Text)
	}
	p := newEntities(b)
	b.SetBytes(int64(bytes / len(arts)))
	b.ResetTimer()
	n, tokens := 0, 0
	for b.Loop() {
		a := arts[n%len(arts)]
		n++
		tokens += len(a.Tokens)
		if _, err := p.Process(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/article")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(tokens), "ns/token")
}

// BenchmarkNew measures decoding the embedded model.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := entities.New(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLargestRecord measures the stage on an article of the largest
// size a record may have by default (processor.DefaultMaxRecordBytes), made
// of thousands of distinct names, storm names and places: the shape that
// makes rules which compare every mention with every other quadratic.
func BenchmarkLargestRecord(b *testing.B) {
	name := func(n int) string {
		const c, v = "bcdfghjklmnprstvz", "aeiou"
		return string([]byte{c[n%17] - 'a' + 'A', v[(n/17)%5], c[(n/85)%17], v[(n/425)%5], c[(n/2125)%17]})
	}
	var sb strings.Builder
	for i := 0; sb.Len() < processor.DefaultMaxRecordBytes-200; i++ {
		fmt.Fprintf(&sb, "The scientist %s %s said, and %s at Ain Issa told Hurricane %s. ", name(2*i), name(2*i+1), name(2*i+1), name(3*i))
	}
	a := &processor.Article{Text: sb.String()}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := seg.Process(ctx, a); err != nil {
		b.Fatal(err)
	}
	p := newEntities(b)
	b.SetBytes(int64(len(a.Text)))
	for b.Loop() {
		if _, err := p.Process(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a.Entities)), "entities")
}
