package keyphrases_test

import (
	"math"
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/processor"
)

// FuzzPipeline fuzzes records through the default pipeline (see
// faults.FuzzPipeline for the shared properties) and checks the keyphrases
// stage's own output.
func FuzzPipeline(f *testing.F) {
	faults.FuzzPipeline(f, func(t *testing.T, a *processor.Article) {
		for i, k := range a.Keyphrases {
			if k.Text == "" || math.IsNaN(k.Score) || math.IsInf(k.Score, 0) {
				t.Fatalf("keyphrase %d is empty or has no finite score: %+v", i, k)
			}
		}
	})
}
