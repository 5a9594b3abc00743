package app_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/dedup"
	"github.com/newsflow/newsflow/processor/trends"
)

// BenchmarkDefaultPipeline runs the enrichment pipeline (every stage,
// encode included) over the bundled 2–5 KB Wikinews samples on one
// goroutine: articles/s per core is 1e9 / ns/op. Run with -cpu 1.
// "full" is the stateless full pipeline; "full+dedup" adds the
// near-duplicate stage (every article a new id, so the table grows as in
// a stream), "full+mentions" the trends mentions stage, "full+state" both,
// as `run` has them by default;
// "core" is decode, clean and stats.
func BenchmarkDefaultPipeline(b *testing.B) {
	for _, name := range []string{"full", "full+dedup", "full+mentions", "full+state", "core"} {
		b.Run(name, func(b *testing.B) {
			recs, err := samples.Articles()
			if err != nil {
				b.Fatal(err)
			}
			o := app.PipelineOptions{Core: name == "core"}
			if name == "full+state" || name == "full+dedup" {
				if o.Dedup, err = dedup.New(dedup.Options{Topic: "changelog"}); err != nil {
					b.Fatal(err)
				}
			}
			if name == "full+state" || name == "full+mentions" {
				if o.Mentions, err = trends.NewMentions(trends.MentionsOptions{Topic: "mentions"}); err != nil {
					b.Fatal(err)
				}
			}
			p, err := app.NewPipeline(nil, o)
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
				r := recs[i%len(recs)]
				raw := r.Value
				if o.Dedup != nil {
					raw = bytes.Replace(raw, r.Key, fmt.Appendf(nil, "%s-%d", r.Key, i), 1)
				}
				out, err := p.Process(b.Context(), &processor.Article{Raw: raw})
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
