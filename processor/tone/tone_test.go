package tone_test

import (
	"math"
	"slices"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/segment"
	"github.com/newsflow/newsflow/processor/tone"
)

func newTone(tb testing.TB) *tone.Processor {
	tb.Helper()
	p, err := tone.New(tone.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func score(t *testing.T, p *tone.Processor, text string) processor.Tone {
	t.Helper()
	a := &processor.Article{Text: text}
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if a.Tone == nil {
		t.Fatalf("no tone for %q", text)
	}
	return *a.Tone
}

// Exact values computed by hand from VADER's formula: compound =
// s/√(s²+15), "good" = 1.9, negation × −0.74, booster +0.293.
func TestCompoundValues(t *testing.T) {
	p := newTone(t)
	norm := func(s float64) float64 { return math.Round(s/math.Sqrt(s*s+15)*1000) / 1000 }
	tests := []struct {
		text string
		want float64
	}{
		{"It was good.", norm(1.9)},              // 0.440
		{"It was not good.", norm(1.9 * -0.74)},  // -0.341
		{"It was very good.", norm(1.9 + 0.293)}, // 0.490
		{"It was not very good.", norm((1.9 + 0.293) * -0.74)},
		{"It was GOOD.", norm(1.9 + 0.733)}, // capitals in a mixed sentence
		{"It was good!", norm(1.9 + 0.292)}, // exclamation
		{"It was good, but it was bad.", norm(1.9*0.5 + -2.5*1.5)},
		{"There was no injury.", norm(-1.8 * -0.74)}, // "no" negates, does not score
		{"The table is wooden.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := score(t, p, tt.text).Compound; math.Abs(got-tt.want) > 0.0011 {
				t.Errorf("compound(%q) = %.3f, want %.3f", tt.text, got, tt.want)
			}
		})
	}
}

func TestPercentages(t *testing.T) {
	p := newTone(t)
	// 5 words: "hero" (+2.6) and "saved" (+1.8) positive → 40 % positive.
	got := score(t, p, "The hero saved the child.")
	want := processor.Tone{Positive: 40, Negative: 0, Polarity: 40, Overall: 40}
	got.Compound = 0
	if got != want {
		t.Fatalf("tone = %+v, want %+v", got, want)
	}
	// Two sentences: 8 words, "killed" negative, "happy" negated → two negative of 8.
	got = score(t, p, "Two men were killed. They were not happy.")
	if got.Negative != 25 || got.Positive != 0 || got.Overall != -25 || got.Compound >= 0 {
		t.Fatalf("tone = %+v", got)
	}
}

// TestSkipsOtherLanguages: under its gate, as in the default pipeline, the
// stage skips a French article.
func TestSkipsOtherLanguages(t *testing.T) {
	p := processor.Stage(newTone(t), tone.LanguageGate())
	a := &processor.Article{Text: "Le conseil a adopté le budget avec joie.", Language: &processor.Language{Code: "fr", Confidence: 0.9}}
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	want := []processor.SkipRecord{{Stage: tone.Name, Reason: "language fr"}}
	if a.Tone != nil || !slices.Equal(a.Skipped, want) {
		t.Fatalf("tone = %+v, skipped = %v, want %v", a.Tone, a.Skipped, want)
	}
}

func TestEmptyAndHostile(t *testing.T) {
	p := newTone(t)
	for _, text := range []string{"", "   ", "!!!!!!!!", "NOT NOT NOT GOOD", "\xff\xfe good"} {
		got := score(t, p, text)
		if math.IsNaN(got.Compound) || got.Compound < -1 || got.Compound > 1 {
			t.Fatalf("tone(%q) = %+v", text, got)
		}
	}
}

func TestLexiconOption(t *testing.T) {
	p, err := tone.New(tone.Options{Lexicon: "splendid\t3.0\n"})
	if err != nil {
		t.Fatal(err)
	}
	if got := score(t, p, "A splendid day."); got.Positive == 0 {
		t.Fatalf("custom lexicon unused: %+v", got)
	}
	for _, bad := range []string{"x\tnotanumber\n", "x\t9\n", "\n"} {
		if _, err := tone.New(tone.Options{Lexicon: bad}); err == nil {
			t.Errorf("lexicon %q accepted", bad)
		}
	}
}

// TestSeedArticle checks the BBC seed article (read from shared data at
// test time, never copied into the repository; skipped without it).
func TestSeedArticle(t *testing.T) {
	raw := shareddata.Seed(t)
	got := score(t, newTone(t), string(raw))
	t.Logf("seed tone: %+v", got)
	// A rescue story: more positive than negative words.
	if got.Overall <= 0 || got.Compound <= 0 {
		t.Errorf("seed tone %+v, want positive", got)
	}
}

func BenchmarkProcess(b *testing.B) {
	seg, err := segment.New(segment.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var arts []*processor.Article
	for _, body := range shareddata.WikinewsBodies(b) {
		if len(body) < 2000 || len(body) > 5000 {
			continue // 2–5 KB articles
		}
		a := &processor.Article{Text: body}
		seg.Segment(a)
		arts = append(arts, a)
	}
	if len(arts) == 0 {
		b.Skip("no 2-5 KB articles")
	}
	p := newTone(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := p.Process(b.Context(), arts[i%len(arts)]); err != nil {
			b.Fatal(err)
		}
	}
}
