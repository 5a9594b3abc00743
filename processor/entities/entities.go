package entities

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// Regenerate the embedded model (about 15 s on one core, 170 MB of memory;
// see NOTICE for the training sets and their terms). Never add
// gum-devdocs: it holds the development gold file's GUM articles, and the
// figures measured on that file must come from a model that never saw
// them (see TestDevGold).
//go:generate go run ../../cmd/newsflow train --data ../../../shared/data/train --sets gum-ccby,wnut17,btc --out model.bin

//go:embed model.bin
var embeddedModel []byte

// Name is the stage name.
const Name = "entities"

// Processor is the entities stage. It is safe for concurrent use; Close
// does nothing.
type Processor struct {
	model *tagger.Model
	pool  sync.Pool // *doc scratch
}

// New returns the stage with the embedded model. It decodes the model
// (about 50 ms and 20 MB of memory, 8 MB of it weights); build it once and
// share it.
func New() (*Processor, error) {
	m, err := tagger.Decode(embeddedModel)
	if err != nil {
		return nil, fmt.Errorf("entities: embedded model: %w", err)
	}
	return NewWithModel(m), nil
}

// NewWithModel returns the stage with a given model (for a retrained one).
func NewWithModel(m *tagger.Model) *Processor {
	p := &Processor{model: m}
	p.pool.New = func() any { return new(doc) }
	return p
}

// Name returns "entities".
func (p *Processor) Name() string { return Name }

// Close does nothing; it exists to satisfy processor.Processor.
func (p *Processor) Close(context.Context) error { return nil }

// LanguageGate returns the middleware the stage runs under: it skips
// articles not in English (nor of unknown language) with the reason
// "language <code>". Use it with processor.Stage.
func LanguageGate() processor.Middleware { return processor.OnlyLanguages("en") }

// Process sets a.Entities from a.Text, whatever its language (see
// LanguageGate). It uses a.Tokens and a.Sentences when the segment stage
// set them, and tokenises the text itself otherwise. Process fails only
// when ctx is done, never on input.
func (p *Processor) Process(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a.Entities = p.Extract(a.Text, a.Tokens, a.Sentences)
	return []*processor.Article{a}, nil
}

// Extract returns the entities of text. tokens and sentences are those of
// the segment stage (byte spans of text); when tokens is empty, text is
// tokenised and split into sentences here. Extract is safe for concurrent
// use.
func (p *Processor) Extract(text string, tokens []processor.Token, sentences []processor.Sentence) []processor.Entity {
	d := p.pool.Get().(*doc)
	defer p.pool.Put(d)
	d.model = p.model
	d.midCaps = nil
	d.lowers = nil
	d.inner = d.inner[:0]
	d.text = text
	d.spans = d.spans[:0]
	d.ends = d.ends[:0]
	if len(tokens) > 0 {
		d.fromSegments(tokens, sentences)
	} else {
		d.spans = tagger.Tokenize(text, d.spans)
		d.words = d.words[:0]
		for _, s := range d.spans {
			d.words = append(d.words, text[s.Start:s.End])
		}
		d.splitSentences()
	}
	if len(d.words) == 0 {
		d.text = ""
		return nil
	}
	d.tags = p.model.Tag(d.words, d.ends, d.tags[:0])
	d.analyse()
	ents := d.group()
	// Drop references into the article before the scratch is reused.
	d.text = ""
	clear(d.words)
	clear(d.inner)
	d.inner = d.inner[:0]
	return ents
}

// fromSegments takes the segment stage's tokens. A token that the tagger's
// tokeniser would split (a clitic "'s", a closing period) is split the
// same way, so the model sees the tokenisation it was trained on. Tokens
// out of range or out of order are ignored.
func (d *doc) fromSegments(tokens []processor.Token, sentences []processor.Sentence) {
	d.words = d.words[:0]
	var tmp [8]tagger.Span
	si := 0
	last := 0 // end of the last token taken: tokens must be ordered
	for ti, t := range tokens {
		if t.Start < last || t.End > len(d.text) || t.Start >= t.End {
			continue
		}
		last = t.End
		w := d.text[t.Start:t.End]
		sub := tagger.Tokenize(w, tmp[:0])
		for _, s := range sub {
			d.spans = append(d.spans, tagger.Span{Start: t.Start + s.Start, End: t.Start + s.End})
			d.words = append(d.words, d.text[t.Start+s.Start:t.Start+s.End])
		}
		for si < len(sentences) && sentences[si].EndToken <= ti+1 {
			if n := len(d.words); len(d.ends) == 0 || d.ends[len(d.ends)-1] < n {
				d.ends = append(d.ends, n)
			}
			si++
		}
	}
	if n := len(d.words); n > 0 && (len(d.ends) == 0 || d.ends[len(d.ends)-1] < n) {
		d.ends = append(d.ends, n)
	}
}

// splitSentences ends a sentence after ".", "!" or "?" followed by a
// capitalised word or an opening quote, and at every line break.
func (d *doc) splitSentences() {
	for i := 0; i+1 < len(d.words); i++ {
		gap := d.text[d.spans[i].End:d.spans[i+1].Start]
		w := d.words[i]
		end := strings.ContainsRune(gap, '\n')
		if !end && (w == "." || w == "!" || w == "?") && gap != "" {
			r := firstRune(d.words[i+1])
			end = unicode.IsUpper(r) || r == '"' || r == '“' || r == '\''
		}
		if end {
			d.ends = append(d.ends, i+1)
		}
	}
	d.ends = append(d.ends, len(d.words))
}

// analyse turns the tags into the document's mentions: decoding, then the
// rules before the consistency pass (names completed over particles,
// initials, nicknames and forenames, names cut off the places they were
// run into, organisation, place and event phrases, units' abbreviations
// after their number, common nouns, known organisations, regions, defined
// acronyms), the pass itself, and the rules that depend on each mention's
// own context or must not feed the pass (roles without names, military
// ranks, country metonymy).
func (d *doc) analyse() {
	d.decode()
	d.fullNames()
	d.splitNames()
	d.orgPhrases()
	d.placePhrases()
	d.unitAcronyms()
	d.commonNouns()
	d.knownOrgNames()
	d.regions()
	d.miscPhrases()
	d.definedAcronyms()
	d.harmonise()
	d.listPlaces()
	d.stormNames()
	d.givenNames()
	d.rolePhrases()
	d.militaryRanks()
	d.metonymy()
}
