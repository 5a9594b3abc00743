package entities

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Type indexes (see tagger.TypeName).
const (
	typPerson = iota
	typOrg
	typLoc
	typNORP
	typMISC
)

// harmonise makes the mentions of one document consistent:
//
//  1. one surface form, one type: every mention of the same token sequence
//     takes the type most of them were tagged with (ties: the first one);
//  2. the first and last words of a full person name ("Mamoudou Gassama")
//     are that person wherever they stand alone, whatever type the tagger
//     gave them; a last word with a hyphenated particle counts without it
//     ("Abadi" of "Haider al-Abadi"), and an acronym never counts ("VR" of
//     a mistagged "Arkham VR");
//  3. a name tagged once is tagged wherever else it recurs untagged, with
//     the same capitalisation; so are the doctrine names that orgPhrases
//     took into an organisation ("Scientology" of "Church of
//     Scientology"), as organisations. A recurring part of a person's name
//     stays a person where add would take it for a nationality
//     ("Braverman with").
func (d *doc) harmonise() {
	if len(d.ms) == 0 {
		return
	}
	// 0. Two person mentions side by side are one name ("Matt" "Ratana").
	d.joinPersons()

	// 1. Type vote.
	votes := make(map[string]*[5]int, len(d.ms))
	for _, m := range d.ms {
		k := d.key(m.first, m.end)
		v := votes[k]
		if v == nil {
			v = new([5]int)
			votes[k] = v
		}
		v[m.typ] += 2
		if v[m.typ] == 2 && first(v) {
			v[m.typ]++ // first type seen wins ties
		}
	}
	for i, m := range d.ms {
		d.ms[i].typ = argmax(votes[d.key(m.first, m.end)])
	}

	// 2. Parts of person names.
	parts := map[string]bool{}
	for _, m := range d.ms {
		if m.typ != typPerson || m.end-m.first < 2 {
			continue
		}
		for _, k := range []int{m.first, m.end - 1} {
			// The surname before a generational suffix ("Keating" of
			// "Charles H. Keating IV").
			if k == m.end-1 && k-1 > m.first && generational[d.words[k]] {
				k--
			}
			w := d.words[k]
			if s := particleSurname(w); s != "" {
				w = s // "Assad" of "Bashar al-Assad"
			}
			if isCap(w) && utf8.RuneCountInString(w) > 1 && !lowerIn(stopNames, w) && !lowerIn(titles, w) && !d.placeWord(w) && !acronymPerson(w) {
				parts[w] = true
			}
		}
	}
	for i, m := range d.ms {
		if m.end-m.first == 1 && parts[d.words[m.first]] {
			d.ms[i].typ = typPerson
		}
	}

	// 3. Recurrences (longest first), including the person parts.
	type cand struct {
		words []string
		typ   int
	}
	byFirst := map[string][]cand{}
	seen := map[string]bool{}
	for _, m := range d.ms {
		k := d.key(m.first, m.end)
		if seen[k] || !isCap(d.words[m.first]) {
			continue
		}
		seen[k] = true
		byFirst[d.words[m.first]] = append(byFirst[d.words[m.first]], cand{d.words[m.first:m.end], m.typ})
	}
	for w := range parts {
		if !seen[w] {
			byFirst[w] = append(byFirst[w], cand{[]string{w}, typPerson})
		}
	}
	for _, w := range d.inner {
		if !seen[w] && !parts[w] {
			seen[w] = true
			byFirst[w] = append(byFirst[w], cand{[]string{w}, typOrg})
		}
	}
	for _, cs := range byFirst {
		slices.SortStableFunc(cs, func(a, b cand) int { return len(b.words) - len(a.words) })
	}
	covered := make([]bool, len(d.words))
	for _, m := range d.ms {
		for k := m.first; k < m.end; k++ {
			covered[k] = true
		}
	}
	sentEnd := 0
	si := 0
	added := false
	for i := 0; i < len(d.words); i++ {
		for si < len(d.ends) && d.ends[si] <= i {
			si++
		}
		if si < len(d.ends) {
			sentEnd = d.ends[si]
		} else {
			sentEnd = len(d.words)
		}
		if covered[i] {
			continue
		}
		for _, c := range byFirst[d.words[i]] {
			n := len(c.words)
			if i+n > sentEnd || !slices.Equal(d.words[i:i+n], c.words) || slices.Contains(covered[i:i+n], true) {
				continue
			}
			before := len(d.ms)
			d.add(mention{typ: c.typ, first: i, end: i + n, title: -1})
			if len(d.ms) > before {
				// A part of a person's name stays a person where add
				// takes it for a nationality ("Braverman with").
				if last := &d.ms[len(d.ms)-1]; last.typ == typNORP && n == 1 && parts[c.words[0]] {
					last.typ = typPerson
				}
				for k := i; k < i+n; k++ {
					covered[k] = true
				}
				added = true
				i += n - 1
			}
			break
		}
	}
	if added {
		slices.SortFunc(d.ms, func(a, b mention) int { return a.first - b.first })
	}
}

// joinPersons merges person mentions that follow each other with nothing
// but white space between them.
func (d *doc) joinPersons() {
	out := d.ms[:0]
	for _, m := range d.ms {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.typ == typPerson && m.typ == typPerson && p.end == m.first &&
				strings.TrimSpace(d.text[d.spans[p.end-1].End:d.spans[m.first].Start]) == "" &&
				!strings.Contains(d.text[d.spans[p.end-1].End:d.spans[m.first].Start], "\n") {
				p.end = m.end
				continue
			}
		}
		out = append(out, m)
	}
	d.ms = out
}

func first(v *[5]int) bool {
	n := 0
	for _, x := range v {
		if x > 0 {
			n++
		}
	}
	return n == 1
}

func argmax(v *[5]int) int {
	best := 0
	for t := 1; t < len(v); t++ {
		if v[t] > v[best] {
			best = t
		}
	}
	return best
}

// placeWord reports whether w is a country's name that is no first name
// ("Australia" of the party "Zorin Australia", tagged as a person): such a
// word is no part of a person's name to spread through the document.
// Other places are ("Montalvo").
func (d *doc) placeWord(w string) bool {
	return d.model != nil && (d.model.KnownCountry([]string{w}) || countryAliases[w]) && !d.model.KnownFirstName(w)
}
