package entities

import (
	"slices"
	"sort"
	"strings"
	"unicode"
)

// This file holds the rules that run before the consistency pass (see
// analyse): known organisations and common nouns tagged as people. Country
// metonymy (metonymy.go) runs after it, because it depends on each
// mention's own context.

// knownOrgs are organisations whose names the tagger misses or mistypes
// because they are rare in its training text: armed groups with their
// spelling variants, and international bodies. Keys are token sequences
// joined by a space, with ASCII apostrophes; matched case-sensitively.
var knownOrgs = map[string]bool{
	"Daesh": true, "Da'esh": true, "DAESH": true, "ISIL": true, "ISIS": true,
	"Islamic State": true, "Islamic State of Iraq and the Levant": true,
	"Islamic State of Iraq and Syria": true, "Islamic State of Iraq and al-Sham": true,
	"al-Qaida": true, "Al-Qaida": true, "al-Qaeda": true, "Al-Qaeda": true, "al-Qa'ida": true,
	"Al Qaeda": true, "al Qaeda": true, "Taliban": true, "Hamas": true, "Hezbollah": true,
	"Hizbollah": true, "Hizbullah": true, "Boko Haram": true, "al-Shabaab": true, "Al-Shabaab": true,
	"al-Nusra": true, "Nusra Front": true, "Jabhat al-Nusra": true, "Peshmerga": true,
	"YPG": true, "PKK": true, "NATO": true, "UNESCO": true, "UNICEF": true, "UNHCR": true,
	"OPEC": true, "ASEAN": true, "NASA": true, "FBI": true, "CIA": true, "Interpol": true,
	"Europol": true, "IAEA": true, "IMF": true, "OSCE": true,
	// The United Nations, which the tagger sometimes takes for a place
	// ("the U.N. headquarters in New York").
	"UN": true, "U.N.": true,
	// The Wikimedia projects, which Wikinews articles name as their
	// publisher ("told Wikinews") and the tagger misses or calls MISC.
	"Wikinews": true, "Wikipedia": true, "Wikimedia": true, "Wikimedia Foundation": true,
}

// maxOrgTokens bounds the length of a knownOrgs entry in tokens.
const maxOrgTokens = 8

// knownOrgFirst holds the first tokens of the knownOrgs entries.
var knownOrgFirst = func() map[string]bool {
	m := map[string]bool{}
	for k := range knownOrgs {
		f, _, _ := strings.Cut(k, " ")
		m[f] = true
	}
	return m
}()

// countryAliases are short names of countries the country gazetteer lacks.
var countryAliases = map[string]bool{
	"US": true, "U.S.": true, "USA": true, "U.S.A.": true, "UK": true, "U.K.": true,
	"Britain": true, "Great Britain": true, "America": true,
}

// joinWords returns the tokens [i, j) joined by a space, with typographic
// apostrophes made ASCII.
func (d *doc) joinWords(i, j int) string {
	s := strings.Join(d.words[i:j], " ")
	if strings.ContainsRune(s, '’') {
		s = strings.ReplaceAll(s, "’", "'")
	}
	return s
}

// knownOrgNames types the names of knownOrgs as organisations: untagged,
// or tagged as a mention of the same span or inside the name.
func (d *doc) knownOrgNames() {
	var found []mention
	for i := 0; i < len(d.words); i++ {
		if w := d.words[i]; !knownOrgFirst[w] && !(strings.ContainsRune(w, '’') && knownOrgFirst[strings.ReplaceAll(w, "’", "'")]) {
			continue
		}
		end := d.sentenceEnd(i)
		best := 0
		for j := i + 1; j <= min(end, i+maxOrgTokens); j++ {
			if knownOrgs[d.joinWords(i, j)] {
				best = j
			}
		}
		if best > 0 {
			found = append(found, mention{typ: typOrg, first: i, end: best, title: -1})
			i = best - 1
		}
	}
	d.replaceWith(found)
}

// regionNames are regions named with "the" and a capitalised compass or
// sea word ("the West", "the Gulf"); "the Middle East" and "the Far East"
// are matched apart.
var regionNames = map[string]bool{
	"West": true, "East": true, "North": true, "South": true, "Midwest": true, "Gulf": true,
	"Levant": true, "Balkans": true, "Sahel": true, "Caucasus": true, "Arctic": true,
	"Antarctic": true, "Mediterranean": true, "Caribbean": true,
}

// regions tags as places the regions of regionNames that the tagger left
// untagged: after "the", before no capitalised word and no "of" ("the
// West", but not "the West Bank", "the Gulf War" or "the Gulf of
// Mexico").
func (d *doc) regions() {
	var found []mention
	for i := 1; i < len(d.words); i++ {
		w := d.words[i]
		j := i + 1
		if (w == "Middle" || w == "Far") && d.word(i+1) == "East" {
			j = i + 2
		} else if !regionNames[w] {
			continue
		}
		if !strings.EqualFold(d.words[i-1], "the") || j > d.sentenceEnd(i) || isCap(d.word(j)) || d.word(j) == "of" || d.mentionIn(i, j) {
			continue
		}
		found = append(found, mention{typ: typLoc, first: i, end: j, title: -1})
	}
	d.addAll(found)
}

// mentionIn reports whether a mention overlaps tokens [i, j).
func (d *doc) mentionIn(i, j int) bool {
	for _, m := range d.ms {
		if m.first < j && m.end > i {
			return true
		}
	}
	return false
}

// replaceWith adds the mentions of found (through add, which trims them),
// each unless it overlaps a mention it does not contain; mentions inside
// one of found give way.
func (d *doc) replaceWith(found []mention) { d.giveWay(found, nil, true) }

// giveWay puts the mentions of found in place of the mentions they
// contain. A found mention is dropped when it overlaps a mention it does
// not contain, or one for which blocks(its index in found, the mention)
// is true (blocks may be nil). With trim the kept ones go through add;
// else they are taken as they are.
//
// d.ms is sorted by first token (every change re-sorts it; it is sorted
// here if a rule left it otherwise); with the
// running maximum of the ends, the mentions that may overlap a found one
// are found by binary search, so the cost is O((F + M) log M) rather than
// F × M: a large article has thousands of both.
func (d *doc) giveWay(found []mention, blocks func(fi int, m mention) bool, trim bool) {
	if len(found) == 0 {
		return
	}
	byStart := func(a, b mention) int { return a.first - b.first }
	if !slices.IsSortedFunc(d.ms, byStart) {
		slices.SortFunc(d.ms, byStart) // a rule that left it unsorted
	}
	maxEnd := prefixMaxEnd(d.ms)
	var kept []mention
	for fi, f := range found {
		ok := true
		// The mentions starting before f.end, from the last back, while
		// one of them may still reach into f.
		for k := sort.Search(len(d.ms), func(k int) bool { return d.ms[k].first >= f.end }) - 1; k >= 0 && maxEnd[k] > f.first; k-- {
			m := d.ms[k]
			if m.end > f.first && (m.first < f.first || m.end > f.end || blocks != nil && blocks(fi, m)) {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return
	}
	byFirst := slices.Clone(kept)
	slices.SortFunc(byFirst, byStart)
	keptEnd := prefixMaxEnd(byFirst)
	d.ms = slices.DeleteFunc(d.ms, func(m mention) bool {
		// Contained in a kept mention: one starts at or before m and
		// ends at or after it.
		k := sort.Search(len(byFirst), func(k int) bool { return byFirst[k].first > m.first })
		return k > 0 && keptEnd[k-1] >= m.end
	})
	if trim {
		for _, f := range kept {
			d.add(f)
		}
	} else {
		d.ms = append(d.ms, kept...)
	}
	slices.SortFunc(d.ms, byStart)
}

// prefixMaxEnd returns, for each k, the largest end among ms[:k+1].
func prefixMaxEnd(ms []mention) []int {
	out := make([]int, len(ms))
	e := 0
	for k, m := range ms {
		e = max(e, m.end)
		out[k] = e
	}
	return out
}

// notPersonEnds end words that name doctrines, fields and qualities, never
// people ("Scientology", "Buddhism").
var notPersonEnds = []string{"ology", "ism", "ness", "ment", "tion", "ity"}

// commonNouns drops one-word person names that are common nouns written
// with a capital ("Iodine", "Polaroids"): words, in the singular or the
// plural, that the training text almost always writes in lower case or
// that the document itself writes in lower case elsewhere, unless they
// are first names. A name of a doctrine or a field ("Scientology") is an
// organisation when it ends in -ology and no name otherwise. An acronym
// that is no first name ("SETI", "POTUS") is no person either (see
// acronymPerson).
func (d *doc) commonNouns() {
	if d.model == nil {
		return
	}
	out := d.ms[:0]
	for _, m := range d.ms {
		if m.typ == typPerson && m.end-m.first == 1 {
			w := d.words[m.first]
			lw := strings.ToLower(w)
			if acronymPerson(w) && !d.model.KnownFirstName(w) || d.pluralMen(w) {
				continue
			}
			if !isAcronymWord(w) && !d.model.KnownFirstName(w) {
				switch {
				case strings.HasSuffix(lw, "ology"):
					m.typ = typOrg
				case slices.ContainsFunc(notPersonEnds, func(s string) bool { return strings.HasSuffix(lw, s) }),
					d.model.UsuallyLowerCase(w) || d.lowerInDoc(lw),
					strings.HasSuffix(lw, "s") && (d.model.UsuallyLowerCase(w[:len(w)-1]) || d.lowerInDoc(lw[:len(lw)-1])):
					continue
				}
			}
		}
		out = append(out, m)
	}
	d.ms = out
}

// doctrineName reports whether m is a one-word person mention that
// commonNouns takes for the name of a doctrine or a field (by its ending,
// not a first name): such a "person" does not keep an organisation's name
// from taking it in ("Church of Scientology").
func (d *doc) doctrineName(m mention) bool {
	if m.end-m.first != 1 || d.model == nil {
		return false
	}
	w := d.words[m.first]
	lw := strings.ToLower(w)
	return !isAcronymWord(w) && !d.model.KnownFirstName(w) &&
		(strings.HasSuffix(lw, "ology") || slices.ContainsFunc(notPersonEnds, func(s string) bool { return strings.HasSuffix(lw, s) }))
}

// acronymPerson reports whether w, a one-word person's name, is an
// acronym: two letters or more, all capitals ("VR", "SETI", "POTUS",
// "CEO"). News writes people's names in mixed case; such a word names a
// thing, a body or a role.
func acronymPerson(w string) bool {
	letters := 0
	for _, r := range w {
		if !unicode.IsUpper(r) {
			return false
		}
		letters++
	}
	return letters >= 2
}

// lowerInDoc reports whether the lower-case word lw occurs in the document
// written in lower case.
func (d *doc) lowerInDoc(lw string) bool {
	if d.lowers == nil {
		d.lowers = map[string]bool{}
		for _, w := range d.words {
			if unicode.IsLower(firstRune(w)) {
				d.lowers[w] = true
			}
		}
	}
	return d.lowers[lw]
}

// definedAcronyms tags as an organisation the acronym that a document
// defines in parentheses right after an organisation's name ("the World
// Monuments Fund (WMF)"); the consistency pass then tags its later uses.
func (d *doc) definedAcronyms() {
	var found []mention
	for _, m := range d.ms {
		i := m.end
		if m.typ != typOrg || i+2 >= len(d.words) || d.words[i] != "(" || d.words[i+2] != ")" || !acronymToken(d.words[i+1]) {
			continue
		}
		found = append(found, mention{typ: typOrg, first: i + 1, end: i + 2, title: -1})
	}
	d.replaceWith(found)
}

// acronymToken reports whether w has the shape of an acronym: letters and
// digits only, starting with a capital, with at least two capitals and no
// more lower-case letters than capitals ("WMF", "M5S", "DoD").
func acronymToken(w string) bool {
	upper, lower := 0, 0
	for _, r := range w {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		case !unicode.IsDigit(r):
			return false
		}
	}
	return isCap(w) && upper >= 2 && lower <= upper
}

// miscHeads end the names of events, agreements, awards and the like
// ("Vietnam War", "Waitangi Day", "Strategic Framework Agreement").
// Lower-case keys.
var miscHeads = map[string]bool{
	"war": true, "revolution": true, "games": true, "olympics": true, "cup": true,
	"championship": true, "championships": true, "festival": true, "prize": true,
	"award": true, "awards": true, "agreement": true, "treaty": true, "accord": true,
	"accords": true, "act": true, "summit": true, "crisis": true, "day": true, "index": true,
	"fair": true, "expo": true, "exhibition": true, "tournament": true, "marathon": true,
	"prix": true, "resolution": true,
}

// miscPhrases tags as MISC a run of capitalised words that ends in an event
// or agreement word, so that the place or organisation in it is no
// mention of its own ("Vietnam War" is no mention of Vietnam). Mentions
// inside the run give way; a run that crosses a mention's edge is left
// alone.
func (d *doc) miscPhrases() {
	var found []mention
	si := 0
	for i := 0; i < len(d.words); i++ {
		if !isCap(d.words[i]) {
			continue
		}
		end := d.sentenceEndFrom(i, &si)
		last := d.capRun(i, end, true)
		if last > i && lowerIn(miscHeads, d.words[last]) {
			s := i
			for s < last && (strings.EqualFold(d.words[s], "the") || d.sentenceStart(s) && d.commonWord(d.words[s])) {
				s++
			}
			if s < last {
				found = append(found, mention{typ: typMISC, first: s, end: last + 1, title: -1})
			}
		}
		i = last
	}
	d.replaceWith(append(found, d.stormPhrases()...))
}

// stormPhrases returns the names of storms as MISC mentions: a storm word
// ("Hurricane", "Typhoon", "Cyclone", "Tropical Storm", "Tropical
// Depression", "Super Typhoon") and the one capitalised name after it
// ("Hurricane Humberto", "Tropical Storm Barry"). The tagger takes the
// name, a given name, for a person. A name that is a place's or an
// organisation's word ("Hurricane Center", "Hurricane Hunters") is none.
func (d *doc) stormPhrases() []mention {
	var found []mention
	for i := 0; i < len(d.words); i++ {
		k := i
		for k < len(d.words) && k-i < 2 && isCap(d.words[k]) && lowerIn(stormWords, d.words[k]) {
			k++
		}
		if k == i || !lowerIn(stormHeads, d.words[k-1]) || k >= len(d.words) || !d.sameLine(k-1) {
			continue
		}
		w := d.words[k]
		if !isCap(w) || !allLetters(w) || lowerIn(placeHeads, w) || lowerIn(orgHeads, w) || lowerIn(stormWords, w) || w == strings.ToUpper(w) {
			i = k - 1
			continue
		}
		if k+1 < len(d.words) && d.sameLine(k) && (isCap(d.words[k+1]) || startsWithDigit(d.words[k+1])) {
			i = k // a longer name: "Hurricane Humberto Intermediate Advisory", "Storm Area 51"
			continue
		}
		found = append(found, mention{typ: typMISC, first: i, end: k + 1, title: -1})
		i = k
	}
	return found
}

// startsWithDigit reports whether w opens with a digit ("51").
func startsWithDigit(w string) bool { return w != "" && w[0] >= '0' && w[0] <= '9' }

// stormHeads end a storm word ("Super Typhoon", "Tropical Depression"):
// "Super Tuesday" is no storm. Lower-case keys.
var stormHeads = map[string]bool{"storm": true, "hurricane": true, "typhoon": true, "cyclone": true, "depression": true}

// stormNames retypes as MISC the one-word person mentions of a storm's
// name that the document gives with its storm word elsewhere ("Humberto
// is expected to strengthen" after "Tropical Storm Humberto").
func (d *doc) stormNames() {
	var names map[string]bool
	for _, m := range d.ms {
		if m.typ == typMISC && m.end-m.first >= 2 && lowerIn(stormWords, d.words[m.first]) {
			if names == nil {
				names = map[string]bool{}
			}
			names[d.words[m.end-1]] = true
		}
	}
	for i := range d.ms {
		if m := &d.ms[i]; m.typ == typPerson && m.end-m.first == 1 && names[d.words[m.first]] {
			m.typ = typMISC
		}
	}
}
