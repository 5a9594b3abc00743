package quotes

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// devPath is the dev set with gold quotations (see shared/data/README.md).
const devPath = "../../../shared/data/articles-gold-dev.jsonl"

type devRecord struct {
	ID       string `json:"id"`
	Body     string `json:"body"`
	Entities []struct {
		Text  string `json:"text"`
		Type  string `json:"type"`
		Start int    `json:"start"`
		End   int    `json:"end"`
	} `json:"entities"`
	Quotes []struct {
		Text    string  `json:"text"`
		Speaker *string `json:"speaker"`
		Start   int     `json:"start"`
		End     int     `json:"end"`
	} `json:"quotes"`
	Gold []string `json:"gold"`
}

func readDev(t testing.TB) []devRecord {
	t.Helper()
	f, err := os.Open(devPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("dev set not available at %s (shared data is outside the repository)", devPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []devRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r devRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// byteOffsets maps code-point offsets of s to byte offsets.
func byteOffsets(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}

// goldArticle builds the Article of a dev record with its gold entities
// standing in for the entities stage (one entity per distinct text and type).
func goldArticle(r devRecord) *processor.Article {
	a := article(r.Body)
	off := byteOffsets(r.Body)
	idx := map[string]int{}
	for _, e := range r.Entities {
		if e.Start < 0 || e.End >= len(off) || e.Start >= e.End {
			continue
		}
		typ := e.Type
		switch typ {
		case processor.EntityPerson, processor.EntityOrg, processor.EntityLoc, processor.EntityNORP:
		default:
			typ = processor.EntityMisc
		}
		k := typ + "\x00" + e.Text
		i, ok := idx[k]
		if !ok {
			i = len(a.Entities)
			idx[k] = i
			a.Entities = append(a.Entities, processor.Entity{Name: e.Text, Type: typ})
		}
		a.Entities[i].Spans = append(a.Entities[i].Spans, processor.Span{Start: off[e.Start], End: off[e.End]})
		a.Entities[i].Mentions++
	}
	return a
}

// lastWord is the lower-case last word of a speaker, possessive dropped.
func lastWord(s string) string {
	f := strings.Fields(strings.ToLower(s))
	if len(f) == 0 {
		return ""
	}
	return stem(strings.Trim(f[len(f)-1], ".,;:"))
}

// devScore runs the stage on the dev records with gold quotations and
// returns: gold quotes, found (a predicted quote covers ≥ half of it),
// gold quotes with a speaker, those found, and those found with the right
// speaker (same last word).
func devScore(t *testing.T, recs []devRecord, verbose bool) (gold, found, withSp, spFound, spRight int) {
	return devScoreWith(t, recs, nil, verbose)
}

// devScoreWith is devScore with upstream stages run on each article first
// (nil: gold entities only).
func devScoreWith(t *testing.T, recs []devRecord, upstream func(*processor.Article), verbose bool) (gold, found, withSp, spFound, spRight int) {
	q := New()
	for _, r := range recs {
		if len(r.Quotes) == 0 {
			continue
		}
		a := goldArticle(r)
		if upstream != nil {
			upstream(a)
		}
		got := q.Extract(a)
		cp := func(b int) int { return utf8.RuneCountInString(r.Body[:b]) }
		for _, g := range r.Quotes {
			gold++
			best, bestOv := -1, 0
			for i, p := range got {
				s, e := cp(p.Span.Start), cp(p.Span.End)
				ov := min(e, g.End) - max(s, g.Start)
				if ov > bestOv {
					best, bestOv = i, ov
				}
			}
			ok := best >= 0 && 2*bestOv >= g.End-g.Start
			if ok {
				found++
			} else if verbose {
				t.Logf("%s not found: %q", r.ID, trunc(g.Text))
			}
			if g.Speaker == nil {
				continue
			}
			withSp++
			if !ok {
				if verbose {
					t.Logf("%s MISSED %q (%s)", r.ID, trunc(g.Text), *g.Speaker)
				}
				continue
			}
			spFound++
			p := got[best]
			if lastWord(p.Speaker) == lastWord(*g.Speaker) {
				spRight++
			} else if verbose {
				t.Logf("%s WRONG %q: got %q want %q", r.ID, trunc(g.Text), p.Speaker, *g.Speaker)
			}
		}
	}
	return
}

func trunc(s string) string {
	if len(s) > 50 {
		return s[:50] + "…"
	}
	return s
}

// TestDevQuotes measures quotation recall and speaker accuracy on the dev
// set, with gold entities standing in for the entities stage, and holds
// them above the level reached when the stage was tuned.
func TestDevQuotes(t *testing.T) {
	recs := readDev(t)
	gold, found, withSp, spFound, spRight := devScore(t, recs, true)
	t.Logf("quote span recall %d/%d = %.2f", found, gold, float64(found)/float64(gold))
	t.Logf("speaker accuracy on found quotes with a gold speaker %d/%d = %.2f; on all %d = %.2f",
		spRight, spFound, float64(spRight)/float64(max(spFound, 1)), withSp, float64(spRight)/float64(max(withSp, 1)))
	if gold == 0 || withSp == 0 {
		t.Fatal("no gold quotations in the dev set")
	}
	// Floors a little under the figures reached when the stage was tuned
	// (recall 30/36; speakers 13/13 found, 13/15 overall: the two misses
	// are quotations without quotation marks).
	if r := float64(found) / float64(gold); r < 0.8 {
		t.Errorf("quote span recall %.2f < 0.8", r)
	}
	if acc := float64(spRight) / float64(max(spFound, 1)); acc < 0.9 {
		t.Errorf("speaker accuracy on found quotes %.2f < 0.9", acc)
	}
	if acc := float64(spRight) / float64(withSp); acc < 0.85 {
		t.Errorf("speaker accuracy on all gold quotes with a speaker %.2f < 0.85", acc)
	}
}
