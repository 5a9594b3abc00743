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

// Limits applied, step by step, by EncodeLimit to an article whose record
// is over the limit. They keep what a reader needs most (the most salient
// entities with their first mentions, the first quotes, the top
// keyphrases) and cut what grows with the article's length.
var trimSteps = []struct {
	spans, entities, quotes, keyphrases, media int
}{
	{spans: 16, entities: 500, quotes: 100, keyphrases: 30, media: 50},
	{spans: 1, entities: 100, quotes: 20, keyphrases: 15, media: 10},
	{spans: 0, entities: 50, quotes: 5, keyphrases: 10, media: 5},
}

// EncodeLimit is Encode with a size limit: when the record would be larger
// than limit bytes, it cuts, in steps, the parts that grow with an
// article's length (mention spans per entity, entities, quotes, keyphrases,
// media) and at last the text itself, records what it cut in
// a.Truncated, and returns a record of at most limit bytes. It fails only
// if even an article with an empty text does not fit (limit far too small
// for its title, id and metadata).
func EncodeLimit(a *Article, limit int) ([]byte, error) {
	b, err := Encode(a)
	if err != nil || len(b) <= limit {
		return b, err
	}
	orig := len(b)
	a.Truncated = &Truncation{OriginalBytes: orig}
	for _, st := range trimSteps {
		trimArticle(a, st.spans, st.entities, st.quotes, st.keyphrases, st.media)
		if b, err = json.Marshal(a); err != nil {
			return nil, fmt.Errorf("encode article %q: %w", a.ID, err)
		}
		if len(b) <= limit {
			return b, nil
		}
	}
	// Cut the text: find the longest prefix (in code points) that fits.
	runes := []rune(a.Text)
	a.Truncated.OriginalCharacters = len(runes)
	a.Truncated.Fields = appendOnce(a.Truncated.Fields, "text")
	full, quotes := a.Text, a.Quotes
	spans := make([][]Span, len(a.Entities))
	for i := range a.Entities {
		spans[i] = a.Entities[i].Spans
	}
	cut := func(n int) { cutText(a, full, runes, n, spans, quotes) }
	lo, hi := 0, len(runes)
	var best []byte
	for lo <= hi {
		mid := (lo + hi) / 2
		cut(mid)
		if b, err = json.Marshal(a); err != nil {
			return nil, fmt.Errorf("encode article %q: %w", a.ID, err)
		}
		if len(b) <= limit {
			best, lo = b, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == nil {
		return nil, fmt.Errorf("encode article %q: the record does not fit in %d bytes even without its text", a.ID, limit)
	}
	cut(hi)
	return best, nil
}

func appendOnce(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// trimArticle applies one step of limits (spans are in code points here:
// EncodeLimit trims after Encode converted them).
func trimArticle(a *Article, spans, entities, quotes, keyphrases, media int) {
	t := a.Truncated
	for i := range a.Entities {
		if len(a.Entities[i].Spans) > spans {
			a.Entities[i].Spans = a.Entities[i].Spans[:spans]
			t.Fields = appendOnce(t.Fields, "entities.spans")
		}
	}
	if len(a.Entities) > entities {
		a.Entities = a.Entities[:entities]
		t.Fields = appendOnce(t.Fields, "entities")
		for i := range a.Quotes {
			if a.Quotes[i].SpeakerEntity >= entities {
				a.Quotes[i].SpeakerEntity = -1
			}
		}
	}
	if len(a.Quotes) > quotes {
		a.Quotes = a.Quotes[:quotes]
		t.Fields = appendOnce(t.Fields, "quotes")
	}
	if len(a.Keyphrases) > keyphrases {
		a.Keyphrases = a.Keyphrases[:keyphrases]
		t.Fields = appendOnce(t.Fields, "keyphrases")
	}
	if len(a.Media) > media {
		a.Media = a.Media[:media]
		t.Fields = appendOnce(t.Fields, "media")
	}
}

// cutText sets a.Text to the first n code points of full and keeps of
// spans (per entity) and quotes those that lie inside it.
func cutText(a *Article, full string, runes []rune, n int, spans [][]Span, quotes []Quote) {
	if n >= len(runes) {
		a.Text = full
	} else {
		a.Text = string(runes[:n])
	}
	for i := range a.Entities {
		var sp []Span
		for _, s := range spans[i] {
			if s.End <= n {
				sp = append(sp, s)
			}
		}
		if sp == nil {
			sp = []Span{}
		}
		a.Entities[i].Spans = sp
	}
	var q []Quote
	for _, x := range quotes {
		if x.Span.End <= n {
			q = append(q, x)
		}
	}
	a.Quotes = q
}
