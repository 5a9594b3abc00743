// Package textkey builds the lower-case lookup keys that the text stages
// use for lexicons and frequency tables, without allocating.
package textkey

import (
	"unicode"
	"unicode/utf8"
)

// Append appends w lower-cased to dst, with the curly apostrophe (’) as a
// straight one, and returns the extended slice. ASCII takes a fast path.
// Map look-ups with string(key) on the result do not allocate.
func Append(dst []byte, w string) []byte {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(w[i:])
		i += size - 1
		if r == '’' {
			dst = append(dst, '\'')
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}
