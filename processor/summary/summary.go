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
// An interview in question-and-answer layout (at least two paragraphs
// ending with a question) has no lead to extract: its sentences are answers
// that say neither who speaks nor what about. Its summary opens with the
// title (Summary.Headline), when the title has at least four words and no
// chosen sentence already holds half of its content words; the title's
// words count towards MinWords.
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
	"unicode"
	"unicode/utf8"

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
	head := p.headline(d)
	if head != "" {
		d.lead = countWords(head)
	}
	picked := p.pick(d)
	if head != "" && p.repeatsTitle(d, picked) {
		head, d.lead = "", 0
		picked = p.pick(d)
	}
	if len(picked) == 0 {
		return nil
	}
	sum := &processor.Summary{Sentences: picked, Headline: head != ""}
	var b strings.Builder
	if head != "" {
		b.WriteString(head)
	}
	for _, si := range picked {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(d.text(si))
	}
	sum.Text = b.String()
	return sum
}

// headline returns the title, with final punctuation, when the summary of d
// opens with it: an interview in question-and-answer layout, whose story
// sentences are answers that do not say who speaks or what about, under a
// title of at least four words that does (“Interview with LibriVox founder
// Hugh McGuire”). Otherwise it returns "".
func (p *Processor) headline(d *doc) string {
	if p.w.interview == 0 || d.questions < p.w.interview {
		return ""
	}
	t := strings.Join(strings.Fields(d.a.Title), " ")
	if n := countWords(t); n < 4 || n > p.opts.MaxWords || strings.ContainsAny(t, "<>") {
		return ""
	}
	if r, _ := utf8.DecodeLastRuneInString(t); !strings.ContainsRune(".!?…", r) {
		t += "."
	}
	return t
}

// repeatsTitle reports whether a picked sentence says what the title says
// (it has at least half of the title's content words), which makes a
// headline superfluous: the interview has an introduction to extract.
func (p *Processor) repeatsTitle(d *doc, picked []int) bool {
	if len(d.title) == 0 {
		return false
	}
	for _, i := range picked {
		if 2*titleHits(d.title, d.sents[i].content) >= len(d.title) {
			return true
		}
	}
	return false
}

// countWords counts the runs of letters or digits in s.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		w := unicode.IsLetter(r) || unicode.IsDigit(r)
		if w && !in {
			n++
		}
		in = w
	}
	return n
}
