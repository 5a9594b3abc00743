package entities_test

import (
	"os"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/entities/tagger"
	"github.com/newsflow/newsflow/processor/segment"
)

const dataDir = "../../../shared/data"

// newEntities returns the stage with the embedded model, or with the model
// file named by $NEWSFLOW_NER_MODEL (to score a retrained model).
func newEntities(tb testing.TB) *entities.Processor {
	tb.Helper()
	if path := os.Getenv("NEWSFLOW_NER_MODEL"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := tagger.Decode(b)
		if err != nil {
			tb.Fatal(err)
		}
		return entities.NewWithModel(m)
	}
	p, err := entities.New()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// devPipeline is the default pipeline up to this stage, without language
// detection (the gold articles are English; an article with no detected
// language counts as English).
func devPipeline(tb testing.TB) *processor.Pipeline {
	tb.Helper()
	seg, err := segment.New(segment.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	pl, err := processor.NewPipeline([]processor.Processor{
		processor.NewDecode(processor.DecodeOptions{}), processor.NewClean(), seg,
		processor.Stage(newEntities(tb), entities.LanguageGate()),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return pl
}

// TestDevGold scores the embedded model on the development gold file and
// guards against regressions with floors a little below the measured
// figures. The figures are those of a model that never saw the scored
// articles: the shipped model, trained on gum-ccby, wnut17 and btc without
// gum-devdocs (the dev file's 21 GUM articles). Measured with the rules of
// the third issue 13 rules session: lenient micro-F1 0.834 (GUM 0.829,
// re3d 0.840), strict 0.711; lenient PERSON 0.856, ORG 0.827, LOC 0.817
// (after the second session: 0.824 lenient, 0.700 strict; after the
// first: 0.809 lenient, 0.678 strict; before the issue 13 rules: 0.712
// lenient, 0.600 strict). A model
// trained with those 21 articles scored 0.835 / 0.730 with the older
// rules: floors must never come from such a model.
func TestDevGold(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "articles-gold-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pl := devPipeline(t)
	rep, err := eval.Run(t.Context(), pl, f)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
	e := rep.Entities
	corpusF1 := func(name string) float64 {
		if c := rep.Corpora[name]; c != nil {
			return c.Entities.LenientMicro.F1
		}
		return 0
	}
	floors := []struct {
		name  string
		got   float64
		floor float64
	}{
		{"lenient micro F1", e.LenientMicro.F1, 0.83},
		{"strict micro F1", e.StrictMicro.F1, 0.70},
		{"lenient PERSON F1", e.Lenient["PERSON"].F1, 0.85},
		{"lenient ORG F1", e.Lenient["ORG"].F1, 0.82},
		{"lenient LOC F1", e.Lenient["LOC"].F1, 0.81},
		{"GUM lenient micro F1", corpusF1("gum"), 0.82},
		{"re3d lenient micro F1", corpusF1("re3d"), 0.83},
	}
	for _, fl := range floors {
		if fl.got < fl.floor {
			t.Errorf("%s = %.3f, below the regression floor %.2f", fl.name, fl.got, fl.floor)
		}
	}
}
