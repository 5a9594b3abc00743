package tagger

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tags of the BIO scheme, in model order.
const (
	TagO = iota
	TagBPerson
	TagIPerson
	TagBOrg
	TagIOrg
	TagBLoc
	TagILoc
	TagBNORP
	TagINORP
	TagBMisc
	TagIMisc
	NumTags
)

// tagBOS stands for "no previous tag" in features.
const tagBOS = NumTags

// TagName returns the BIO label of tag t, as written in training files.
func TagName(t uint8) string {
	if t >= NumTags {
		return "?"
	}
	return tagNames()[t]
}

func tagNames() [NumTags]string {
	return [NumTags]string{"O", "B-PERSON", "I-PERSON", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-NORP", "I-NORP", "B-MISC", "I-MISC"}
}

// NumTypes is the number of entity types.
const NumTypes = 5

// TypeName returns the name of entity type i (see TypeOf): PERSON, ORG,
// LOC, NORP or MISC.
func TypeName(i int) string {
	if i < 0 || i >= NumTypes {
		return "?"
	}
	return [NumTypes]string{"PERSON", "ORG", "LOC", "NORP", "MISC"}[i]
}

// ParseTag returns the tag of a BIO label, or false if it is unknown.
func ParseTag(s string) (uint8, bool) {
	for i, n := range tagNames() {
		if n == s {
			return uint8(i), true
		}
	}
	return 0, false
}

// IsInside reports whether t is an I- tag.
func IsInside(t uint8) bool { return t != TagO && t%2 == 0 }

// TypeOf returns the entity type index of a non-O tag (see TypeName).
func TypeOf(t uint8) int { return int(t+1)/2 - 1 }

// allowed reports whether tag t may follow prev (I-X only after B-X or I-X).
func allowed(prev, t uint8) bool {
	if !IsInside(t) {
		return true
	}
	return prev == t || prev == t-1
}

// Feature templates. Their values are part of the model format.
const (
	fBias uint64 = iota + 1
	fCased
	fLower
	fShape
	fSuf2
	fSuf3
	fSuf4
	fPre3
	fLowerM1
	fLowerP1
	fLowerM2
	fLowerP2
	fShapeM1
	fShapeP1
	fShape3
	fBigramM1
	fBigramP1
	fFirstShape
	fGaz
	fGazM1
	fGazP1
	fDocLower
	fCasedM1
	fCasedP1
	fPrev
	fPrev2
	fPrevLower
	fPrevShape
	fCase
	fCaseShape
	fCaseM1
	fCaseP1
)

// doc holds the per-token values features are built from.
type doc struct {
	words []string
	lower []uint64
	cased []uint64
	shape []uint64
	gaz   []uint16
	// casing is the corpus casing class of each word (see Vocab).
	casing []uint8
	// lexv is the lexicon value of each word alone (see buildLex).
	lexv []uint16
	// docLower: 1 = capitalised word whose lower-case form occurs in
	// lower case elsewhere in the document, 2 = capitalised word whose
	// lower-case form does not, 0 = not capitalised.
	docLower []uint8
	seen     hashSet // lower-case words of the document
}

// hashSet is a set of non-zero uint64 hashes with open addressing, reused
// from document to document (cheaper than a map for this hot path).
type hashSet struct {
	slots []uint64
	mask  uint64
}

// reset empties the set and sizes it for n keys.
func (h *hashSet) reset(n int) {
	size := 64
	for size < 2*n {
		size *= 2
	}
	if len(h.slots) < size {
		h.slots = make([]uint64, size)
	} else {
		h.slots = h.slots[:size]
		clear(h.slots)
	}
	h.mask = uint64(size - 1)
}

func (h *hashSet) add(k uint64) {
	k |= 1 // 0 marks an empty slot
	for i := k & h.mask; ; i = (i + 1) & h.mask {
		switch h.slots[i] {
		case k:
			return
		case 0:
			h.slots[i] = k
			return
		}
	}
}

func (h *hashSet) has(k uint64) bool {
	k |= 1
	for i := k & h.mask; ; i = (i + 1) & h.mask {
		switch h.slots[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

var (
	hPad   = hashString("<pad>")
	hShPad = hashString("<pad-shape>")
)

// reset fills d for words, split into sentences at ends (exclusive token
// indexes, ascending, the last one len(words)).
func (d *doc) reset(words []string, ends []int, lex map[uint64]uint16) {
	n := len(words)
	d.words = words
	d.lower = grow(d.lower, n)
	d.cased = grow(d.cased, n)
	d.shape = grow(d.shape, n)
	if cap(d.gaz) < n {
		d.gaz = make([]uint16, n)
		d.docLower = make([]uint8, n)
		d.casing = make([]uint8, n)
		d.lexv = make([]uint16, n)
	}
	d.lexv = d.lexv[:n]
	d.gaz = d.gaz[:n]
	d.docLower = d.docLower[:n]
	d.casing = d.casing[:n]
	d.seen.reset(n)
	for i, w := range words {
		w = normQuotes(w)
		lw := w
		if needsLower(w) {
			lw = strings.ToLower(w)
		}
		d.lower[i] = hashString(lw)
		d.cased[i] = hashString(w)
		lv := lex[d.lower[i]]
		d.lexv[i] = lv
		d.casing[i] = uint8(lv>>lexCaseShift) & 3
		d.shape[i] = shapeHash(w)
		d.gaz[i] = 0
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) {
			d.seen.add(d.lower[i])
		}
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		d.docLower[i] = 0
		if unicode.IsUpper(r) {
			d.docLower[i] = 2
			if d.seen.has(d.lower[i]) {
				d.docLower[i] = 1
			}
		}
	}
	start := 0
	for _, e := range ends {
		match(lex, words[start:e], d.lower[start:e], d.lexv[start:e], d.gaz[start:e])
		start = e
	}
}

func grow(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n)
	}
	return s[:n]
}

func needsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

func suffix(s string, k int) string {
	i := len(s)
	for ; k > 0 && i > 0; k-- {
		_, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
	}
	return s[i:]
}

func prefix(s string, k int) string {
	i := 0
	for ; k > 0 && i < len(s); k-- {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return s[:i]
}

// static appends the features of token i of the sentence [s, e) that do not
// depend on previous tags.
func (d *doc) static(i, s, e int, out []uint64) []uint64 {
	at := func(v []uint64, j int, pad uint64) uint64 {
		if j < s || j >= e {
			return pad
		}
		return v[j]
	}
	gazAt := func(j int) uint64 {
		if j < s || j >= e {
			return 0xffff
		}
		return uint64(d.gaz[j])
	}
	first := uint64(0)
	if i == s {
		first = 1
	}
	lw := normQuotes(d.words[i])
	if needsLower(lw) {
		lw = strings.ToLower(lw)
	}
	out = append(out,
		feat(fBias, 0),
		feat(fCased, d.cased[i]),
		feat(fLower, d.lower[i]),
		feat(fShape, d.shape[i]),
		feat(fSuf2, hashString(suffix(lw, 2))),
		feat(fSuf3, hashString(suffix(lw, 3))),
		feat(fSuf4, hashString(suffix(lw, 4))),
		feat(fPre3, hashString(prefix(lw, 3))),
		feat(fLowerM1, at(d.lower, i-1, hPad)),
		feat(fLowerP1, at(d.lower, i+1, hPad)),
		feat(fLowerM2, at(d.lower, i-2, hPad)),
		feat(fLowerP2, at(d.lower, i+2, hPad)),
		feat(fShapeM1, at(d.shape, i-1, hShPad)),
		feat(fShapeP1, at(d.shape, i+1, hShPad)),
		feat(fShape3, mix(at(d.shape, i-1, hShPad)^mix(d.shape[i]^mix(at(d.shape, i+1, hShPad))))),
		feat(fBigramM1, mix(at(d.lower, i-1, hPad)^mix(d.lower[i]))),
		feat(fBigramP1, mix(d.lower[i]^mix(at(d.lower, i+1, hPad)))),
		feat(fFirstShape, mix(first^d.shape[i])),
		feat(fGaz, gazAt(i)),
		feat(fGazM1, gazAt(i-1)),
		feat(fGazP1, gazAt(i+1)),
		feat(fDocLower, mix(uint64(d.docLower[i])|first<<8)),
		feat(fCasedM1, at(d.cased, i-1, hPad)),
		feat(fCasedP1, at(d.cased, i+1, hPad)),
		feat(fCase, uint64(d.casing[i])|first<<8|uint64(d.docLower[i])<<16),
		feat(fCaseShape, mix(uint64(d.casing[i]))^d.shape[i]),
		feat(fCaseM1, caseAt(d, i-1, s, e)),
		feat(fCaseP1, caseAt(d, i+1, s, e)),
	)
	return out
}

func caseAt(d *doc, j, s, e int) uint64 {
	if j < s || j >= e {
		return 0xff
	}
	return uint64(d.casing[j]) | uint64(d.docLower[j])<<8
}

// normQuotes maps typographic apostrophes and quotes to ASCII ones, as in
// the training corpora ("Assad’s" → "Assad's").
func normQuotes(w string) string {
	// The four quotes are encoded E2 80 98/99/9C/9D.
	if strings.IndexByte(w, 0xE2) < 0 || !strings.ContainsAny(w, "‘’“”") {
		return w
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '‘', '’':
			return '\''
		case '“', '”':
			return '"'
		}
		return r
	}, w)
}

// dynamic appends the features that depend on the two previous tags.
func (d *doc) dynamic(i int, prev, prev2 uint8, out []uint64) []uint64 {
	p := uint64(prev)
	return append(out,
		feat(fPrev, p),
		feat(fPrev2, p|uint64(prev2)<<8),
		feat(fPrevLower, mix(p)^d.lower[i]),
		feat(fPrevShape, mix(p)^d.shape[i]),
	)
}

func feat(template, v uint64) uint64 { return mix(v ^ template*0xbf58476d1ce4e5b9) }

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashString is 64-bit FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// hashLower hashes the lower-case form of s.
func hashLower(s string) uint64 {
	if needsLower(s) {
		s = strings.ToLower(s)
	}
	return hashString(s)
}

// shapeHash hashes the word shape of s: upper → X, lower → x, digit → d,
// other runes kept, runs of the same class collapsed, at most 8 classes.
func shapeHash(s string) uint64 {
	h := uint64(14695981039346656037)
	var last rune = -1
	k := 0
	for _, r := range s {
		var c rune
		switch {
		case unicode.IsUpper(r):
			c = 'X'
		case unicode.IsLower(r):
			c = 'x'
		case unicode.IsDigit(r):
			c = 'd'
		case unicode.IsLetter(r):
			c = 'L'
		default:
			c = r
		}
		if c == last {
			continue
		}
		last = c
		if k++; k > 8 {
			break
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
