package segment

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// Abbreviations that are followed by a name and so never end a sentence.
const defaultTitles = `Mr Mrs Ms Messrs Mme Mlle Dr Prof Gen Lt Col Maj Capt Cmdr Cdr Sgt Cpl
Pte Adm Brig Gov Sen Rep Rev Hon Pres Supt Insp Det Fr Mt Ft Cllr`

// Abbreviations that end a sentence only when a usual sentence opener follows.
const defaultAbbrevs = `Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Inc Ltd Corp Co Bros
Plc Jr Sr St Ave Rd Blvd etc vs approx est dept Dept govt Univ Assn al
cf Nos Vol vol pp Fig fig ca`

// Words that usually open a sentence: after an abbreviation ("in the U.S.
// The ..."), one of these means the abbreviation also ended the sentence.
const defaultStarters = `The A An He She It They We I You His Her Its Their Our My This That
These Those There Here But And Yet So However In On At After Before When
While If As For According Meanwhile Police Officials Some Many No Now
Then Also Although Since What Why How Who Where Last Earlier Later Today
Yesterday Both One Two Such`

// takesPeriod reports whether the word w, followed by a period at s[after-1],
// keeps that period as part of the token (an abbreviation or initial).
func (p *Processor) takesPeriod(w, s string, after, end int) bool {
	if _, ok := p.titles[w]; ok {
		return true
	}
	if _, ok := p.abbrevs[w]; ok {
		return true
	}
	if w == "No" || w == "no" || w == "Art" || w == "art" {
		// "No. 10", "art. 5": only before a number.
		for k := after; k < end; k++ {
			if c := s[k]; c != ' ' {
				return c >= '0' && c <= '9'
			}
		}
		return false
	}
	r, size := utf8.DecodeRuneInString(w)
	if size == len(w) {
		return unicode.IsUpper(r) // an initial: "J. K. Rowling"
	}
	return isAcronym(w)
}

// isAcronym reports whether w is letters in groups of one or two separated
// by periods: "U.S", "e.g", "a.m", "Ph.D".
func isAcronym(w string) bool {
	if strings.IndexByte(w, '.') < 0 {
		return false
	}
	n := 0
	for _, r := range w {
		if r == '.' {
			if n == 0 {
				return false
			}
			n = 0
			continue
		}
		if !unicode.IsLetter(r) {
			return false
		}
		n++
		if n > 2 {
			return false
		}
	}
	return n > 0
}

// termKind classifies a token that may end a sentence.
type termKind uint8

const (
	termNone     termKind = iota
	termStrong            // . ! ?
	termEllipsis          // … ...
	termAbbrev            // abbreviation, initial or acronym with its period
	termTitle             // title abbreviation: never ends a sentence
)

func (p *Processor) termOf(s string, t processor.Token) termKind {
	w := s[t.Start:t.End]
	switch t.Kind {
	case processor.TokenPunct:
		switch w {
		case ".", "!", "?", "‼", "⁇", "⁈", "⁉", "。", "！", "？", "।", "॥", "؟", "۔", "．":
			return termStrong
		case "…":
			return termEllipsis
		}
		if len(w) >= 3 && w[0] == '.' && w[1] == '.' {
			return termEllipsis
		}
	case processor.TokenWord:
		if len(w) > 1 && w[len(w)-1] == '.' {
			if _, ok := p.titles[w[:len(w)-1]]; ok {
				return termTitle
			}
			return termAbbrev
		}
	}
	return termNone
}

// isClosing reports whether t closes a quotation or bracket after a
// sentence's final punctuation. Straight quotes count only when they touch
// the previous token (`said."` closes; `said. "` opens the next sentence).
func isClosing(s string, t processor.Token, prevEnd int) bool {
	if t.Kind != processor.TokenPunct {
		return false
	}
	switch s[t.Start:t.End] {
	case "”", "’", "»", "›":
		return true
	case "\"", "'", ")", "]", "}":
		return t.Start == prevEnd
	}
	return false
}

func isOpening(w string) bool {
	switch w {
	case "\"", "'", "“", "‘", "«", "‹", "(", "[", "{", "„", "‚":
		return true
	}
	return false
}

// firstRuneAfter returns the first rune of the first token at or after k
// that is not an opening quote or bracket, and that token's index.
func firstRuneAfter(s string, toks []processor.Token, k, end int) (rune, int) {
	for ; k < end; k++ {
		w := s[toks[k].Start:toks[k].End]
		if isOpening(w) {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		return r, k
	}
	return 0, end
}

// breaksAfter decides whether a sentence ends before token next, given the
// kind of terminator and whether closing marks followed it.
func (p *Processor) breaksAfter(s string, toks []processor.Token, kind termKind, closed bool, next, end int) bool {
	first := s[toks[next].Start:toks[next].End]
	switch first {
	case ",", ";", ":", ")", "]", "}", "-", "–", "—":
		return false
	}
	r, k := firstRuneAfter(s, toks, next, end)
	if k == end {
		return true
	}
	if unicode.IsLower(r) {
		return false
	}
	switch kind {
	case termStrong:
		return true
	case termEllipsis:
		return unicode.IsUpper(r) || unicode.IsDigit(r) || !unicode.IsLetter(r) && k > next
	case termAbbrev:
		if closed {
			return unicode.IsUpper(r) || unicode.IsDigit(r)
		}
		_, ok := p.starters[s[toks[k].Start:toks[k].End]]
		return ok
	}
	return false
}

// lineBreakBetween reports whether a newline separates tokens a and b and
// the text after it looks like a new sentence (a caption line, a heading):
// not a lowercase continuation of a hard-wrapped line.
func lineBreakBetween(s string, toks []processor.Token, a, b int) bool {
	gap := s[toks[a].End:toks[b].Start]
	if len(gap) == 0 || len(gap) == 1 && gap[0] == ' ' {
		return false
	}
	if strings.IndexByte(gap, '\n') < 0 && !strings.Contains(gap, "\u2028") {
		return false
	}
	switch s[toks[a].Start:toks[a].End] {
	case ",", "-", "–", "&", "(", "/":
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[toks[b].Start:toks[b].End])
	return !unicode.IsLower(r)
}

// appendSentences splits the tokens toks[t0:t1] of paragraph para into
// sentences and appends them to dst.
func (p *Processor) appendSentences(dst []processor.Sentence, s string, toks []processor.Token, para, t0, t1 int) []processor.Sentence {
	emit := func(a, b int) {
		dst = append(dst, processor.Sentence{
			Span:       processor.Span{Start: toks[a].Start, End: toks[b-1].End},
			Paragraph:  para,
			FirstToken: a,
			EndToken:   b,
		})
	}
	start := t0
	for k := t0; k < t1; k++ {
		if k > start && lineBreakBetween(s, toks, k-1, k) {
			emit(start, k)
			start = k
		}
		kind := p.termOf(s, toks[k])
		if kind == termNone || kind == termTitle {
			continue
		}
		// Absorb further final punctuation and closing marks: `?!`, `."`, `.)`.
		e := k + 1
		closed := false
		for e < t1 {
			if t := p.termOf(s, toks[e]); t == termStrong || t == termEllipsis {
				e++
				continue
			}
			if isClosing(s, toks[e], toks[e-1].End) {
				closed = true
				e++
				continue
			}
			break
		}
		if e >= t1 {
			break
		}
		if p.breaksAfter(s, toks, kind, closed, e, t1) {
			emit(start, e)
			start = e
		}
		k = e - 1
	}
	if start < t1 {
		emit(start, t1)
	}
	return dst
}
