package keyphrases_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/keyphrases"
	"github.com/newsflow/newsflow/processor/segment"
)

func newKP(tb testing.TB, opts keyphrases.Options) *keyphrases.Processor {
	tb.Helper()
	p, err := keyphrases.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func segmented(tb testing.TB, text string) *processor.Article {
	tb.Helper()
	seg, err := segment.New(segment.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	a := &processor.Article{Text: text}
	seg.Segment(a)
	return a
}

func phrases(a *processor.Article) []string {
	var out []string
	for _, k := range a.Keyphrases {
		out = append(out, k.Text)
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const story = `The city council of Springfield approved a new housing plan on Monday.

The housing plan foresees two hundred new homes near the river. Council member Jane Miller said the homes would be affordable.

Opponents of the housing plan fear flooding near the river. Jane Miller rejected the criticism.`

func TestKeyphrases(t *testing.T) {
	p := newKP(t, keyphrases.Options{})
	a := segmented(t, story)
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	got := phrases(a)
	if len(got) < 5 || len(got) > 10 {
		t.Fatalf("got %d phrases %q, want 5..10", len(got), got)
	}
	for _, want := range []string{"housing plan", "Jane Miller", "river"} {
		if !has(got, want) {
			t.Errorf("%q missing from %q", want, got)
		}
	}
	// Near-duplicates: the words of "housing plan" are not repeated alone.
	for _, dup := range []string{"housing", "plan", "Jane", "Miller", "homes"} {
		if has(got, dup) && dup != "homes" {
			t.Errorf("near-duplicate %q kept in %q", dup, got)
		}
	}
	// Plural and singular merge: "home"/"homes" appear once at most.
	n := 0
	for _, g := range got {
		if strings.EqualFold(g, "home") || strings.EqualFold(g, "homes") || strings.HasSuffix(g, " homes") {
			n++
		}
	}
	if n > 1 {
		t.Errorf("home/homes twice in %q", got)
	}
	for i, k := range a.Keyphrases {
		if k.Score <= 0 || k.Score > 1 || i > 0 && k.Score > a.Keyphrases[i-1].Score {
			t.Errorf("scores not in (0,1] descending: %+v", a.Keyphrases)
		}
	}
	if a.Keyphrases[0].Score != 1 {
		t.Errorf("best score %v, want 1", a.Keyphrases[0].Score)
	}
}

func TestEntitiesMerge(t *testing.T) {
	p := newKP(t, keyphrases.Options{})
	a := segmented(t, story)
	a.Entities = []processor.Entity{
		{Name: "Springfield", Type: processor.EntityLoc, Mentions: 1, Salience: 0.9, Spans: []processor.Span{{Start: 21, End: 32}}},
		{Name: "Jane Miller", Type: processor.EntityPerson, Mentions: 2, Salience: 0.8},
	}
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	got := phrases(a)
	if !has(got, "Springfield") || !has(got, "Jane Miller") {
		t.Fatalf("entities missing from %q", got)
	}
	if got[0] != "Jane Miller" && got[0] != "Springfield" && got[0] != "housing plan" {
		t.Errorf("unexpected best phrase %q", got[0])
	}
}

func TestCommonWordsFade(t *testing.T) {
	p := newKP(t, keyphrases.Options{NoPrior: true})
	// "referendum" is in every article of the stream, "lighthouse" only in the last.
	for i := 0; i < 50; i++ {
		a := segmented(t, "The referendum was discussed again by the committee today.")
		if _, err := p.Process(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	a := segmented(t, "The referendum was held. The lighthouse was repaired. The referendum passed. The lighthouse reopened.")
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	got := phrases(a)
	if len(got) == 0 || got[0] != "lighthouse" {
		t.Fatalf("phrases %q: want the rare word first", got)
	}
}

func TestSkipsAndEmpty(t *testing.T) {
	p := newKP(t, keyphrases.Options{})
	// Under its gate, as in the default pipeline, the stage skips French.
	fr := segmented(t, "Le conseil municipal a approuvé un nouveau plan.")
	fr.Language = &processor.Language{Code: "fr", Confidence: 0.9}
	if _, err := processor.Stage(p, keyphrases.LanguageGate()).Process(t.Context(), fr); err != nil {
		t.Fatal(err)
	}
	want := []processor.SkipRecord{{Stage: keyphrases.Name, Reason: "language fr"}}
	if fr.Keyphrases != nil || !slices.Equal(fr.Skipped, want) {
		t.Fatalf("French article: %+v, skipped %v, want %v", fr.Keyphrases, fr.Skipped, want)
	}
	for _, text := range []string{"", "the of and", "!!! ??? ...", strings.Repeat("\"", 1000)} {
		a := &processor.Article{Text: text}
		if _, err := p.Process(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if len(a.Keyphrases) != 0 {
			t.Errorf("%q: phrases %+v", text, a.Keyphrases)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []keyphrases.Options{{MaxPhrases: -1}, {MinPhrases: 11, MaxPhrases: 10}, {SketchWidth: 3}, {SketchDepth: 99}} {
		if _, err := keyphrases.New(o); err == nil {
			t.Errorf("New(%+v) succeeded, want error", o)
		}
	}
}

func TestSketch(t *testing.T) {
	sk, err := keyphrases.NewSketch(1024, 4, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if sk.SizeBytes() != 1024*4*4 {
		t.Fatalf("size %d", sk.SizeBytes())
	}
	// Concurrent documents: counts are never under-estimated.
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := 0; d < 100; d++ {
				sk.AddDocument([]uint64{1, 2, uint64(1000 + d)})
			}
		}()
	}
	wg.Wait()
	if sk.Docs() != 400 {
		t.Fatalf("docs %d, want 400", sk.Docs())
	}
	if c := sk.Count(1); c < 400 {
		t.Fatalf("count(1) = %d, want >= 400", c)
	}
	if c := sk.Count(1050); c < 4 || c > 40 {
		t.Fatalf("count(1050) = %d, want about 4", c)
	}
	// Reaching the window halves everything.
	for d := 0; d < 600; d++ {
		sk.AddDocument([]uint64{1})
	}
	if sk.Docs() != 500 {
		t.Fatalf("docs after halving %d, want 500", sk.Docs())
	}
	if c := sk.Count(1); c < 500 || c > 520 {
		t.Fatalf("count(1) after halving = %d, want about 500", c)
	}
}

// TestSeedArticle checks the BBC seed article (read from shared data at
// test time, never copied into the repository; skipped without it).
func TestSeedArticle(t *testing.T) {
	raw := shareddata.Seed(t)
	p := newKP(t, keyphrases.Options{})
	// As in the pipeline: the engine's clean stage lifts the image
	// credits and captions out of the text first.
	a := &processor.Article{Body: string(raw)}
	if _, err := processor.NewClean().Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seg.Segment(a)
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	got := phrases(a)
	t.Logf("seed keyphrases: %+v", a.Keyphrases)
	if len(got) < 5 || got[0] != "Mamoudou Gassama" {
		t.Errorf("seed keyphrases %q: want 5 or more, Mamoudou Gassama first", got)
	}
	for _, bad := range []string{"Gassama", "Mamoudou", "Image", "caption", "copyright"} {
		if has(got, bad) {
			t.Errorf("%q in %q", bad, got)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	var arts []*processor.Article
	for _, body := range shareddata.WikinewsBodies(b) {
		if len(body) >= 2000 && len(body) <= 5000 { // 2–5 KB articles
			arts = append(arts, segmented(b, body))
		}
	}
	if len(arts) == 0 {
		b.Skip("no 2-5 KB articles")
	}
	p := newKP(b, keyphrases.Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := arts[i%len(arts)]
		if _, err := p.Process(b.Context(), a); err != nil {
			b.Fatal(err)
		}
	}
}
