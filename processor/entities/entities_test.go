package entities_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// sample is a synthetic news text: titled names, a short form before the
// full name, a place named with a place word, a city twice.
const sample = "Governor Robert Hayes welcomed Mr Mensah to the State House in Boston on Friday.\n\n" +
	"Boston Mayor Karen Doyle said Kwame Mensah had moved from Ghana in March. Ms Doyle praised him."

// segmentTokens stands in for the segment stage: it tokenises each
// paragraph and makes it one sentence.
func segmentTokens(a *processor.Article) {
	for _, s := range tagger.Tokenize(a.Text, nil) {
		a.Tokens = append(a.Tokens, processor.Token{Span: processor.Span{Start: s.Start, End: s.End}})
	}
	start := 0
	for i := range a.Tokens {
		last := i == len(a.Tokens)-1
		if last || a.Text[a.Tokens[i].End:a.Tokens[i+1].Start] == "\n\n" {
			a.Sentences = append(a.Sentences, processor.Sentence{
				Span:       processor.Span{Start: a.Tokens[start].Start, End: a.Tokens[i].End},
				FirstToken: start, EndToken: i + 1,
			})
			start = i + 1
		}
	}
}

// TestProcess runs the stage under its LanguageGate, as the default
// pipeline does.
func TestProcess(t *testing.T) {
	p := processor.Stage(newEntities(t), entities.LanguageGate())
	tests := []struct {
		name      string
		article   processor.Article
		segment   bool
		wantSkip  bool
		wantNames []string // a subset, with types
		wantTypes []string
	}{
		{
			name:      "english, self-tokenised",
			article:   processor.Article{Text: sample},
			wantNames: []string{"Robert Hayes", "Karen Doyle", "Boston", "Ghana"},
			wantTypes: []string{"PERSON", "PERSON", "LOC", "LOC"},
		},
		{
			name:      "english, segment tokens",
			article:   processor.Article{Text: sample},
			segment:   true,
			wantNames: []string{"Robert Hayes", "Karen Doyle", "Boston", "Ghana"},
			wantTypes: []string{"PERSON", "PERSON", "LOC", "LOC"},
		},
		{
			name:      "undetermined language runs",
			article:   processor.Article{Text: sample, Language: &processor.Language{Code: "und"}},
			wantNames: []string{"Karen Doyle"},
			wantTypes: []string{"PERSON"},
		},
		{
			name:     "french is skipped by the gate",
			article:  processor.Article{Text: "Karen Doyle a remercié Kwame Mensah.", Language: &processor.Language{Code: "fr"}},
			wantSkip: true,
		},
		{name: "empty text", article: processor.Article{}},
		{name: "white space only", article: processor.Article{Text: " \n\n "}},
		{name: "invalid utf-8", article: processor.Article{Text: "Paris \xff\xfe Mali"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.article
			if tc.segment {
				segmentTokens(&a)
			}
			out, err := p.Process(t.Context(), &a)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 1 || out[0] != &a {
				t.Fatalf("Process returned %d articles, want the input", len(out))
			}
			if got := a.SkippedStage("entities"); got != tc.wantSkip {
				t.Errorf("skipped = %v, want %v", got, tc.wantSkip)
			}
			if tc.wantSkip && len(a.Entities) > 0 {
				t.Errorf("skipped article has entities %+v", a.Entities)
			}
			types := map[string]string{}
			for _, e := range a.Entities {
				types[e.Name] = e.Type
				for _, sp := range e.Spans {
					if sp.Start < 0 || sp.End > len(a.Text) || sp.Start >= sp.End {
						t.Errorf("entity %q: bad span %v", e.Name, sp)
					}
				}
			}
			for i, n := range tc.wantNames {
				if types[n] != tc.wantTypes[i] {
					t.Errorf("entity %q: type %q, want %q (all: %v)", n, types[n], tc.wantTypes[i], types)
				}
			}
		})
	}
}

func TestSegmentTokensMatchSelfTokenised(t *testing.T) {
	p := newEntities(t)
	a := processor.Article{Text: sample}
	b := processor.Article{Text: sample}
	segmentTokens(&b)
	// Segment tokens that keep clitics attached are split like the tagger's.
	for i, tok := range b.Tokens {
		if b.Text[tok.Start:tok.End] == "Mensah" && i+1 < len(b.Tokens) {
			b.Tokens[i].End = b.Tokens[i+1].End
			b.Tokens = append(b.Tokens[:i+1], b.Tokens[i+2:]...)
			break
		}
	}
	if _, err := p.Process(t.Context(), &a); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Process(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Entities, b.Entities) {
		t.Errorf("entities differ:\nself-tokenised %+v\nsegment tokens %+v", a.Entities, b.Entities)
	}
}

func TestProcessCancelled(t *testing.T) {
	p := newEntities(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.Process(ctx, &processor.Article{Text: sample}); err == nil {
		t.Error("Process with a cancelled context succeeded")
	}
	if err := p.Close(t.Context()); err != nil {
		t.Errorf("Close: %v", err)
	}
	if p.Name() != "entities" {
		t.Errorf("Name() = %q", p.Name())
	}
}

// The stage on a short text: entities come by salience, with their
// mention counts and aliases.
func Example() {
	p, err := entities.New()
	if err != nil {
		panic(err)
	}
	a := &processor.Article{Text: sample}
	if _, err := p.Process(context.Background(), a); err != nil {
		panic(err)
	}
	for _, e := range a.Entities {
		fmt.Printf("%s %s %d %q\n", e.Type, e.Name, e.Mentions, e.Aliases)
	}
	// Output:
	// PERSON Kwame Mensah 2 ["Mensah" "Mr Mensah"]
	// PERSON Robert Hayes 1 []
	// PERSON Karen Doyle 2 ["Doyle" "Ms Doyle"]
	// LOC Boston 2 []
	// LOC State House 1 []
	// LOC Ghana 1 []
}
