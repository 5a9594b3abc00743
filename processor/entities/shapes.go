package entities

import (
	"slices"
	"strings"
)

// This file holds rules read off the shape of news text: facility and
// place names the tagger missed (by their last word), a unit's
// abbreviation after its number, and words that name no person, place or
// organisation (nationality adjectives and languages, plurals of peoples,
// plurals in -men, a word run into a negation, the modifiers of a title
// before a name).

// placePhrases adds the names of places and facilities the tagger missed:
// a run of two or more capitalised words that no mention touches and that
// ends in a place or facility word ("Grand Mosque", "Tabqa Dam"). A
// sentence-initial common word or "the" is left out; a run with a title or
// an honorific, one that starts with a known first name ("Shirley
// Temple") and one joined to more capitalised words by "and", "of" or
// "for" are left alone.
func (d *doc) placePhrases() {
	var found []mention
	si := 0
	for i := 0; i < len(d.words); i++ {
		if !isCap(d.words[i]) {
			continue
		}
		end := d.sentenceEndFrom(i, &si)
		j := i + 1
		for j < end && isCap(d.words[j]) {
			j++
		}
		start := i
		i = j - 1
		if j-start < 2 || !lowerIn(placeHeads, d.words[j-1]) {
			continue
		}
		first := d.nameStart(start, j-1)
		if j-first < 2 || d.mentionIn(first, j) || d.model != nil && d.model.KnownFirstName(d.words[first]) {
			continue
		}
		// Part of a longer name joined by "and", "of" or "for" ("Command
		// and Control Centre", "National Radio Hall of Fame").
		if first == start && (joiners[d.word(first-1)] || d.word(first-1) == "and") && isCap(d.word(first-2)) ||
			j < end && (joiners[d.words[j]] || d.words[j] == "and") && isCap(d.word(j+1)) {
			continue
		}
		ok := true
		for k := first; k < j; k++ {
			if lowerIn(titles, d.words[k]) || lowerIn(honorifics, d.words[k]) || !isWordTok(d.words[k]) {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, mention{typ: typLoc, first: first, end: j, title: -1})
		}
	}
	d.addAll(found)
}

// nationalities are nationality adjectives and language names, which name
// no person, place or organisation on their own ("the discoverer was
// German", "books in German, Hebrew, and Japanese"). Their plurals name
// groups (see peoplePlural), which re3d tags as organisations ("the
// Iraqis") and GUM leaves untagged ("Arabs"): only a plural tagged as a
// person or a place is retyped.
var nationalities = map[string]bool{
	"American": true, "British": true, "English": true, "Scottish": true, "Welsh": true,
	"Irish": true, "French": true, "German": true, "Italian": true, "Spanish": true,
	"Portuguese": true, "Dutch": true, "Belgian": true, "Swiss": true, "Austrian": true,
	"Swedish": true, "Norwegian": true, "Danish": true, "Finnish": true, "Icelandic": true,
	"Polish": true, "Czech": true, "Slovak": true, "Hungarian": true, "Romanian": true,
	"Bulgarian": true, "Greek": true, "Turkish": true, "Russian": true, "Ukrainian": true,
	"Belarusian": true, "Serbian": true, "Croatian": true, "Bosnian": true, "Slovenian": true,
	"Albanian": true, "Estonian": true, "Latvian": true, "Lithuanian": true, "Armenian": true,
	"Azerbaijani": true, "Kazakh": true, "Uzbek": true, "Chinese": true, "Japanese": true,
	"Korean": true, "Vietnamese": true, "Thai": true, "Indonesian": true, "Malaysian": true,
	"Filipino": true, "Indian": true, "Pakistani": true, "Afghan": true, "Bangladeshi": true,
	"Nepali": true, "Iranian": true, "Persian": true, "Iraqi": true, "Syrian": true,
	"Lebanese": true, "Jordanian": true, "Israeli": true, "Palestinian": true, "Saudi": true,
	"Yemeni": true, "Egyptian": true, "Libyan": true, "Tunisian": true, "Algerian": true,
	"Moroccan": true, "Sudanese": true, "Ethiopian": true, "Somali": true, "Kenyan": true,
	"Nigerian": true, "Ghanaian": true, "Canadian": true, "Mexican": true, "Brazilian": true,
	"Argentine": true, "Argentinian": true, "Chilean": true, "Colombian": true,
	"Venezuelan": true, "Peruvian": true, "Cuban": true, "Australian": true, "Kurdish": true,
	"Qatari": true, "Emirati": true, "Kuwaiti": true, "Omani": true, "Bahraini": true,
	"Maltese": true, "Cypriot": true, "Tibetan": true, "Mongolian": true, "Taiwanese": true,
	"Singaporean": true, "Burmese": true, "Cambodian": true,
	"Hebrew": true, "Arabic": true, "Hindi": true, "Urdu": true, "Mandarin": true,
	"Cantonese": true, "Yiddish": true, "Swahili": true, "Bengali": true, "Punjabi": true,
	"Tamil": true, "Farsi": true, "Pashto": true,
}

// nationalityAlone reports whether the one-word mention at token i is a
// nationality or a language: its word is one and the next word is no
// capitalised word, or a title ("Russian Foreign Minister Lavrov").
func (d *doc) nationalityAlone(i int) bool {
	if !nationalities[d.words[i]] {
		return false
	}
	next := d.word(i + 1)
	return !isCap(next) || lowerIn(titles, next)
}

// contraction reports whether token end is the "'t" of a negation run into
// the word before it ("Don't", "Won't"): that word is no name.
func (d *doc) contraction(end int) bool {
	if end >= len(d.words) || d.spans[end].Start != d.spans[end-1].End {
		return false
	}
	w := d.words[end]
	return w == "'t" || w == "’t" || w == "n't" || w == "n’t"
}

// beforeTitle reports whether a title and a capitalised word follow token
// end-1 in its sentence ("Shadow Home | Secretary Yvette Cooper"): what
// precedes a title and a name is a modifier of the title, not a person.
// An abbreviation is left alone: it belongs to a rank ("Brig. Gen.").
func (d *doc) beforeTitle(end int) bool {
	if end+1 >= len(d.words) || strings.HasSuffix(d.words[end-1], ".") ||
		!isCap(d.words[end]) || !lowerIn(titles, d.words[end]) || !isCap(d.words[end+1]) {
		return false
	}
	return d.sentenceEnd(end-1) > end+1
}

// peoples are names of peoples and faiths whose plurals ("Yazidis",
// "Kurds") name no person; the nationalities and adjectiveNames count too
// ("Arabs", "Iraqis").
var peoples = map[string]bool{
	"Yazidi": true, "Kurd": true, "Pashtun": true, "Hutu": true, "Tutsi": true, "Uyghur": true,
	"Uighur": true, "Alawite": true, "Copt": true, "Bedouin": true, "Sikh": true, "Hindu": true,
	"Jew": true, "Druze": true, "Tamil": true, "Berber": true, "Tatar": true, "Roma": true,
}

// peoplePlural reports whether w is the plural of a nationality or a
// people ("Arabs", "Yazidis"): a group, never one person's name or a
// place's.
func peoplePlural(w string) bool {
	if len(w) < 4 || w[len(w)-1] != 's' {
		return false
	}
	s := w[:len(w)-1]
	return nationalities[s] || adjectiveNames[s] || peoples[s]
}

// pluralMen reports whether w, a one-word person, is a plural in -men
// ("Airmen", "Servicemen"): a group, no person's name.
func (d *doc) pluralMen(w string) bool {
	if len(w) < 5 || !strings.HasSuffix(w, "men") || isAcronymWord(w) {
		return false
	}
	return !d.model.KnownFirstName(w) && !d.model.KnownPlace(w)
}

// unitAcronyms tags as an organisation an ordinal and an acronym that no
// mention covers when the acronym abbreviates the words after the same
// ordinal in an organisation's name of the document: a military unit
// named again in short ("507th Air Refueling Wing" … "the 507th ARW").
func (d *doc) unitAcronyms() {
	var units map[string]bool // ordinal + " " + initials
	for _, m := range d.ms {
		if m.typ == typOrg && m.end-m.first >= 3 && isOrdinal(d.words[m.first]) {
			if units == nil {
				units = map[string]bool{}
			}
			units[d.words[m.first]+" "+initials(d.words[m.first+1:m.end])] = true
		}
	}
	if units == nil {
		return
	}
	var found []mention
	for i := 0; i+1 < len(d.words); i++ {
		if !isOrdinal(d.words[i]) || !units[d.words[i]+" "+d.words[i+1]] || d.mentionIn(i, i+2) {
			continue
		}
		found = append(found, mention{typ: typOrg, first: i, end: i + 2, title: -1})
	}
	d.addAll(found)
}

// addAll adds the mentions of found through add (which trims, retypes or
// refuses them) and keeps the document's mentions in text order.
func (d *doc) addAll(found []mention) {
	for _, m := range found {
		d.add(m)
	}
	if len(found) > 0 {
		slices.SortFunc(d.ms, func(a, b mention) int { return a.first - b.first })
	}
}
