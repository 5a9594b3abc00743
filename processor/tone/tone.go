// Package tone is the "tone" stage: a GDELT-style document tone computed
// with the VADER sentiment lexicon and VADER's rules, into Article.Tone.
//
// Each sentence is scored as VADER scores it: every word found in the
// lexicon contributes its valence (−4 … +4), raised by a preceding booster
// ("very", "extremely"; up to three words back, decaying) or lowered by a
// dampener ("slightly", "barely"), raised when written in capitals in a
// sentence that is not all capitals, flipped and scaled by −0.74 when one
// of the three preceding words negates ("not", "never", "no", "without",
// "isn't", …; "no" itself does not score), halved before "but" and raised by half after it; "!" and "?"
// add emphasis. The sentence's compound score is sum/√(sum²+15), in −1 … 1.
//
// Document figures (processor.Tone): Positive and Negative are the
// percentages of the article's words whose final valence (after negation)
// is positive or negative; Polarity is their sum and Overall their
// difference, as GDELT defines tone; Compound is the mean compound score of
// the sentences that hold at least one word.
//
// The lexicon is English: run the stage under LanguageGate (the default
// pipeline does), which skips articles detected as another language with a
// SkipRecord, so that they get no tone. It needs a.Sentences and a.Tokens
// (the segment stage) and segments the article itself when they are
// missing. The lexicon (data/vader_lexicon.txt, MIT, see data/README.md) is
// embedded and parsed once, by New; a Processor is safe for concurrent use.
package tone

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/segment"
	"github.com/newsflow/newsflow/processor/textkey"
)

// Name is the stage name.
const Name = "tone"

//go:embed data/vader_lexicon.txt
var vaderLexicon string

// VADER's constants.
const (
	boostIncr   = 0.293
	boostDecr   = -0.293
	capsIncr    = 0.733
	negScalar   = -0.74
	normAlpha   = 15.0
	butBefore   = 0.5
	butAfter    = 1.5
	exclamIncr  = 0.292
	questIncr   = 0.18
	maxExclaims = 4
)

// Options configure the tone stage. The zero value is ready to use.
type Options struct {
	// Lexicon, when set, replaces the embedded VADER lexicon: lines of
	// "token<TAB>valence[<TAB>…]" with valences in −4 … 4.
	Lexicon string
}

// Processor is the tone stage. It is safe for concurrent use: its tables
// are read-only after New.
type Processor struct {
	words map[string]entry // lexicon, negations and boosters in one table
	seg   *segment.Processor
}

// entry is what the stage knows of a lower-cased word.
type entry struct {
	valence float64 // lexicon valence, 0 if the word does not score
	boost   float64 // booster increment (±0.293), 0 if not a booster
	negates bool    // a negation word
}

// New parses the lexicon and returns the stage.
func New(opts Options) (*Processor, error) {
	src := opts.Lexicon
	if src == "" {
		src = vaderLexicon
	}
	lex, err := parseLexicon(src)
	if err != nil {
		return nil, err
	}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		return nil, err
	}
	words := make(map[string]entry, len(lex)+200)
	for w, v := range lex {
		words[w] = entry{valence: v}
	}
	for _, w := range strings.Fields(negations) {
		e := words[w]
		e.negates = true
		words[w] = e
	}
	for _, list := range []struct {
		words string
		boost float64
	}{{incrementers, boostIncr}, {decrementers, boostDecr}} {
		for _, w := range strings.Fields(list.words) {
			// Boosters modify, they do not score.
			words[w] = entry{boost: list.boost, negates: words[w].negates}
		}
	}
	// "no" negates what follows ("no injuries") rather than scoring itself.
	words["no"] = entry{negates: true}
	return &Processor{words: words, seg: seg}, nil
}

// parseLexicon reads "token<TAB>valence..." lines into a map keyed by the
// lower-cased token.
func parseLexicon(src string) (map[string]float64, error) {
	lex := make(map[string]float64, 8000)
	sc := bufio.NewScanner(strings.NewReader(src))
	line := 0
	for sc.Scan() {
		line++
		fields := strings.SplitN(sc.Text(), "\t", 3)
		if len(fields) < 2 || fields[0] == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(fields[1]), 64)
		if err != nil || v < -4 || v > 4 {
			return nil, fmt.Errorf("tone: lexicon line %d: bad valence %q", line, fields[1])
		}
		lex[strings.ToLower(fields[0])] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tone: reading lexicon: %w", err)
	}
	if len(lex) == 0 {
		return nil, fmt.Errorf("tone: empty lexicon")
	}
	return lex, nil
}

// Name returns "tone".
func (*Processor) Name() string { return Name }

// Close does nothing.
func (*Processor) Close(context.Context) error { return nil }

// LanguageGate returns the middleware the stage runs under: it skips
// articles not in English (nor of unknown language) with the reason
// "language <code>". Use it with processor.Stage.
func LanguageGate() processor.Middleware { return processor.OnlyLanguages("en") }

// Process sets a.Tone, whatever the article's language (see LanguageGate).
// It never fails.
func (p *Processor) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	if a.Sentences == nil && strings.TrimSpace(a.Text) != "" {
		p.seg.Segment(a)
	}
	t := p.Score(a)
	a.Tone = &t
	return []*processor.Article{a}, nil
}

// Score returns the tone of a segmented article.
func (p *Processor) Score(a *processor.Article) processor.Tone {
	var words, pos, neg, scored int
	var compound float64
	vals := make([]float64, 0, 64)
	for _, s := range a.Sentences {
		if s.FirstToken < 0 || s.EndToken > len(a.Tokens) || s.FirstToken >= s.EndToken {
			continue
		}
		var sum float64
		var n int
		vals, sum, n = p.sentence(a.Text, a.Tokens[s.FirstToken:s.EndToken], vals[:0])
		for _, v := range vals {
			switch {
			case v > 0:
				pos++
			case v < 0:
				neg++
			}
		}
		words += n
		if n > 0 {
			compound += normalize(sum)
			scored++
		}
	}
	var t processor.Tone
	if words > 0 {
		t.Positive = round(100 * float64(pos) / float64(words))
		t.Negative = round(100 * float64(neg) / float64(words))
		t.Polarity = round(t.Positive + t.Negative)
		t.Overall = round(t.Positive - t.Negative)
	}
	if scored > 0 {
		t.Compound = round(compound / float64(scored))
	}
	return t
}

// sentence scores one sentence's tokens. It returns the final valence of
// each word (appended to vals), the sentence's emphasised sum, and its word
// count.
func (p *Processor) sentence(text string, toks []processor.Token, vals []float64) ([]float64, float64, int) {
	type context struct {
		negates bool
		boost   float64
	}
	var prev [3]context // the three previous words (0 = nearest)
	var buf [64]byte
	allCaps := sentenceAllCaps(text, toks)
	butAt := -1 // index in vals of the first valence after "but"
	exclaims, questions := 0, 0
	for _, t := range toks {
		w := text[t.Start:t.End]
		if t.Kind != processor.TokenWord {
			switch w {
			case "!":
				exclaims++
			case "?":
				questions++
			}
			continue
		}
		k := textkey.Append(buf[:0], w)
		if string(k) == "but" && butAt < 0 {
			butAt = len(vals)
		}
		e := p.words[string(k)]
		negates := e.negates || hasNotSuffix(k)
		v := e.valence
		if v != 0 {
			if !allCaps && isCaps(w) {
				v += math.Copysign(capsIncr, v)
			}
			for i, decay := range [3]float64{1, 0.95, 0.9} {
				if prev[i].boost != 0 {
					v += math.Copysign(prev[i].boost, v) * decay
				}
			}
			for i := range prev {
				if prev[i].negates {
					v *= negScalar
					break
				}
			}
		} else {
			v = 0
		}
		vals = append(vals, v)
		prev[2], prev[1] = prev[1], prev[0]
		prev[0] = context{negates: negates, boost: e.boost}
	}
	var sum float64
	for i, v := range vals {
		if butAt >= 0 {
			if i < butAt {
				v *= butBefore
			} else {
				v *= butAfter
			}
		}
		sum += v
	}
	if sum != 0 {
		emph := float64(min(exclaims, maxExclaims)) * exclamIncr
		if questions > 1 {
			emph += math.Min(float64(questions)*questIncr, 0.96)
		}
		sum += math.Copysign(emph, sum)
	}
	return vals, sum, len(vals)
}

// hasNotSuffix reports a contracted negation: "isn't", "couldn't".
func hasNotSuffix(k []byte) bool {
	n := len(k)
	return n > 3 && k[n-3] == 'n' && k[n-2] == '\'' && k[n-1] == 't'
}

// isCaps reports whether w is written in capitals (two letters at least).
func isCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

// sentenceAllCaps reports whether every word of the sentence is in
// capitals (then capitals emphasise nothing).
func sentenceAllCaps(text string, toks []processor.Token) bool {
	for _, t := range toks {
		if t.Kind == processor.TokenWord && !isCaps(text[t.Start:t.End]) {
			return false
		}
	}
	return true
}

func normalize(sum float64) float64 {
	c := sum / math.Sqrt(sum*sum+normAlpha)
	return math.Max(-1, math.Min(1, c))
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// VADER's negation words (its NEGATE list), with and without apostrophes,
// plus "no".
const negations = `aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't
daren't didn't doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't
hasn't haven't isn't mightn't mustn't neednt needn't never none nope nor not nothing
nowhere oughtnt shant shouldnt uhuh wasnt werent oughtn't shan't shouldn't uh-uh wasn't
weren't without wont wouldnt won't wouldn't rarely seldom despite no`

// VADER's booster words that raise intensity.
const incrementers = `absolutely amazingly awfully completely considerable considerably decidedly
deeply effing enormous enormously entirely especially exceptional exceptionally extreme
extremely fabulously flipping flippin frackin fracking fricking frickin frigging friggin
fully fuckin fucking fuggin fugging greatly hella highly hugely incredible incredibly
intensely major majorly more most particularly purely quite really remarkably so
substantially thoroughly total totally tremendous tremendously uber unbelievably
unusually utter utterly very`

// VADER's booster words that lower intensity.
const decrementers = `almost barely hardly kinda kindof kind-of less little marginal marginally
occasional occasionally partly scarce scarcely slight slightly somewhat sorta sortof sort-of`
