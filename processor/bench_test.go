package processor_test

import (
	"testing"

	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
)

// BenchmarkCoreStages runs decode → clean → stats → encode over the bundled
// 2–5 KB samples; b.SetBytes makes the MB/s comparable with the plumbing.
func BenchmarkCoreStages(b *testing.B) {
	recs, err := samples.Articles()
	if err != nil {
		b.Fatal(err)
	}
	p, err := processor.NewPipeline(nil, processor.NewDecode(processor.DecodeOptions{}), processor.NewClean(), processor.NewStats())
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
		a := &processor.Article{Raw: recs[i%len(recs)].Value}
		out, err := p.Process(b.Context(), a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := processor.Encode(out[0]); err != nil {
			b.Fatal(err)
		}
	}
}
