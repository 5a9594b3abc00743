package entities_test

import (
	"os"
	"testing"

	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/processor/entities"
)

// BenchmarkExtract measures the stage on the development articles (2.1 KB
// of text on average), tokenising the text itself; it reports µs/article.
func BenchmarkExtract(b *testing.B) {
	f, err := os.Open(dataDir + "/articles-gold-dev.jsonl")
	if err != nil {
		b.Skipf("development gold file not available (%v); skipping", err)
	}
	defer f.Close()
	recs, err := eval.ReadRecords(f)
	if err != nil {
		b.Fatal(err)
	}
	p := newEntities(b)
	bytes := 0
	for _, r := range recs {
		bytes += len(r.Body)
	}
	b.SetBytes(int64(bytes / len(recs)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		r := recs[n%len(recs)]
		n++
		p.Extract(r.Body, nil, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n), "µs/article")
}

// BenchmarkNew measures decoding the embedded model.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := entities.New(); err != nil {
			b.Fatal(err)
		}
	}
}
