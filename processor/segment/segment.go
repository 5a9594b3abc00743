// Package segment is the "segment" stage: it splits an article's clean text
// into sentences and tokens with UTF-8 byte spans into Article.Text.
//
// Paragraphs come from Article.Paragraphs (set by the clean stage); when
// they are nil, segment splits Text on blank lines itself and sets
// Article.Paragraphs. Sentences never cross a paragraph; a newline inside a
// paragraph ends a sentence when the next line does not start in lowercase
// (caption and heading lines stay apart).
//
// Sentence boundaries know abbreviations ("Mr.", "Dr.", "Gen.", "Jan.",
// "St."), initials ("J. K. Rowling"), acronyms ("U.S.", "a.m."), decimals,
// URLs and e-mail addresses, ellipses and closing quotation marks: a
// sentence ending inside quotes (`."` or `.”`) ends after the quote, and
// `"Why?" he asked` stays one sentence.
//
// Tokens: words keep internal apostrophes, hyphens and periods
// ("four-year-old", "U.S.", "3.5", "1,000"), and abbreviations and initials
// keep their final period ("Mr.", "J."); a possessive or contraction
// "'s"/"’s" is its own token ("Gassama" + "'s"), as NER training data has
// it; punctuation and quotation marks are single tokens, except "...", "--"
// and runs of them; URLs, e-mail addresses, @handles and #hashtags are one
// TokenSymbol each; numbers are TokenNumber.
//
// Text written without spaces between words (Chinese, Japanese, Thai) gets
// one token per run of letters; its sentences still end at 。！？. Devanagari
// "।" and Arabic "؟" end sentences too. Invisible format characters
// (direction marks) make no token.
//
// The stage never fails and never panics on any input; invalid UTF-8 bytes
// become one-byte symbol tokens. A Processor is safe for concurrent use.
package segment

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// Name is the stage name.
const Name = "segment"

// Options configure the segmenter. The zero value is ready to use.
type Options struct {
	// Abbreviations are extra abbreviations, without their period ("Gov",
	// "Univ"), added to the built-in English list. A sentence ends after one
	// of them only when a usual sentence opener ("The", "He", …) follows.
	Abbreviations []string
	// Titles are extra title abbreviations, without their period, that
	// never end a sentence because a name follows ("Mr", "Dr" are built in).
	Titles []string
}

// Processor is the segment stage. It is safe for concurrent use: its
// tables are read-only after New.
type Processor struct {
	titles   map[string]struct{}
	abbrevs  map[string]struct{}
	starters map[string]struct{}
}

// New returns a segmenter. It never fails today; the error is for options
// that a future version may validate.
func New(opts Options) (*Processor, error) {
	set := func(builtin string, extra []string) map[string]struct{} {
		m := make(map[string]struct{})
		for _, w := range append(strings.Fields(builtin), extra...) {
			if w = strings.TrimSuffix(strings.TrimSpace(w), "."); w != "" {
				m[w] = struct{}{}
			}
		}
		return m
	}
	return &Processor{
		titles:   set(defaultTitles, opts.Titles),
		abbrevs:  set(defaultAbbrevs, opts.Abbreviations),
		starters: set(defaultStarters, nil),
	}, nil
}

// Name returns "segment".
func (*Processor) Name() string { return Name }

// Close does nothing.
func (*Processor) Close(context.Context) error { return nil }

// Process sets a.Sentences and a.Tokens (and a.Paragraphs when nil).
func (p *Processor) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	p.Segment(a)
	return []*processor.Article{a}, nil
}

// Segment sets a.Sentences and a.Tokens from a.Text and a.Paragraphs,
// setting a.Paragraphs first when nil. Paragraph spans outside Text are
// ignored.
func (p *Processor) Segment(a *processor.Article) {
	if a.Paragraphs == nil {
		a.Paragraphs = Paragraphs(a.Text)
	}
	s := a.Text
	toks := make([]processor.Token, 0, len(s)/5+8)
	sents := make([]processor.Sentence, 0, len(s)/100+2)
	prevEnd := 0
	for i, para := range a.Paragraphs {
		if para.Start < prevEnd || para.End > len(s) || para.Start >= para.End {
			continue // malformed or overlapping span: skip rather than panic
		}
		prevEnd = para.End
		t0 := len(toks)
		toks = p.appendTokens(toks, s, para.Start, para.End)
		if len(toks) > t0 {
			sents = p.appendSentences(sents, s, toks, i, t0, len(toks))
		}
	}
	a.Tokens = toks
	a.Sentences = sents
}

// Paragraphs splits text on blank lines (lines holding only white space)
// and returns the spans of the non-blank paragraphs, trimmed of surrounding
// white space.
func Paragraphs(text string) []processor.Span {
	var out []processor.Span
	start := -1 // start of the current paragraph, -1 when between paragraphs
	lastEnd := 0
	lineStart := 0
	for lineStart <= len(text) {
		lineEnd := lineStart
		for lineEnd < len(text) && text[lineEnd] != '\n' {
			lineEnd++
		}
		ls, le := trimSpan(text, lineStart, lineEnd)
		if ls < le {
			if start < 0 {
				start = ls
			}
			lastEnd = le
		} else if start >= 0 {
			out = append(out, processor.Span{Start: start, End: lastEnd})
			start = -1
		}
		lineStart = lineEnd + 1
	}
	if start >= 0 {
		out = append(out, processor.Span{Start: start, End: lastEnd})
	}
	return out
}

func trimSpan(s string, i, j int) (int, int) {
	for i < j {
		r, size := decode(s, i, j)
		if !isSpace(r) {
			break
		}
		i += size
	}
	for j > i {
		c := s[j-1]
		if c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
			j--
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeLastRuneInString(s[i:j])
			if isSpace(r) {
				j -= size
				continue
			}
		}
		break
	}
	return i, j
}
