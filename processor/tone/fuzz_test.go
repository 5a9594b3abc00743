package tone_test

import (
	"math"
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/processor"
)

// FuzzPipeline fuzzes records through the default pipeline (see
// faults.FuzzPipeline for the shared properties) and checks the tone
// stage's own output.
func FuzzPipeline(f *testing.F) {
	faults.FuzzPipeline(f, func(t *testing.T, a *processor.Article) {
		if a.Tone == nil {
			return
		}
		tn := *a.Tone
		for _, v := range []float64{tn.Positive, tn.Negative, tn.Polarity, tn.Overall, tn.Compound} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("tone has a non-finite value: %+v", tn)
			}
		}
		if tn.Positive < 0 || tn.Positive > 100 || tn.Negative < 0 || tn.Negative > 100 || tn.Compound < -1 || tn.Compound > 1 {
			t.Fatalf("tone out of range: %+v", tn)
		}
	})
}
