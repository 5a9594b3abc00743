package quotes_test

import (
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/processor"
)

// FuzzPipeline fuzzes records through the default pipeline (see
// faults.FuzzPipeline for the shared properties) and checks the quotes
// stage's own output.
func FuzzPipeline(f *testing.F) {
	faults.FuzzPipeline(f, func(t *testing.T, a *processor.Article) {
		for i, q := range a.Quotes {
			if q.Text == "" {
				t.Fatalf("quote %d is empty: %+v", i, q)
			}
		}
	})
}
