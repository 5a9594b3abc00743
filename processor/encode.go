package processor

import (
	"fmt"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// Encode marshals the article as the output record (schema 1). It rewrites
// every span from byte offsets to Unicode code-point offsets of Text, sets
// Schema, and turns nil slices that the contract says are arrays into empty
// arrays. After Encode the article's spans are no longer byte offsets; a
// second Encode does not convert them again.
func Encode(a *Article) ([]byte, error) {
	a.Schema = SchemaVersion
	if a.Media == nil {
		a.Media = []Media{}
	}
	if !a.spansInRunes {
		toRunes(a)
		a.spansInRunes = true
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode article %q: %w", a.ID, err)
	}
	return b, nil
}

// toRunes converts every span of a from byte to code-point offsets.
func toRunes(a *Article) {
	ascii := true
	for i := 0; i < len(a.Text); i++ {
		if a.Text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return
	}
	// idx[b] = number of runes in Text[:b], for every byte offset b.
	idx := make([]int32, len(a.Text)+1)
	n := int32(0)
	for b := 0; b < len(a.Text); {
		_, size := utf8.DecodeRuneInString(a.Text[b:])
		for k := 0; k < size; k++ {
			idx[b+k] = n
		}
		b += size
		n++
	}
	idx[len(a.Text)] = n
	conv := func(s *Span) {
		s.Start = int(idx[clamp(s.Start, len(a.Text))])
		s.End = int(idx[clamp(s.End, len(a.Text))])
	}
	for i := range a.Entities {
		for j := range a.Entities[i].Spans {
			conv(&a.Entities[i].Spans[j])
		}
	}
	for i := range a.Quotes {
		conv(&a.Quotes[i].Span)
	}
}

func clamp(v, hi int) int {
	if v < 0 {
		return 0
	}
	if v > hi {
		return hi
	}
	return v
}
