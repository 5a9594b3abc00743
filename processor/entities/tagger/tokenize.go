package tagger

import (
	"unicode"
	"unicode/utf8"
)

// Span is a half-open byte range [Start, End) of a string.
type Span struct{ Start, End int }

// abbreviations keep their trailing period as part of the token ("Mr.",
// "Inc."), as the training corpora do.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "jr": true, "sr": true,
	"gen": true, "lt": true, "col": true, "sgt": true, "capt": true, "gov": true,
	"sen": true, "rep": true, "prof": true, "rev": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "bros": true, "vs": true, "mt": true, "ft": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "no": true, "maj": true,
	"adm": true, "cmdr": true, "brig": true, "pres": true, "messrs": true,
}

// clitics are split off a word after an apostrophe ("Macron's" → "Macron",
// "'s"), as in the Penn-style tokenisation of the training corpora.
var clitics = map[string]bool{"s": true, "t": true, "re": true, "ve": true, "ll": true, "d": true, "m": true}

func isApos(r rune) bool { return r == '\'' || r == '’' }

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokenize appends to dst the word and punctuation tokens of s and returns
// it. Words are runs of letters and digits, with internal hyphens,
// apostrophes (except before a clitic such as 's), digit separators
// ("1,000", "3.5") and dotted abbreviations ("U.S.", "Mr."). Every other
// non-space rune is a token of its own. Tokenize never fails; invalid UTF-8
// bytes become single-byte tokens.
func Tokenize(s string, dst []Span) []Span {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		if !isWordRune(r) {
			dst = append(dst, Span{i, i + n})
			i += n
			continue
		}
		start := i
		i += n
		letters := 1 // runes in the current dot-separated part
		dotted := false
		for i < len(s) {
			r, n = utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				i += n
				letters++
				continue
			}
			if i+n >= len(s) {
				break
			}
			next, nn := utf8.DecodeRuneInString(s[i+n:])
			switch {
			case r == '-' && isWordRune(next):
				i += n
				letters = 0
				continue
			case isApos(r) && unicode.IsLetter(next):
				// Split before a clitic: "'s" followed by a non-letter.
				j := i + n
				for j < len(s) {
					c, cn := utf8.DecodeRuneInString(s[j:])
					if !unicode.IsLetter(c) {
						break
					}
					j += cn
				}
				if clitics[lowerASCII(s[i+n:j])] {
					dst = append(dst, Span{start, i}, Span{i, j})
					i = j
					start = -1
				} else {
					i += n
					letters = 0
					continue
				}
			case (r == ',' || r == '.') && unicode.IsDigit(next) && unicode.IsDigit(lastRune(s[start:i])):
				i += n
				continue
			case r == '.' && letters == 1 && unicode.IsLetter(next) && i+n+nn <= len(s):
				// "U.S", "U.N": single letters separated by periods.
				i += n
				dotted = true
				letters = 0
				continue
			}
			break
		}
		if start < 0 {
			continue
		}
		// A trailing period belongs to dotted abbreviations and known ones.
		if i < len(s) && s[i] == '.' {
			w := s[start:i]
			if dotted || abbreviations[lowerASCII(w)] || (utf8.RuneCountInString(w) == 1 && unicode.IsUpper(firstRune(w))) {
				i++
			}
		}
		dst = append(dst, Span{start, i})
	}
	return dst
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			b := []rune(s)
			for k, r := range b {
				b[k] = unicode.ToLower(r)
			}
			return string(b)
		}
	}
	return s
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
