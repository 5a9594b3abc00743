// Package summary is the "summary" stage: a short extractive summary of 1–3
// sentences of the article, lead-biased as news is written.
//
// Sentences that are not story text are never chosen: datelines
// ("Thursday, May 7, 2015"), image credits and captions ("... Image: AFP",
// "Image copyright ..."), headings and caption lines (a paragraph without
// final punctuation), bylines ("By Jane Doe", "Reporting by ..."), site
// notices ("This exclusive interview features first-hand journalism by a
// Wikinews reporter."), questions (interview questions) and fragments of
// fewer than MinSentenceWords words.
// (When no paragraph of the article ends with final punctuation, as from
// feeds that strip it, paragraphs are not judged by it.)
// A dateline or wire prefix at the start of a chosen sentence ("Thursday,
// May 7, 2015 On Tuesday, ...", "PARIS (Reuters) - ...") is left out of the
// summary text.
//
// Each remaining sentence is scored by its position among them (the lead
// weighs most), its centrality (how many of its content words recur in the
// article), its overlap with the title and the salience of the entities it
// mentions (a.Entities, from the entities stage, when it ran before); single-sentence short paragraphs
// (likely captions), sentences opening with a quotation mark and sentences
// in the first or second person (interview answers, quotations) weigh
// less. The weights were chosen by leave-one-out cross-validation on the
// 21 GUM Wikinews articles of the development file (see cv_test.go).
// The best sentence is taken, then the next best ones that are not
// redundant with it while the summary is shorter than MinWords, up to
// MaxSentences and MaxWords. The summary keeps document order.
//
// It needs a.Sentences and a.Tokens (the segment stage); when they are
// missing it segments the article itself. Content words are found with the
// English stop-word list for English (and undetermined) text, and by length
// for other languages, for which the stage runs too: position and
// centrality carry over to any language written with spaces. Chinese,
// Japanese, Korean and Thai are not: run the stage under LanguageGate (the
// default pipeline does), which skips them with a SkipRecord. A Processor
// is safe for concurrent use.
package summary

import (
	"context"
	"errors"
	"strings"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/segment"
)

// Name is the stage name.
const Name = "summary"

// Options configure the summariser; zero fields take their defaults.
type Options struct {
	// MaxSentences is the most sentences in a summary (default 3).
	MaxSentences int
	// MinWords: sentences are added while the summary has fewer words
	// (default 35).
	MinWords int
	// MaxWords: a sentence is not added if the summary would exceed it
	// (default 80); the first sentence is always taken whatever its length.
	MaxWords int
	// MinSentenceWords is the fewest words a sentence needs to be chosen
	// (default 6).
	MinSentenceWords int
}

func (o *Options) setDefaults() {
	if o.MaxSentences == 0 {
		o.MaxSentences = 3
	}
	if o.MinWords == 0 {
		o.MinWords = 35
	}
	if o.MaxWords == 0 {
		o.MaxWords = 80
	}
	if o.MinSentenceWords == 0 {
		o.MinSentenceWords = 6
	}
}

// Validate reports contradictory options.
func (o Options) Validate() error {
	if o.MaxSentences < 0 || o.MinWords < 0 || o.MaxWords < 0 || o.MinSentenceWords < 0 {
		return errors.New("summary: options must not be negative")
	}
	if o.MaxWords > 0 && o.MinWords > o.MaxWords {
		return errors.New("summary: MinWords exceeds MaxWords")
	}
	return nil
}

// Processor is the summary stage. It is safe for concurrent use.
type Processor struct {
	opts Options
	w    weights
	seg  *segment.Processor
	stop map[uint64]struct{} // hashes of English stop words; read-only
}

// New returns a summariser.
func New(opts Options) (*Processor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	seg, err := segment.New(segment.Options{})
	if err != nil {
		return nil, err
	}
	return &Processor{opts: opts, w: defaultWeights(), seg: seg, stop: stopHashes()}, nil
}

// Name returns "summary".
func (*Processor) Name() string { return Name }

// Close does nothing.
func (*Processor) Close(context.Context) error { return nil }

// LanguageGate returns the middleware the stage runs under: it skips
// articles in Chinese, Japanese, Korean and Thai, written without spaces
// between words, with the reason "language <code>". Use it with
// processor.Stage.
func LanguageGate() processor.Middleware { return processor.ExceptLanguages("zh", "ja", "ko", "th") }

// Process sets a.Summary (left nil when the article has no sentence worth
// taking), whatever its language (see LanguageGate). It never fails.
func (p *Processor) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	if a.Sentences == nil && strings.TrimSpace(a.Text) != "" {
		p.seg.Segment(a)
	}
	a.Summary = p.Summarize(a)
	return []*processor.Article{a}, nil
}

// Summarize returns the summary of a segmented article, or nil.
func (p *Processor) Summarize(a *processor.Article) *processor.Summary {
	if len(a.Sentences) == 0 {
		return nil
	}
	d := newDoc(a, p.stop, p.opts.MinSentenceWords, p.w)
	picked := p.pick(d)
	if len(picked) == 0 {
		return nil
	}
	sum := &processor.Summary{Sentences: picked}
	var b strings.Builder
	for i, si := range picked {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d.text(si))
	}
	sum.Text = b.String()
	return sum
}
