// Package keyphrases is the "keyphrases" stage: 5–10 key phrases per
// article (processor.Keyphrase: the phrase as written, a score in (0, 1],
// best first).
//
// Candidates come from the runs of consecutive words of a sentence that are
// neither stop words, numbers, lower-case "-ly" adverbs nor "-ed" verb
// forms (any of those, punctuation or a possessive "'s" ends a run; a
// capitalised stop word inside a name, as in "New York", does not). A run
// is split where capitalisation changes; a capitalised piece (a name) of up
// to MaxWords words is one candidate, and every one- to three-word n-gram
// of another piece is one. The article's entities (a.Entities, when the
// entities stage ran before) are candidates too. A candidate's score is
//
//	(1 + ln tf) × position × idf × length × proper × (1 + salience)
//
// where tf counts its occurrences (an entity's mentions), position is
// 1 + 2/(2 + s) for a first occurrence in sentence s, idf is the mean over
// its words of ln((N+1)/(df+1)) + 1, length favours two- and three-word
// phrases, proper (1.3) favours names, and salience is an entity's. Scores
// are divided by the best one. Occurrences are merged over letter case and
// a plural "s"; a one-word name held by a single longer name ("Gassama" in
// "Mamoudou Gassama") adds its occurrences to it; a phrase that contains a
// better one or shares half its words with one is left out.
//
// Document frequencies df (out of N documents) come from the stream itself:
// every article's distinct candidate words are counted, after it is scored,
// in a count-min sketch of fixed size (2 MiB by default, see Sketch), so
// words common in the stream fade. The sketch starts from a small embedded
// prior (data/df-prior.txt: document frequencies over 147 Wikinews
// articles, see data/README.md) so that the first articles are scored
// sensibly.
//
// The stop-word list is English: run the stage under LanguageGate (the
// default pipeline does), which skips articles detected as another language
// with a SkipRecord. It needs a.Sentences and a.Tokens (the
// segment stage) and segments the article itself when they are missing. A
// Processor is safe for concurrent use; its shared state is the sketch and
// a pool of per-article scratch space.
package keyphrases

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/segment"
)

// Name is the stage name.
const Name = "keyphrases"

//go:embed data/df-prior.txt
var dfPrior string

// Options configure the stage; zero fields take their defaults.
type Options struct {
	// MaxPhrases is the most key phrases per article (default 10).
	MaxPhrases int
	// MinPhrases: phrases scoring under a quarter of the best are dropped,
	// but never below MinPhrases of them (default 5).
	MinPhrases int
	// MaxWords is the longest name candidate, in words (default 4);
	// lower-case phrases have at most three.
	MaxWords int
	// SketchWidth and SketchDepth size the document-frequency sketch
	// (defaults 131072 and 4: 2 MiB).
	SketchWidth, SketchDepth int
	// Window: the sketch halves its counts every Window documents
	// (default 100000), so document frequencies follow the stream.
	Window uint64
	// NoPrior starts the sketch empty instead of from the embedded prior.
	NoPrior bool
}

func (o *Options) setDefaults() {
	if o.MaxPhrases == 0 {
		o.MaxPhrases = 10
	}
	if o.MinPhrases == 0 {
		o.MinPhrases = 5
	}
	if o.MaxWords == 0 {
		o.MaxWords = 4
	}
	if o.SketchWidth == 0 {
		o.SketchWidth = 1 << 17
	}
	if o.SketchDepth == 0 {
		o.SketchDepth = 4
	}
	if o.Window == 0 {
		o.Window = 100000
	}
}

// Validate reports contradictory options.
func (o Options) Validate() error {
	if o.MaxPhrases < 0 || o.MinPhrases < 0 || o.MaxWords < 0 || o.SketchWidth < 0 || o.SketchDepth < 0 {
		return errors.New("keyphrases: options must not be negative")
	}
	if o.MaxPhrases > 0 && o.MinPhrases > o.MaxPhrases {
		return errors.New("keyphrases: MinPhrases exceeds MaxPhrases")
	}
	return nil
}

// Processor is the keyphrases stage.
type Processor struct {
	opts   Options
	seg    *segment.Processor
	sketch *Sketch
	stop   map[uint64]struct{} // plain wordHashes of the stop words; read-only
	// scratch pools *extraction values between articles.
	scratch sync.Pool
}

// New returns the stage with its sketch loaded from the prior.
func New(opts Options) (*Processor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	sk, err := NewSketch(opts.SketchWidth, opts.SketchDepth, opts.Window)
	if err != nil {
		return nil, err
	}
	if !opts.NoPrior {
		if err := loadPrior(sk, dfPrior); err != nil {
			return nil, err
		}
	}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		return nil, err
	}
	stop := make(map[uint64]struct{}, len(stopwords()))
	for w := range stopwords() {
		plain, _ := wordHashes(w)
		stop[plain] = struct{}{}
	}
	return &Processor{opts: opts, seg: seg, sketch: sk, stop: stop}, nil
}

// loadPrior reads "# docs N" and "word<TAB>df" lines into sk.
func loadPrior(sk *Sketch, src string) error {
	sc := bufio.NewScanner(strings.NewReader(src))
	var docs uint64
	one := make([]uint64, 1)
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if rest, ok := strings.CutPrefix(t, "# docs "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 32)
			if err != nil {
				return fmt.Errorf("keyphrases: prior line %d: %w", line, err)
			}
			docs = n
			continue
		}
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		w, n, ok := strings.Cut(t, "\t")
		df, err := strconv.ParseUint(n, 10, 32)
		if !ok || err != nil || w == "" {
			return fmt.Errorf("keyphrases: prior line %d: want word<TAB>count, got %q", line, t)
		}
		one[0] = wordHash(w)
		sk.addN(one, uint32(df), 0)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("keyphrases: reading prior: %w", err)
	}
	sk.addN(nil, 0, docs)
	return nil
}

// Name returns "keyphrases".
func (*Processor) Name() string { return Name }

// Close does nothing.
func (*Processor) Close(context.Context) error { return nil }

// Sketch returns the document-frequency sketch (for metrics and tests).
func (p *Processor) Sketch() *Sketch { return p.sketch }

// LanguageGate returns the middleware the stage runs under: it skips
// articles not in English (nor of unknown language) with the reason
// "language <code>". Use it with processor.Stage.
func LanguageGate() processor.Middleware { return processor.OnlyLanguages("en") }

// Process sets a.Keyphrases, whatever the article's language (see
// LanguageGate), and counts the article's words in the sketch. It never
// fails.
func (p *Processor) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	if a.Sentences == nil && strings.TrimSpace(a.Text) != "" {
		p.seg.Segment(a)
	}
	ex := p.extract(a)
	a.Keyphrases = p.rank(a, ex)
	if len(ex.docWords) > 0 {
		p.sketch.AddDocument(ex.docWords)
	}
	p.release(ex)
	return []*processor.Article{a}, nil
}
