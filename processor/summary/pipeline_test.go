package summary_test

import (
	"context"
	"sync"
	"testing"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/keyphrases"
	"github.com/newsflow/newsflow/processor/language"
	"github.com/newsflow/newsflow/processor/segment"
	"github.com/newsflow/newsflow/processor/summary"
	"github.com/newsflow/newsflow/processor/tone"
)

// textStages builds language → segment → keyphrases → summary → tone as
// processor stages, in the default pipeline's order.
func textStages(t testing.TB) *processor.Pipeline {
	t.Helper()
	lang, err := language.New(language.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := keyphrases.New(keyphrases.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := summary.New(summary.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := tone.New(tone.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := processor.NewPipeline(nil, lang, seg, kp, sum, tn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return p
}

// TestTextStagesTogether runs the stages as the pipeline does, concurrently,
// on English and French articles.
func TestTextStagesTogether(t *testing.T) {
	p := textStages(t)
	en := "A Malian migrant has been hailed a hero after he scaled the front of a building in Paris to save a child hanging from a fourth-floor balcony.\n\nVideo of Mamoudou Gassama's spectacular rescue went viral on social media. President Emmanuel Macron has invited Mr Gassama to the Elysee Palace on Monday to thank him personally."
	fr := "Un migrant malien a été salué comme un héros après avoir escaladé la façade d'un immeuble à Paris pour sauver un enfant suspendu à un balcon du quatrième étage.\n\nLa vidéo du sauvetage spectaculaire de Mamoudou Gassama est devenue virale sur les réseaux sociaux."
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				a := &processor.Article{Text: en}
				out, err := p.Process(t.Context(), a)
				if err != nil || len(out) != 1 {
					t.Errorf("en: %v, %d articles", err, len(out))
					return
				}
				if a.Language.Code != "en" || a.Summary == nil || a.Tone == nil || len(a.Keyphrases) < 5 || len(a.Skipped) != 0 {
					t.Errorf("en article: language %+v summary %+v tone %+v keyphrases %d skipped %+v", a.Language, a.Summary, a.Tone, len(a.Keyphrases), a.Skipped)
					return
				}
				b := &processor.Article{Text: fr}
				if _, err := p.Process(t.Context(), b); err != nil {
					t.Errorf("fr: %v", err)
					return
				}
				if b.Language.Code != "fr" || b.Tone != nil || b.Keyphrases != nil || b.Summary == nil ||
					!b.SkippedStage("tone") || !b.SkippedStage("keyphrases") {
					t.Errorf("fr article: language %+v tone %+v keyphrases %+v summary %v skipped %+v", b.Language, b.Tone, b.Keyphrases, b.Summary != nil, b.Skipped)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// FuzzTextStages: no input makes the text stages fail or panic, and the
// outputs stay within their contracts.
func FuzzTextStages(f *testing.F) {
	f.Add("Mr. Smith said \"Hi.\" Then... Bye!\n\nNext paragraph here, with U.S. 3.5% growth.")
	f.Add("Thursday, May 7, 2015\n\nImage: AFP\n\n\"\"\"“”‘’ ’s 's")
	f.Add("Le gouvernement a annoncé mardi une nouvelle série de mesures.")
	p := textStages(f)
	f.Fuzz(func(t *testing.T, text string) {
		a := &processor.Article{Text: text}
		if _, err := p.Process(t.Context(), a); err != nil {
			t.Fatalf("error: %v", err)
		}
		if a.Summary != nil && (len(a.Summary.Sentences) == 0 || len(a.Summary.Sentences) > 3) {
			t.Fatalf("summary sentences %v", a.Summary.Sentences)
		}
		if len(a.Keyphrases) > 10 {
			t.Fatalf("%d keyphrases", len(a.Keyphrases))
		}
		if a.Tone != nil && (a.Tone.Compound < -1 || a.Tone.Compound > 1) {
			t.Fatalf("compound %v", a.Tone.Compound)
		}
		if a.Language == nil || a.Language.Confidence < 0 || a.Language.Confidence > 1 {
			t.Fatalf("language %+v", a.Language)
		}
	})
}
