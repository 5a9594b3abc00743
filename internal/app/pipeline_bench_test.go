package app_test

import (
	"testing"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
)

// BenchmarkDefaultPipeline runs the full enrichment pipeline (every stage,
// encode included) over the bundled 2–5 KB Wikinews samples on one
// goroutine: articles/s per core is 1e9 / ns/op. Run with -cpu 1.
func BenchmarkDefaultPipeline(b *testing.B) {
	for _, core := range []bool{false, true} {
		name := "full"
		if core {
			name = "core"
		}
		b.Run(name, func(b *testing.B) {
			recs, err := samples.Articles()
			if err != nil {
				b.Fatal(err)
			}
			p, err := app.NewPipeline(nil, app.PipelineOptions{Core: core})
			if err != nil {
				b.Fatal(err)
			}
			total := 0
			for _, r := range recs {
				total += len(r.Value)
			}
			b.SetBytes(int64(total / len(recs)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out, err := p.Process(b.Context(), &processor.Article{Raw: recs[i%len(recs)].Value})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := processor.Encode(out[0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
		})
	}
}
