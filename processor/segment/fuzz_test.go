package segment_test

import (
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/processor"
)

// FuzzPipeline fuzzes records through the default pipeline (see
// faults.FuzzPipeline for the shared properties) and checks the segment
// stage's own output.
func FuzzPipeline(f *testing.F) {
	faults.FuzzPipeline(f, func(t *testing.T, a *processor.Article) {
		for i := 1; i < len(a.Sentences); i++ {
			if a.Sentences[i].Start < a.Sentences[i-1].End {
				t.Fatalf("sentences %d and %d overlap or are out of order: %+v %+v", i-1, i, a.Sentences[i-1].Span, a.Sentences[i].Span)
			}
		}
		for i, tk := range a.Tokens {
			if tk.Start >= tk.End {
				t.Fatalf("token %d is empty: %+v", i, tk.Span)
			}
			if i > 0 && tk.Start < a.Tokens[i-1].End {
				t.Fatalf("tokens %d and %d overlap or are out of order", i-1, i)
			}
		}
	})
}
