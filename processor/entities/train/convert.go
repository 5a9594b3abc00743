package train

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// GoldDocument converts a gold record (the format of the development gold
// file) into a training document, for cross-validation folds that train on
// records with no CoNLL counterpart (the re3d articles). The body is
// tokenised with tagger.Tokenize and split into sentences at ".", "!" or
// "?" before a capitalised word and at line breaks. Tags follow the
// conventions of the GUM training data:
//
//   - Named gold entities (named: true) of the tagger's types (PERSON, ORG,
//     LOC, NORP, MISC) are tagged; DATE, QUANTITY and MONEY are not.
//   - A span is split at commas ("Istanbul, Turkey" gives two LOC).
//   - Leading determiners are dropped ("the Kurdish YPG" → "Kurdish YPG").
//   - A person's titles, and what precedes them, are dropped, as the
//     entities stage does ("Defense Secretary Ash Carter" → "Ash Carter");
//     a person mention that is titles only ("the Foreign Secretary") is
//     not a name and is left untagged.
//
// Where the conversion cannot say how GUM would tag a word, the word is
// tagged tagger.TagUnknown (training learns nothing from it), so that no
// name is taught as O: the words of a named mention that is a role phrase
// ("Minister for the Middle East Tobias Ellwood"), and the capitalised
// words of a mention the corpus marks as not named, other than a leading
// determiner or pronoun, that are not part of a named mention ("Iraqi" in
// "Iraqi security forces", "al-Qaida"). unknown counts those words.
func GoldDocument(r *eval.Record) (doc tagger.Document, unknown int) {
	body := r.Body
	spans := tagger.Tokenize(body, nil)
	if len(spans) == 0 {
		return nil, 0
	}
	// byteAt[i] is the byte offset of code point i of body.
	byteAt := make([]int, 0, len(body)+1)
	for i := range body {
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(body))
	cpToByte := func(cp int) int { return byteAt[max(0, min(cp, len(byteAt)-1))] }
	words := make([]string, len(spans))
	for i, s := range spans {
		words[i] = body[s.Start:s.End]
	}
	// tokensIn returns the tokens that start inside [bs, be).
	tokensIn := func(bs, be int) (int, int) {
		first := sort.Search(len(spans), func(i int) bool { return spans[i].Start >= bs })
		end := first
		for end < len(spans) && spans[end].Start < be {
			end++
		}
		return first, end
	}

	tags := make([]uint8, len(spans))
	uncertain := make([]bool, len(spans))
	// Named mentions, longest first: where they overlap, the longest wins.
	var named, unnamed []eval.GoldEntity
	for _, e := range r.Entities {
		if typeIndex(e.Type) < 0 {
			continue
		}
		if e.Named {
			named = append(named, e)
		} else {
			unnamed = append(unnamed, e)
		}
	}
	sort.SliceStable(named, func(i, j int) bool { return named[i].End-named[i].Start > named[j].End-named[j].Start })
	for _, e := range named {
		typ := typeIndex(e.Type)
		first, end := tokensIn(cpToByte(e.Start), cpToByte(e.End))
		for _, part := range splitAtCommas(words, first, end) {
			f, en, ok := trimMention(words, part[0], part[1], typ)
			if !ok {
				markAll(uncertain, part[0], part[1])
				continue
			}
			if f >= en || !free(tags, f, en) {
				continue
			}
			tags[f] = uint8(1 + 2*typ)
			for k := f + 1; k < en; k++ {
				tags[k] = uint8(2 + 2*typ)
			}
		}
	}
	// Unnamed mentions ("the city of Mosul") are O, but for the names in
	// them that are named mentions of their own.
	for _, e := range unnamed {
		first, end := tokensIn(cpToByte(e.Start), cpToByte(e.End))
		for k := first; k < end; k++ {
			if tags[k] == tagger.TagO && nameWord(words[k], k == first) {
				uncertain[k] = true
			}
		}
	}

	for k, u := range uncertain {
		if u {
			tags[k] = tagger.TagUnknown
			unknown++
		}
	}
	// Sentences, as the entities stage splits text it tokenises itself.
	start := 0
	for i := range spans {
		end := i+1 == len(spans)
		if !end {
			gap := body[spans[i].End:spans[i+1].Start]
			end = strings.ContainsRune(gap, '\n')
			if w := words[i]; !end && (w == "." || w == "!" || w == "?") && gap != "" {
				r, _ := utf8.DecodeRuneInString(words[i+1])
				end = unicode.IsUpper(r) || r == '"' || r == '“' || r == '\''
			}
		}
		if end {
			doc = append(doc, tagger.Sentence{Words: words[start : i+1 : i+1], Tags: tags[start : i+1 : i+1]})
			start = i + 1
		}
	}
	return doc, unknown
}

// typeIndex returns the tagger's index of entity type t (see
// tagger.TypeName), or -1 for types the tagger does not learn.
func typeIndex(t string) int {
	for i := range tagger.NumTypes {
		if tagger.TypeName(i) == t {
			return i
		}
	}
	return -1
}

var determiners = map[string]bool{"the": true, "a": true, "an": true}

var pronouns = map[string]bool{
	"i": true, "we": true, "he": true, "she": true, "they": true, "it": true, "you": true,
	"this": true, "that": true, "these": true, "those": true, "its": true, "our": true,
	"their": true, "his": true, "her": true, "my": true, "your": true,
}

// nameWord reports whether w, a word of a mention the corpus marks as not
// named, has a capital letter and is not a leading (first) determiner or
// pronoun: a word GUM may tag as a name.
func nameWord(w string, first bool) bool {
	if lw := strings.ToLower(w); first && (determiners[lw] || pronouns[lw]) {
		return false
	}
	return strings.IndexFunc(w, unicode.IsUpper) >= 0
}

// splitAtCommas splits tokens [first, end) at comma tokens.
func splitAtCommas(words []string, first, end int) [][2]int {
	var parts [][2]int
	s := first
	for k := first; k < end; k++ {
		if words[k] == "," {
			if k > s {
				parts = append(parts, [2]int{s, k})
			}
			s = k + 1
		}
	}
	if end > s {
		parts = append(parts, [2]int{s, end})
	}
	return parts
}

// trimMention applies the span conventions to the named mention [first,
// end) of type typ: it drops edge punctuation, leading determiners and, for
// a person, titles and what precedes them. It returns an empty span for a
// person mention that is only titles, and false when the mention cannot
// be converted (what is left does not start with a capital letter or a
// digit).
func trimMention(words []string, first, end, typ int) (int, int, bool) {
	word := func(w string) bool {
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	for first < end && !word(words[first]) {
		first++
	}
	for end > first && !word(words[end-1]) {
		end--
	}
	for first < end && determiners[strings.ToLower(words[first])] {
		first++
	}
	if typ == typeIndex("PERSON") {
		titlesOnly := true
		for k := first; k < end; k++ {
			if !entities.IsTitle(words[k]) {
				titlesOnly = false
				break
			}
		}
		if titlesOnly {
			return first, first, true
		}
		for k := end - 2; k >= first; k-- {
			if entities.IsTitle(words[k]) {
				first = k + 1
				break
			}
		}
	}
	if first >= end {
		return first, first, true
	}
	r, _ := utf8.DecodeRuneInString(words[first])
	if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
		return first, end, false
	}
	return first, end, true
}

func markAll(b []bool, first, end int) {
	for k := first; k < end; k++ {
		b[k] = true
	}
}

// free reports whether tags[first:end] are all O.
func free(tags []uint8, first, end int) bool {
	for k := first; k < end; k++ {
		if tags[k] != tagger.TagO {
			return false
		}
	}
	return true
}
