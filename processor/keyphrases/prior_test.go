package keyphrases

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/segment"
)

var update = flag.Bool("update", false, "regenerate data/df-prior.txt from the shared Wikinews data")

// TestGeneratePrior rewrites data/df-prior.txt when run with -update.
func TestGeneratePrior(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate data/df-prior.txt")
	}
	bodies := shareddata.WikinewsBodies(t)
	seg, err := segment.New(segment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{NoPrior: true})
	if err != nil {
		t.Fatal(err)
	}
	df := map[uint64]int{}
	form := map[uint64]string{}
	for _, body := range bodies {
		a := &processor.Article{Text: body}
		seg.Segment(a)
		seen := map[uint64]bool{}
		for _, s := range a.Sentences {
			for k := s.FirstToken; k < s.EndToken; k++ {
				if ok, _ := p.candidateWord(a, k, s.FirstToken, s.EndToken); !ok {
					continue
				}
				w := strings.ToLower(a.SpanText(a.Tokens[k].Span))
				h := wordHash(w)
				if !seen[h] {
					seen[h] = true
					df[h]++
					if f, ok := form[h]; !ok || len(w) < len(f) || len(w) == len(f) && w < f {
						form[h] = w
					}
				}
			}
		}
	}
	var lines []string
	for h, n := range df {
		if n >= 2 && !strings.ContainsAny(form[h], "\t\n") {
			lines = append(lines, fmt.Sprintf("%s\t%d", form[h], n))
		}
	}
	sort.Strings(lines)
	out := fmt.Sprintf("# docs %d\n%s\n", len(bodies), strings.Join(lines, "\n"))
	if err := os.WriteFile(filepath.Join("data", "df-prior.txt"), []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d words", len(lines))
}
