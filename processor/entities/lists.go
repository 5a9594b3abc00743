package entities

import "strings"

// nameEnds returns the first and last words of the document's person
// mentions of two words or more: a one-word mention of such a word is that
// person ("King" of "Martin Luther King"), whatever else it could be.
func (d *doc) nameEnds() map[string]bool {
	ends := map[string]bool{}
	for _, m := range d.ms {
		if m.typ == typPerson && m.end-m.first >= 2 {
			ends[d.words[m.first]] = true
			ends[d.words[m.end-1]] = true
		}
	}
	return ends
}

// listPlaces retypes as a place a one-word person mention that stands in
// a list next to a place ("primaries in Arizona, Florida, and Illinois",
// "Iowa, New Hampshire, and Nevada") and is a known place: the tagger,
// reading one name at a time, takes a state or a city that is also a
// first name for a person. The change spreads along the list ("Kings,
// Kern, Fresno, and Tulare") and to the word's other one-word person
// mentions in the document. A word that is part of a person's full name
// in the document ("Paris" of "Valeska Paris") stays a person.
func (d *doc) listPlaces() {
	if d.model == nil {
		return
	}
	var ends map[string]bool
	retyped := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for i := range d.ms {
			m := &d.ms[i]
			if m.typ != typPerson || m.end-m.first != 1 {
				continue
			}
			w := d.words[m.first]
			if !d.model.KnownPlace(w) {
				continue
			}
			if !(i > 0 && d.listed(d.ms[i-1], *m) || i+1 < len(d.ms) && d.listed(*m, d.ms[i+1])) {
				continue
			}
			if ends == nil {
				ends = d.nameEnds()
			}
			if ends[w] {
				continue
			}
			m.typ = typLoc
			retyped[w] = true
			changed = true
		}
	}
	if len(retyped) == 0 {
		return
	}
	for i := range d.ms {
		if m := &d.ms[i]; m.typ == typPerson && m.end-m.first == 1 && retyped[d.words[m.first]] {
			m.typ = typLoc
		}
	}
}

// listed reports whether mentions prev and next, in that order, stand in
// a list with a place: one of them is a place, and only a comma, "and",
// "or", ", and" or ", or" stands between them, on one line.
func (d *doc) listed(prev, next mention) bool {
	if prev.typ != typLoc && next.typ != typLoc || prev.end > next.first {
		return false
	}
	gap := d.text[d.spans[prev.end-1].End:d.spans[next.first].Start]
	switch strings.Join(strings.Fields(gap), " ") {
	case ",", "and", "or", ", and", ", or":
		return !strings.Contains(gap, "\n")
	}
	return false
}
