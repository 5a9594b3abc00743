package tagger

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Casing classes of a word in the training text.
const (
	caseUnknown uint8 = iota // rare or unseen
	caseLower                // almost always lower-case (≥ 90 %)
	caseMixed                // both
	caseUpper                // almost always capitalised mid-sentence (≥ 90 %)
)

// minVocabCount is how often a word must occur (lower-case or capitalised
// after the first token of a sentence) to get a casing class.
const minVocabCount = 3

// Vocab is the casing class of the words of the training text: whether a
// word is usually written in lower case ("image") or capitalised
// ("Gassama"). It tells a sentence-initial or headline-capitalised common
// word from a name. Read-only after construction.
type Vocab struct {
	words [4][]string // per class (index 0 unused), sorted
	m     map[uint64]uint8
}

func newVocab(words [4][]string) *Vocab {
	v := &Vocab{words: words, m: make(map[uint64]uint8)}
	for c := caseLower; c <= caseUpper; c++ {
		for _, w := range words[c] {
			v.m[hashString(w)] = c
		}
	}
	return v
}

// buildVocab counts, for every lower-cased word of docs, its lower-case
// occurrences and its capitalised occurrences that do not start a
// sentence.
func buildVocab(docs []Document) *Vocab {
	type cnt struct{ lower, upper int }
	counts := map[string]*cnt{}
	for _, d := range docs {
		for _, s := range d {
			for i, w := range s.Words {
				r, _ := utf8.DecodeRuneInString(w)
				isLow, isUp := unicode.IsLower(r), unicode.IsUpper(r)
				if !isLow && !(isUp && i > 0) {
					continue
				}
				lw := strings.ToLower(normQuotes(w))
				c := counts[lw]
				if c == nil {
					c = &cnt{}
					counts[lw] = c
				}
				if isLow {
					c.lower++
				} else {
					c.upper++
				}
			}
		}
	}
	var words [4][]string
	for w, c := range counts {
		n := c.lower + c.upper
		if n < minVocabCount {
			continue
		}
		switch {
		case c.lower*10 >= n*9:
			words[caseLower] = append(words[caseLower], w)
		case c.upper*10 >= n*9:
			words[caseUpper] = append(words[caseUpper], w)
		default:
			words[caseMixed] = append(words[caseMixed], w)
		}
	}
	for c := range words {
		slices.Sort(words[c])
	}
	return newVocab(words)
}
