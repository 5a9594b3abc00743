// Package language is the "language" stage: it detects the language of an
// article's text and sets Article.Language to its ISO 639-1 code and a
// confidence in [0, 1].
//
// Two detectors work in turn. A function-word fast path (see Detect)
// decides running text in English, French, German, Spanish, Italian,
// Portuguese, Dutch, Swedish, Danish, Norwegian, Polish, Czech, Romanian,
// Turkish, Hungarian, Finnish, Russian and Ukrainian in a few microseconds
// when the evidence is clear.
// Everything else goes to github.com/pemistahl/lingua-go, restricted to the
// languages news comes in (Options.Languages, 25 by default) in its
// low-accuracy (trigram) mode, on a prefix of the text (Options.PrefixBytes,
// 300 bytes by default): about 20 MB of models (lingua with every language
// in high-accuracy mode needs about 2 GB) and roughly a millisecond per
// call. The models are loaded once, by New; a Processor is then safe for
// concurrent use.
//
// When the text has too few letters to tell, or lingua cannot decide, the
// code is "und" with confidence 0 — or the input's language hint, if it
// names a configured language, with confidence 0. English-only stages treat
// "und" as English (see processor.Article.IsEnglish).
package language

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go"

	"github.com/newsflow/newsflow/processor"
)

// Name is the stage name.
const Name = "language"

// Undetermined is the code set when the language cannot be told.
const Undetermined = "und"

// DefaultLanguages returns the ISO 639-1 codes detected by default: 25
// major languages of international news.
func DefaultLanguages() []string {
	return strings.Fields("en fr de es it pt nl sv da nb fi pl cs ro hu tr ru uk el ar he zh ja ko hi")
}

// Options configure the detector.
type Options struct {
	// Languages are the ISO 639-1 codes to tell apart (default
	// DefaultLanguages()). Every code must be one lingua knows; "no" is
	// accepted for Norwegian Bokmål ("nb"). Each language costs about
	// 1–2 MB of models.
	Languages []string
	// PrefixBytes is how much of the text is examined (default 300; the
	// cut falls on a word boundary). Longer is slower and barely more
	// accurate for news.
	PrefixBytes int
	// MinLetters is the number of letters the prefix must hold for a
	// detection (default 12); below it the language is undetermined.
	MinLetters int
	// NoFastPath sends every text to lingua, skipping the function-word
	// fast path (see Detect). Default false.
	NoFastPath bool
	// HighAccuracy uses lingua's high-accuracy mode (all n-gram sizes):
	// better on very short texts, but about 5x the memory and 10x slower.
	// Default false.
	HighAccuracy bool
}

func (o *Options) setDefaults() {
	if o.Languages == nil {
		o.Languages = DefaultLanguages()
	}
	if o.PrefixBytes == 0 {
		o.PrefixBytes = 300
	}
	if o.MinLetters == 0 {
		o.MinLetters = 12
	}
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	if o.PrefixBytes < 0 || o.MinLetters < 0 {
		return errors.New("language: PrefixBytes and MinLetters must not be negative")
	}
	if o.Languages != nil && len(o.Languages) < 2 {
		return errors.New("language: at least two languages are needed")
	}
	return nil
}

// Processor is the language stage. It is safe for concurrent use.
type Processor struct {
	detector lingua.LanguageDetector
	known    map[string]bool // configured ISO 639-1 codes
	fast     *fastTable      // nil when the fast path is off
	opts     Options
}

// New builds the detector and loads its models (about a second).
func New(opts Options) (*Processor, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	codes := make([]lingua.IsoCode639_1, 0, len(opts.Languages))
	known := make(map[string]bool, len(opts.Languages))
	for _, c := range opts.Languages {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "no" {
			c = "nb"
		}
		iso := lingua.GetIsoCode639_1FromValue(c)
		if iso == lingua.UnknownIsoCode639_1 {
			return nil, fmt.Errorf("language: unknown ISO 639-1 code %q", c)
		}
		if !known[c] {
			codes = append(codes, iso)
			known[c] = true
		}
	}
	if len(codes) < 2 {
		return nil, errors.New("language: at least two distinct languages are needed")
	}
	b := lingua.NewLanguageDetectorBuilder().FromIsoCodes639_1(codes...).WithPreloadedLanguageModels()
	if !opts.HighAccuracy {
		b = b.WithLowAccuracyMode()
	}
	p := &Processor{detector: b.Build(), known: known, opts: opts}
	if !opts.NoFastPath {
		p.fast = newFastTable(known)
	}
	return p, nil
}

// Name returns "language".
func (*Processor) Name() string { return Name }

// Close does nothing: lingua's models are released with the detector.
func (*Processor) Close(context.Context) error { return nil }

// Process sets a.Language from a.Text (or, when Text is empty, from the
// title and body).
func (p *Processor) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	text := a.Text
	if strings.TrimSpace(text) == "" {
		text = a.Title + "\n" + a.Body
	}
	a.Language = p.Detect(text, a.LanguageHint)
	return []*processor.Article{a}, nil
}

// Detect returns the language of text. hint, the input's declared
// language, is used only when detection cannot decide.
//
// Running Latin- or Cyrillic-script text is first given to the
// function-word fast path, restricted to the configured languages
// (a few microseconds), which decides only when at least 8 of up to 80
// words, a sixth of them, are function words of one language and at most a
// third as many belong to any other; its confidence is that language's
// share of the function-word hits. Everything else goes to lingua on a
// prefix of Options.PrefixBytes.
func (p *Processor) Detect(text, hint string) *processor.Language {
	if p.fast != nil {
		if code, conf, ok := p.fast.detect(text); ok {
			return &processor.Language{Code: code, Confidence: round3(conf)}
		}
	}
	prefix := cutPrefix(text, p.opts.PrefixBytes)
	if countLetters(prefix) >= p.opts.MinLetters {
		vals := p.detector.ComputeLanguageConfidenceValues(prefix)
		if len(vals) > 0 && vals[0].Value() > 0 {
			code := strings.ToLower(vals[0].Language().IsoCode639_1().String())
			return &processor.Language{Code: code, Confidence: round3(vals[0].Value())}
		}
	}
	hint = strings.ToLower(strings.TrimSpace(hint))
	if len(hint) > 2 && (hint[2] == '-' || hint[2] == '_') {
		hint = hint[:2] // "en-GB"
	}
	if p.known[hint] {
		return &processor.Language{Code: hint, Confidence: 0}
	}
	return &processor.Language{Code: Undetermined, Confidence: 0}
}

// cutPrefix returns at most n bytes of s, cut at the last space before n
// (or at a rune boundary if the prefix has no space).
func cutPrefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if sp := strings.LastIndexAny(s[:cut], " \n\t"); sp > n/2 {
		cut = sp
	}
	return s[:cut]
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

func round3(f float64) float64 {
	return float64(int(f*1000+0.5)) / 1000
}
