package segment

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// The tokenizer is written by hand rather than built on a UAX #29 word
// segmenter: UAX #29 splits hyphenated words ("four-year-old") and URLs into
// pieces, keeps possessives attached ("Gassama's") and knows no
// abbreviations ("Mr.", "U.S."), and each of those is the other way round
// from what the NER, quote and summary stages need. One pass over the bytes
// with an ASCII fast path does all of it at well over 50 MB/s.

// decode returns the rune at s[i] (i < end) and its size, with an ASCII fast
// path. Invalid UTF-8 yields utf8.RuneError of size 1.
func decode(s string, i, end int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:end])
}

func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v'
	}
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	// Zero-width (non-)joiners and the soft hyphen occur inside words.
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '\u200c' || r == '\u200d' || r == '\u00ad'
}

// isIgnorable reports invisible format characters (direction marks, word
// joiners) that make no token of their own.
func isIgnorable(r rune) bool {
	return r >= 0x80 && unicode.Is(unicode.Cf, r)
}

func isDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= '0' && r <= '9'
	}
	return unicode.IsDigit(r)
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// Word flags reported by scanWord.
const (
	wordLetters    = 1 << iota // has a letter (else it is a number)
	wordApostrophe             // has an internal apostrophe
	wordAt                     // has an internal "@"
)

// scanWord scans a word starting at i (s[i] is a word rune) and returns its
// end. Words keep internal apostrophes and hyphens ("don't",
// "four-year-old"), internal periods ("3.5", "U.S", "example.com"), digit
// group separators between digits ("1,000", "10:30", "28/05") and the "@"
// of an e-mail address.
func scanWord(s string, i, end int) (j int, flags uint8) {
	j = i
	prev := rune(0)
	for j < end {
		var r rune
		size := 1
		if c := s[j]; c < utf8.RuneSelf {
			lc := c | 0x20
			if lc >= 'a' && lc <= 'z' {
				flags |= wordLetters
				prev = rune(c)
				j++
				continue
			}
			if c >= '0' && c <= '9' {
				prev = rune(c)
				j++
				continue
			}
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(s[j:end])
			if isWordRune(r) {
				if isLetter(r) {
					flags |= wordLetters
				}
				prev = r
				j += size
				continue
			}
		}
		// A joiner between two word runes stays inside the word.
		switch r {
		case '-', '‑', '.', '\'', '’', '@', ',', ':', '/':
		default:
			return j, flags
		}
		if j+size >= end {
			break
		}
		next, _ := decode(s, j+size, end)
		if !isWordRune(next) {
			break
		}
		switch r {
		case '\'', '’':
			flags |= wordApostrophe
		case '@':
			flags |= wordAt
		case ',', ':', '/':
			if !isDigit(prev) || !isDigit(next) {
				return j, flags
			}
		}
		prev = r
		j += size
	}
	return j, flags
}

// urlLen reports the length of a URL starting at s[i:end], or 0.
func urlLen(s string, i, end int) int {
	if c := s[i] | 0x20; c != 'h' && c != 'w' {
		return 0
	}
	rest := s[i:end]
	if !(hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://") || hasPrefixFold(rest, "www.")) {
		return 0
	}
	j := i
	for j < end {
		r, size := decode(s, j, end)
		if isSpace(r) {
			break
		}
		j += size
	}
	// Trailing sentence punctuation and closing marks are not part of it.
	for j > i {
		r, size := utf8.DecodeLastRuneInString(s[i:j])
		if !strings.ContainsRune(".,;:!?)]}\"'”’»", r) {
			break
		}
		j -= size
	}
	return j - i
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// appendTokens appends the tokens of s[start:end] to dst.
func (p *Processor) appendTokens(dst []processor.Token, s string, start, end int) []processor.Token {
	i := start
	for i < end {
		r, size := decode(s, i, end)
		if isSpace(r) || isIgnorable(r) && !isWordRune(r) {
			i += size
			continue
		}
		if isWordRune(r) {
			if n := urlLen(s, i, end); n > 0 {
				dst = append(dst, processor.Token{Span: processor.Span{Start: i, End: i + n}, Kind: processor.TokenSymbol})
				i += n
				continue
			}
			j, flags := scanWord(s, i, end)
			dst, i = p.appendWord(dst, s, i, j, end, flags)
			continue
		}
		dst, i = appendPunct(dst, s, i, end, r, size)
	}
	return dst
}

// appendWord appends the word s[i:j] (which may take a trailing period if it
// is an abbreviation, or lose a possessive "'s" that becomes its own token)
// and returns the position after it.
func (p *Processor) appendWord(dst []processor.Token, s string, i, j, end int, flags uint8) ([]processor.Token, int) {
	w := s[i:j]
	letters := flags&wordLetters != 0
	kind := processor.TokenWord
	if !letters {
		kind = processor.TokenNumber
	}
	if flags&wordAt != 0 {
		if at := strings.IndexByte(w, '@'); strings.IndexByte(w[at:], '.') > 0 {
			return append(dst, processor.Token{Span: processor.Span{Start: i, End: j}, Kind: processor.TokenSymbol}), j
		}
	}
	// Possessive / contraction "'s": its own token, as NER training data has it.
	if n := len(w); n > 2 && flags&wordApostrophe != 0 {
		var cut int
		switch {
		case strings.HasSuffix(w, "'s") || strings.HasSuffix(w, "'S"):
			cut = n - 2
		case strings.HasSuffix(w, "’s") || strings.HasSuffix(w, "’S"):
			cut = n - len("’s")
		}
		if cut > 0 {
			dst = append(dst,
				processor.Token{Span: processor.Span{Start: i, End: i + cut}, Kind: processor.TokenWord},
				processor.Token{Span: processor.Span{Start: i + cut, End: j}, Kind: processor.TokenWord})
			return dst, j
		}
	}
	if j < end && s[j] == '.' && letters && p.takesPeriod(w, s, j+1, end) {
		j++
	}
	return append(dst, processor.Token{Span: processor.Span{Start: i, End: j}, Kind: kind}), j
}

// appendPunct appends one punctuation or symbol token starting at i.
func appendPunct(dst []processor.Token, s string, i, end int, r rune, size int) ([]processor.Token, int) {
	j := i + size
	kind := processor.TokenPunct
	switch {
	case r == '.' && j+1 < end && s[j] == '.' && s[j+1] == '.':
		j += 2
		for j < end && s[j] == '.' {
			j++
		}
	case r == '-' && j < end && s[j] == '-':
		for j < end && s[j] == '-' {
			j++
		}
	case (r == '@' || r == '#') && j < end:
		// Handles and hashtags: "@AFP", "#MeToo".
		if nr, _ := decode(s, j, end); isWordRune(nr) {
			k, _ := scanWord(s, j, end)
			for k > j && (s[k-1] == '.' || s[k-1] == '\'') {
				k--
			}
			j = k
			kind = processor.TokenSymbol
		}
	case r == utf8.RuneError:
		kind = processor.TokenSymbol
	case !unicode.IsPunct(r):
		kind = processor.TokenSymbol
	}
	return append(dst, processor.Token{Span: processor.Span{Start: i, End: j}, Kind: kind}), j
}
