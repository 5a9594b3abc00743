package quotes

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tok is a word or punctuation token of a window of the text.
type tok struct {
	s, e int    // byte span in the text
	w    string // the token as written
	low  string // lower case (words only)
	word bool
	cap  bool // capitalised word (see isCapitalised)
}

// tokenize splits t[lo:hi] into word and punctuation tokens, appending to
// buf. A word is a run of letters and digits (and a leading @ or #) that
// may hold ' ’ - . & between two of them: "al-Amr", "Labour's", "U.S".
func tokenize(t string, lo, hi int, buf []tok) []tok {
	if lo < 0 {
		lo = 0
	}
	if hi > len(t) {
		hi = len(t)
	}
	for i := lo; i < hi; {
		r, n := utf8.DecodeRuneInString(t[i:hi])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		if !isWordRune(r) && !((r == '@' || r == '#') && isWordRune(runeAt(t, i+n, hi))) {
			buf = append(buf, tok{s: i, e: i + n, w: t[i : i+n]})
			i += n
			continue
		}
		j := i + n
		for j < hi {
			r, n := utf8.DecodeRuneInString(t[j:hi])
			if isWordRune(r) {
				j += n
				continue
			}
			if (r == '\'' || r == '’' || r == '-' || r == '.' || r == '&') && isWordRune(runeAt(t, j+n, hi)) {
				j += n
				continue
			}
			break
		}
		w := t[i:j]
		buf = append(buf, tok{s: i, e: j, w: w, low: strings.ToLower(w), word: true, cap: isCapitalised(w)})
		i = j
	}
	return buf
}

// verb classifies a lower-case word as a speech verb ("Post" in "the
// Huffington Post" is not one).
func (k tok) verb() verbClass {
	if !k.word || k.cap {
		return notVerb
	}
	return speechVerb(k.low)
}

// is reports whether k is the punctuation token p.
func (k tok) is(p string) bool { return !k.word && k.w == p }

// isBreak is punctuation that separates the parts of a clause.
func (k tok) isBreak() bool {
	if k.word {
		return false
	}
	switch k.w {
	case ",", ";", ":", "(", ")", "—", "–", "[", "]":
		return true
	}
	return false
}

// stem returns the word without a possessive ending.
func stem(w string) string {
	for _, suf := range []string{"'s", "’s"} {
		if strings.HasSuffix(w, suf) && len(w) > len(suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

// isTerminal is sentence-final punctuation.
func isTerminal(r rune) bool { return r == '.' || r == '!' || r == '?' || r == '…' }

// isCloser may follow sentence-final punctuation before the space:
// closing quotation marks and brackets.
func isCloser(r rune) bool {
	return r == '"' || r == '”' || r == '’' || r == '\'' || r == ')' || r == ']' || r == '»'
}

// Bounds of the look-around of boundaryAt.
const (
	maxAbbrevBytes = 12 // longest abbreviation, full stops included
	maxCloserRunes = 8  // terminal punctuation and closing marks after a full stop
)

// boundaryAt reports whether the terminal punctuation at t[i] (a rune of
// size n) ends a sentence inside t[:hi], and where the next sentence
// starts.
func boundaryAt(t string, lo, i, n, hi int) (int, bool) {
	r := runeAt(t, i, hi)
	if r == '.' {
		// A full stop after an abbreviation or inside "..." is not a break.
		// Abbreviations are short: the walk back is bounded so that a
		// long run of dots stays linear.
		j := i
		for j > lo && i-j <= maxAbbrevBytes {
			p, m := utf8.DecodeLastRuneInString(t[lo:j])
			if !isWordRune(p) && p != '.' {
				break
			}
			j -= m
		}
		if w := strings.TrimSuffix(t[j:i], "."); w != "" && i-j <= maxAbbrevBytes && isAbbreviation(w) {
			return 0, false
		}
	}
	k := i + n
	for steps := 0; k < hi; steps++ {
		c, m := utf8.DecodeRuneInString(t[k:hi])
		if !isCloser(c) && !isTerminal(c) {
			break
		}
		if steps == maxCloserRunes {
			return 0, false
		}
		k += m
	}
	if k >= hi {
		return hi, true
	}
	c, m := utf8.DecodeRuneInString(t[k:hi])
	if !unicode.IsSpace(c) {
		return 0, false
	}
	k += m
	for k < hi {
		c, m = utf8.DecodeRuneInString(t[k:hi])
		if !unicode.IsSpace(c) {
			break
		}
		k += m
	}
	if k >= hi {
		return hi, true
	}
	if unicode.IsUpper(c) || unicode.IsDigit(c) || doubleMark(c) != notMark || c == '‘' {
		return k, true
	}
	return 0, false
}

// lastSentenceStart returns the start of the last sentence that begins in
// t[lo:hi], or lo.
func lastSentenceStart(t string, lo, hi int) int {
	start := lo
	for i := lo; i < hi; {
		r, n := utf8.DecodeRuneInString(t[i:hi])
		if isTerminal(r) {
			if k, ok := boundaryAt(t, lo, i, n, hi); ok {
				start = k
			}
		}
		i += n
	}
	return start
}

// sentenceStartBefore returns the start of the last sentence that begins
// in t[lo:hi], as lastSentenceStart does, scanning backwards from hi so
// that the cost is the length of that sentence, not of the window; found
// is false (and the start lo) when no sentence boundary lies in t[lo:hi].
func sentenceStartBefore(t string, lo, hi int) (start int, found bool) {
	for i := hi; i > lo; {
		r, n := utf8.DecodeLastRuneInString(t[lo:i])
		i -= n
		if isTerminal(r) {
			if k, ok := boundaryAt(t, lo, i, n, hi); ok {
				return k, true
			}
		}
	}
	return lo, false
}

// sentenceEnd returns the offset just after the first sentence-final
// punctuation in t[lo:hi], or hi.
func sentenceEnd(t string, lo, hi int) int {
	for i := lo; i < hi; {
		r, n := utf8.DecodeRuneInString(t[i:hi])
		if isTerminal(r) {
			if _, ok := boundaryAt(t, lo, i, n, hi); ok {
				return i + n
			}
		}
		i += n
	}
	return hi
}
