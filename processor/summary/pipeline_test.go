package summary_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/keyphrases"
	"github.com/newsflow/newsflow/processor/language"
	"github.com/newsflow/newsflow/processor/quotes"
	"github.com/newsflow/newsflow/processor/segment"
	"github.com/newsflow/newsflow/processor/summary"
	"github.com/newsflow/newsflow/processor/tone"
)

// textStages builds the text stages of the default pipeline, in its order
// and under the same middleware: language → segment → entities → quotes →
// keyphrases → summary → tone, the last five under their language gates,
// all under a Timeout.
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
	ents, err := entities.New()
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
	p, err := processor.NewPipeline([]processor.Processor{
		lang,
		seg,
		processor.Stage(ents, entities.LanguageGate()),
		processor.Stage(quotes.New(), quotes.LanguageGate()),
		processor.Stage(kp, keyphrases.LanguageGate()),
		processor.Stage(sum, summary.LanguageGate()),
		processor.Stage(tn, tone.LanguageGate()),
	}, processor.Timeout(time.Minute))
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
// on English, French and Chinese articles (synthetic ones): each language
// gate skips exactly its stage, with the reason the stages gave before the
// gates existed.
func TestTextStagesTogether(t *testing.T) {
	p := textStages(t)
	en := "A volunteer lifeboat crew has been praised after rescuing twelve hikers who were trapped by a flash flood in the Brecon Beacons on Sunday afternoon.\n\n" +
		"Footage of the rescue, filmed by a passing cyclist, has been watched more than a million times online. " +
		"The county council has invited the crew to a reception at Brecon town hall next month to thank them in person."
	fr := "Une équipe de sauveteurs bénévoles a été saluée après avoir secouru douze randonneurs bloqués par une crue soudaine dans les collines dimanche après-midi.\n\n" +
		"La vidéo du sauvetage, filmée par un cycliste de passage, a été vue plus d'un million de fois sur internet."
	zh := "志愿救生队周日下午在山区救出了十二名被突发洪水困住的徒步者。\n\n一名路过的骑车人拍下了救援视频，该视频在网上被观看了一百多万次。"
	skips := func(code string, stages ...string) []processor.SkipRecord {
		var out []processor.SkipRecord
		for _, s := range stages {
			reason := "language " + code
			if s == quotes.Name {
				reason += " is not English"
			}
			out = append(out, processor.SkipRecord{Stage: s, Reason: reason})
		}
		return out
	}
	tests := []struct {
		code, text string
		wantSkip   []processor.SkipRecord
		check      func(a *processor.Article) bool
	}{
		{"en", en, nil, func(a *processor.Article) bool {
			return a.Summary != nil && a.Tone != nil && len(a.Keyphrases) >= 5 && len(a.Entities) > 0
		}},
		{"fr", fr, skips("fr", entities.Name, quotes.Name, keyphrases.Name, tone.Name), func(a *processor.Article) bool {
			return a.Summary != nil && a.Tone == nil && a.Keyphrases == nil && a.Entities == nil
		}},
		{"zh", zh, skips("zh", entities.Name, quotes.Name, keyphrases.Name, summary.Name, tone.Name), func(a *processor.Article) bool {
			return a.Summary == nil && a.Tone == nil && a.Keyphrases == nil && a.Entities == nil
		}},
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				for _, tt := range tests {
					a := &processor.Article{Text: tt.text}
					out, err := p.Process(t.Context(), a)
					if err != nil || len(out) != 1 {
						t.Errorf("%s: %v, %d articles", tt.code, err, len(out))
						return
					}
					if a.Language.Code != tt.code || !slices.Equal(a.Skipped, tt.wantSkip) || !tt.check(a) {
						t.Errorf("%s article: language %+v, skipped %+v (want %+v), summary %v tone %+v keyphrases %d entities %d",
							tt.code, a.Language, a.Skipped, tt.wantSkip, a.Summary != nil, a.Tone, len(a.Keyphrases), len(a.Entities))
						return
					}
				}
			}
		})
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
