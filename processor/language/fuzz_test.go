package language_test

import (
	"math"
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/processor"
)

// FuzzPipeline fuzzes records through the default pipeline (see
// faults.FuzzPipeline for the shared properties) and checks the language
// stage's own output.
func FuzzPipeline(f *testing.F) {
	faults.FuzzPipeline(f, func(t *testing.T, a *processor.Article) {
		if a.Language == nil || a.Language.Code == "" {
			t.Fatalf("no language detected: %+v", a.Language)
		}
		if c := a.Language.Confidence; math.IsNaN(c) || c < 0 || c > 1 {
			t.Fatalf("language confidence %v outside [0, 1]", c)
		}
	})
}
