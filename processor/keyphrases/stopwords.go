package keyphrases

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed data/stopwords-en.txt
var stopwordsFile string

// stopwords is the English stop-word set, built once from the embedded list
// and read-only afterwards.
var stopwords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 400)
	for _, line := range strings.Split(stopwordsFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
})

// IsStopword reports whether w is an English stop word (function words,
// reporting verbs such as "said", calendar words), in any letter case.
// Curly apostrophes count as straight ones. It does not allocate for words
// of up to 32 bytes and is safe for concurrent use.
func IsStopword(w string) bool {
	m := stopwords()
	if len(w) > 32 {
		return false // no stop word is that long
	}
	var buf [32]byte
	n := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == 0xe2 && i+2 < len(w) && w[i+1] == 0x80 && w[i+2] == 0x99: // ’
			c = '\''
			i += 2
		}
		buf[n] = c
		n++
	}
	_, ok := m[string(buf[:n])]
	return ok
}

// StopwordList returns a copy of the English stop-word list, lower case.
func StopwordList() []string {
	m := stopwords()
	out := make([]string, 0, len(m))
	for w := range m {
		out = append(out, w)
	}
	return out
}
