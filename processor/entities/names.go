package entities

import (
	"slices"
	"strings"
	"unicode"
)

// This file holds the boundary rules between people and the places,
// organisations and roles around their names: a name run into the place
// or organisation before it, and roles named without a name.

// roleNouns are the titles that name a role on their own ("the
// Minister", "Professor Chomsky"), unlike the words that only modify one
// ("Foreign", "Deputy", "State"). Lower-case keys.
var roleNouns = map[string]bool{
	"president": true, "minister": true, "secretary": true, "senator": true, "governor": true,
	"mayor": true, "king": true, "queen": true, "prince": true, "princess": true, "pope": true,
	"chancellor": true, "judge": true, "chairman": true, "chairwoman": true, "chairperson": true,
	"ceo": true, "sheikh": true, "ayatollah": true, "imam": true, "rabbi": true, "bishop": true,
	"archbishop": true, "cardinal": true, "coach": true, "detective": true, "inspector": true,
	"ambassador": true, "envoy": true, "spokesman": true, "spokeswoman": true,
	"spokesperson": true, "professor": true, "businessman": true, "businesswoman": true,
	"lawmaker": true, "legislator": true, "undersecretary": true, "sheriff": true,
	"commissioner": true, "director": true, "manager": true, "representative": true,
	"premier": true, "prosecutor": true, "secretary-general": true, "attorney": true,
}

// splitNames cuts a person's name off the place or organisation mention
// that the tagger ran it into: "[Middle East Tobias Ellwood]" → "Middle
// East" + "Tobias Ellwood", "[Washington State University Simon Ličen]",
// "[Humanities Citation Index Professor Chomsky]" → "Chomsky". The name
// must follow a role noun or an honorific, or start with a known first
// name (that is not also a place) right after a place word, an
// organisation or place head or a country; a person mention is cut only
// when all that precedes the first name are places ("[Hong Kong Carrie
// Lam]"). The name's last word is no place, head or lower-case word.
func (d *doc) splitNames() {
	if d.model == nil {
		return
	}
	var out []mention // nil until a mention is cut
	for i, m := range d.ms {
		k := d.nameCut(m)
		if k < 0 {
			if out != nil {
				out = append(out, m)
			}
			continue
		}
		if out == nil {
			out = append(make([]mention, 0, len(d.ms)+1), d.ms[:i]...)
		}
		pre := mention{typ: m.typ, first: m.first, end: k, title: -1}
		if lw := strings.ToLower(d.words[k-1]); titles[lw] || honorifics[lw] {
			pre.end = k - 1
		}
		n := len(d.ms)
		if pre.end > pre.first && m.typ != typPerson {
			d.add(pre)
		}
		d.add(mention{typ: typPerson, first: k, end: m.end, title: -1})
		out = append(out, d.ms[n:]...)
		d.ms = d.ms[:n]
	}
	if out != nil {
		d.ms = out
		slices.SortFunc(d.ms, func(a, b mention) int { return a.first - b.first })
	}
}

// nameCut returns the first token of the person's name at the end of
// mention m (see splitNames), or -1.
func (d *doc) nameCut(m mention) int {
	if m.end-m.first < 3 || m.typ == typNORP {
		return -1
	}
	last := d.words[m.end-1]
	if !isCap(last) || lowerIn(orgHeads, last) || lowerIn(placeHeads, last) || d.model.KnownPlace(last) {
		return -1
	}
	for k := m.first + 1; k < m.end; k++ {
		if !isCap(d.words[k]) {
			continue
		}
		prev := d.words[k-1]
		lp := strings.ToLower(prev)
		if m.typ != typPerson && isCap(prev) && (roleNouns[lp] || honorifics[lp]) && k-1 > m.first && d.allCap(k, m.end) {
			return k
		}
		if k+2 > m.end || !d.model.KnownFirstName(d.words[k]) || d.model.KnownPlace(d.words[k]) || !d.allCap(k, m.end) {
			continue
		}
		if m.typ == typPerson {
			if d.allPlaces(m.first, k) {
				return k
			}
			continue
		}
		if isCap(prev) && (orgHeads[lp] || placeHeads[lp] || d.model.KnownPlace(prev) || countryAliases[prev] || d.isCountry(m.first, k)) {
			return k
		}
	}
	return -1
}

// allCap reports whether the tokens [i, j) are all capitalised words that
// are not titles.
func (d *doc) allCap(i, j int) bool {
	for k := i; k < j; k++ {
		w := d.words[k]
		if !isCap(w) || lowerIn(titles, w) {
			return false
		}
	}
	return true
}

// allPlaces reports whether every token of [i, j) is a known place word
// that is no first name, or the tokens name a country.
func (d *doc) allPlaces(i, j int) bool {
	if d.isCountry(i, j) {
		return true
	}
	for k := i; k < j; k++ {
		w := d.words[k]
		if !d.model.KnownPlace(w) || d.model.KnownFirstName(w) {
			return false
		}
	}
	return true
}

// rolePhrases tags as a person a role named without a name: "the Foreign
// Secretary", "the Minister", "Minister for the Middle East", "the US
// Secretary of State", "Assistant Professor". The phrase is a run of
// capitalised words whose first role noun comes before any "of" or "for"
// and is the run's last word or is followed by "of"/"for" and the rest of
// the run, which may go on over "and" as an organisation's name does
// ("Director of Media and Communications"; see orgTail). A role followed by a name is a title ("Secretary Kerry"), and a
// role after "a" or an honorific is no reference to one person ("a
// Professor at Hebrew University", "Mr. President"). Places and
// organisations inside the phrase ("Foreign Office", "Middle East") give
// way to it, and so does a person mention among the words before the
// role noun ("Home" of "Home Secretary"); a phrase that crosses a mention's
// edge or holds a person in its role noun or after it is left alone. It runs after the consistency pass, so
// that the words of a role are no parts of a person's name there.
func (d *doc) rolePhrases() {
	var found []mention
	var roles []int // the role noun of each of found
	si := 0
	for i := 0; i < len(d.words); i++ {
		if !isCap(d.words[i]) {
			continue
		}
		end := d.sentenceEndFrom(i, &si)
		last := d.capRun(i, end, false)
		k := i
		for k <= last && isCap(d.words[k]) && !lowerIn(roleNouns, d.words[k]) {
			k++
		}
		// An "of" phrase that ends in a nationality before a common noun
		// is no part of the role ("Team Manager of the Slovenian
		// wheelchair basketball team").
		if k < last && joiners[d.words[k+1]] && demonymLike(d.words[last], true) && unicode.IsLower(firstRune(d.word(last+1))) {
			last = k
		}
		// A possessive before a name makes the role a modifier ("Prime
		// Minister's Questions").
		if w := d.word(last + 1); (w == "'s" || w == "’s") && isCap(d.word(last+2)) {
			i = last
			continue
		}
		// An "of" phrase goes on over "and" as an organisation's does
		// ("Director of Media and Communications").
		if k < last && joiners[d.words[k+1]] {
			last = d.orgTail(last+1, last, end) - 1
		}
		if k <= last && isCap(d.words[k]) && (k == last || joiners[d.words[k+1]]) && !d.nameAfterRole(k, last) {
			s := i
			for s < k && (strings.EqualFold(d.words[s], "the") || d.sentenceStart(s) && d.commonWord(d.words[s])) {
				s++
			}
			prev := strings.ToLower(d.word(s - 1))
			if (s > i || prev != "a" && prev != "an" && !honorifics[prev]) &&
				!slices.ContainsFunc(d.words[s:k], func(w string) bool { return honorifics[strings.ToLower(w)] }) {
				found = append(found, mention{typ: typPerson, first: s, end: last + 1, title: -1})
				roles = append(roles, k)
			}
		}
		i = last
	}
	// A person in the role noun or after it keeps the phrase out; the
	// phrase is taken as found (add would cut it as a title).
	d.giveWay(found, func(fi int, m mention) bool { return m.typ == typPerson && m.end > roles[fi] }, false)
}

// nameAfterRole reports whether a person's name follows the role noun at
// token k of the role phrase that ends at token last: in its "of" phrase
// ("President of Ukraine Volodymyr Zelenskyy": a first name before a
// capitalised word, or a last word that is no common word, plural, place,
// title or part of a place or organisation mention), or after "from" and a
// place ("United States Senator from Vermont Bernie Sanders").
func (d *doc) nameAfterRole(k, last int) bool {
	if d.word(last+1) == "from" && isCap(d.word(last+2)) {
		return true
	}
	if k == last || d.model == nil {
		return false
	}
	for j := k + 2; j < last; j++ {
		if w := d.words[j]; isCap(w) && d.model.KnownFirstName(w) && !d.model.KnownPlace(w) && isCap(d.words[j+1]) {
			return true
		}
	}
	w := d.words[last]
	lw := strings.ToLower(w)
	if titles[lw] || strings.HasSuffix(lw, "s") || d.model.UsuallyLowerCase(w) || d.lowerInDoc(lw) ||
		d.model.KnownPlace(w) || countryAliases[w] || isAcronymWord(w) {
		return false
	}
	for _, m := range d.ms {
		if m.typ != typPerson && m.first <= last && m.end > last {
			return false
		}
	}
	return true
}

// sentenceWords are function words that start sentences with a capital
// ("As Divisional Railway Manager, he …"); they are no part of a name.
var sentenceWords = map[string]bool{
	"as": true, "at": true, "in": true, "on": true, "for": true, "by": true, "with": true,
	"from": true, "after": true, "before": true, "when": true, "while": true, "if": true,
	"but": true, "and": true, "then": true, "since": true, "under": true,
}

// commonWord reports whether w, capitalised at the start of a sentence, is
// a common word: a function word, or one the training text writes in lower
// case.
func (d *doc) commonWord(w string) bool {
	if sentenceWords[strings.ToLower(w)] {
		return true
	}
	return d.model != nil && d.model.UsuallyLowerCase(w) && !isAcronymWord(w)
}
