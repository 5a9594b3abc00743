package batch_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/batch"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
)

// BenchmarkRun runs the bundled samples, repeated, through Run (read,
// process on the workers, order, encode, write to io.Discard), on one
// worker and on one per CPU, next to the processing alone on one goroutine
// (what BenchmarkDefaultPipeline of internal/app measures): the articles/s
// of workers=1 against alone is the cost of the plumbing.
func BenchmarkRun(b *testing.B) {
	recs, err := samples.Articles()
	if err != nil {
		b.Fatal(err)
	}
	var jsonl bytes.Buffer
	for _, r := range recs {
		jsonl.Write(r.Value)
		jsonl.WriteByte('\n')
	}
	for _, core := range []bool{false, true} {
		p, err := app.NewPipeline(nil, app.PipelineOptions{Core: core})
		if err != nil {
			b.Fatal(err)
		}
		name := map[bool]string{false: "full", true: "core"}[core]
		// The processing alone, as BenchmarkDefaultPipeline measures it, in
		// the same process for a like-for-like comparison.
		b.Run(name+"/alone", func(b *testing.B) {
			b.SetBytes(int64(jsonl.Len() / len(recs)))
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
		for _, workers := range []int{1, 0} {
			b.Run(fmt.Sprintf("%s/workers=%d", name, workers), func(b *testing.B) {
				// One input of b.N articles: the samples, repeated.
				in := batch.Input{Name: "bench.jsonl", Open: func() (io.ReadCloser, error) {
					return io.NopCloser(&repeat{data: jsonl.Bytes(), lines: b.N, per: len(recs)}), nil
				}}
				b.SetBytes(int64(jsonl.Len() / len(recs)))
				b.ResetTimer()
				st, err := batch.Run(b.Context(), p, []batch.Input{in}, batch.Options{Out: io.Discard, DLQ: io.Discard, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if st.Articles != int64(b.N) {
					b.Fatalf("%d articles, want %d", st.Articles, b.N)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "articles/s")
			})
		}
		p.Close(b.Context())
	}
}

// repeat reads data (per lines) again and again until lines lines were
// read.
type repeat struct {
	data       []byte
	lines, per int
	off        int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.lines <= 0 {
		return 0, io.EOF
	}
	if r.lines < r.per && r.off == 0 {
		// The last, partial pass: only the first lines lines.
		end, n := 0, 0
		for n < r.lines {
			end += bytes.IndexByte(r.data[end:], '\n') + 1
			n++
		}
		r.data, r.per = r.data[:end], r.lines
	}
	k := copy(p, r.data[r.off:])
	r.off += k
	if r.off == len(r.data) {
		r.off = 0
		r.lines -= r.per
	}
	return k, nil
}
