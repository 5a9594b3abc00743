package summary_test

import (
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/processor"
)

// FuzzPipeline fuzzes records through the default pipeline (see
// faults.FuzzPipeline for the shared properties) and checks the summary
// stage's own output: no sentence twice, and a headline summary opens
// with the title.
func FuzzPipeline(f *testing.F) {
	faults.FuzzPipeline(f, func(t *testing.T, a *processor.Article) {
		if a.Summary == nil {
			return
		}
		seen := map[int]bool{}
		for _, i := range a.Summary.Sentences {
			if seen[i] {
				t.Fatalf("summary repeats sentence %d: %v", i, a.Summary.Sentences)
			}
			seen[i] = true
		}
		if title := strings.Join(strings.Fields(a.Title), " "); a.Summary.Headline && (title == "" || !strings.HasPrefix(a.Summary.Text, title)) {
			t.Fatalf("headline summary %q does not open with the title %q", a.Summary.Text, a.Title)
		}
	})
}
