package entities

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the rules that complete a person's name that the tagger
// cut short: at a lower-case particle ("Hamza bin Ladin", "Bashar
// al-Assad") and after a middle initial ("Charles H. Keating IV").

// nameParticles are the lower-case words that join the parts of a
// person's name ("Hamza bin Ladin", "Leon van Biljon", "Lula da Silva").
// Matched as written (lower case).
var nameParticles = map[string]bool{
	"bin": true, "ibn": true, "bint": true, "van": true, "von": true, "der": true, "den": true,
	"de": true, "da": true, "di": true, "du": true, "dos": true, "das": true, "del": true,
	"della": true, "ter": true, "le": true, "la": true,
}

// particlePrefixes are the forms of the Arabic article and of "son of"
// written with a hyphen before a surname ("al-Assad", "el-Sisi").
var particlePrefixes = []string{"al-", "el-", "ad-", "as-", "ash-", "at-", "az-", "ar-", "an-", "ul-", "bin-", "ibn-"}

// particleSurname returns the capitalised surname of a token written as a
// lower-case particle, a hyphen and the surname ("Assad" of "al-Assad"),
// or "".
func particleSurname(w string) string {
	if w == "" || w[0] < 'a' || w[0] > 'z' {
		return ""
	}
	for _, p := range particlePrefixes {
		if rest, ok := strings.CutPrefix(w, p); ok && isCap(rest) && utf8.RuneCountInString(rest) > 1 {
			return rest
		}
	}
	return ""
}

// generational are the suffixes after a surname ("Jr.", "IV").
var generational = map[string]bool{
	"Jr.": true, "Jr": true, "Sr.": true, "Sr": true, "II": true, "III": true, "IV": true,
}

// isInitial reports whether w is a middle initial ("H.").
func isInitial(w string) bool {
	return len(w) == 2 && w[1] == '.' && 'A' <= w[0] && w[0] <= 'Z'
}

// sameLine reports whether no line break separates tokens i and i+1.
func (d *doc) sameLine(i int) bool {
	return !strings.ContainsRune(d.text[d.spans[i].End:d.spans[i+1].Start], '\n')
}

// fullNames extends a person's mention over the rest of the name that
// the tagger left out or tagged apart, within the sentence and the line:
//
//   - a lower-case particle and the capitalised word after it ("Hamza" +
//     "bin" + "Ladin" → "Hamza bin Ladin"; "van der"), or a surname
//     written with a hyphenated particle ("Bashar" + "al-Assad");
//   - after a middle initial, which never ends a name, the capitalised
//     words that follow ("Charles H." + "Keating" → "Charles H. Keating");
//   - a nickname in quotes between the first name and the surname
//     ("Richard" + "\"Tex\"" + "Coe" → "Richard \"Tex\" Coe");
//   - then a generational suffix ("Jr.", "IV");
//   - and, before it, forenames left untagged (see forenames).
//
// A person mention in the words taken in is merged into the mention; any
// other mention there of one token gives way; a longer one blocks the
// extension.
func (d *doc) fullNames() {
	for i := 0; i < len(d.ms); i++ {
		m := d.ms[i]
		if m.typ != typPerson {
			continue
		}
		sentEnd := d.sentenceEnd(m.first)
		end := m.end
		for end < sentEnd && d.sameLine(end-1) {
			w := d.words[end]
			if particleSurname(w) != "" {
				end++
				continue
			}
			k := end
			for k+1 < sentEnd && nameParticles[d.words[k]] && d.sameLine(k) {
				k++
			}
			if k > end && k < sentEnd && isCap(d.words[k]) && !isInitial(d.words[k]) {
				end = k + 1
				continue
			}
			if isInitial(d.words[end-1]) && isCap(w) && !lowerIn(titles, w) {
				end++
				continue
			}
			if k := d.nickname(end, sentEnd); k > end {
				end = k
				continue
			}
			if end == m.end && m.end-m.first == 1 && d.hyphenGiven(w) {
				end++ // "Wong" + "Kwok-kin", "Tong" + "Yung-soo"
				continue
			}
			break
		}
		for end < sentEnd && generational[d.words[end]] && d.sameLine(end-1) {
			end++
		}
		if first := d.forenames(m); first < m.first {
			d.ms[i].first = first
		}
		if end == m.end {
			continue
		}
		// The mentions that start in the words taken in.
		ok := true
		for _, o := range d.ms[i+1:] {
			if o.first >= end {
				break
			}
			if o.typ == typPerson {
				end = max(end, o.end)
			} else if o.end-o.first > 1 || o.end > end {
				ok = false
			}
		}
		if !ok {
			continue
		}
		d.ms[i].end = end
		n := i + 1
		for n < len(d.ms) && d.ms[n].first < end {
			n++
		}
		d.ms = slices.Delete(d.ms, i+1, n)
	}
}

// hyphenGiven reports an East Asian given name written with a hyphen
// after the surname ("Kwok-kin" of "Wong Kwok-kin", "Yung-soo" of "Tong
// Yung-soo", "Jae-in" of "Moon Jae-in"): a capitalised syllable, a hyphen
// and a lower-case syllable, each of at most six letters, that the
// training text does not write in lower case and that is no prefixed word
// ("Anti-war", "Pro-life").
func (d *doc) hyphenGiven(w string) bool {
	a, b, ok := strings.Cut(w, "-")
	if !ok || !isCap(a) || b == "" || strings.Contains(b, "-") {
		return false
	}
	na, nb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	if na < 2 || na > 6 || nb > 6 || !allLetters(a) || !allLetters(b) || strings.ToLower(b) != b || strings.ToLower(a[1:]) != a[1:] {
		return false
	}
	if wordPrefixes[strings.ToLower(a)] || d.model == nil || d.model.UsuallyLowerCase(w) {
		return false
	}
	return true
}

// wordPrefixes open hyphenated common words ("Anti-war", "Co-founder").
var wordPrefixes = map[string]bool{
	"anti": true, "pro": true, "non": true, "co": true, "ex": true, "post": true,
	"pre": true, "self": true, "well": true, "neo": true, "mid": true, "semi": true,
	"multi": true, "sub": true, "inter": true, "vice": true, "re": true, "un": true,
	"over": true, "under": true, "all": true, "half": true, "long": true, "short": true,
	"high": true, "low": true, "full": true, "part": true, "one": true, "two": true,
}

// allLetters reports whether w is made of letters only.
func allLetters(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return w != ""
}

// forenames returns the first token of the untagged forenames before the
// person mention m ("Mohamed El-Hassan" + "Mohamed"), or m.first: the
// capitalised words on the line before it, in its sentence and in no
// mention, that start with a known first name which is no place, and that
// hold no title, honorific, storm word or word usually written in lower
// case.
func (d *doc) forenames(m mention) int {
	first := m.first
	if d.sentenceStart(m.first) {
		return first
	}
	for j := m.first - 1; j >= 0 && d.sameLine(j) && isCap(d.words[j]) && !d.mentionAt(j); j-- {
		w := d.words[j]
		if lowerIn(titles, w) || lowerIn(honorifics, w) || lowerIn(stormWords, w) || d.model == nil || d.model.UsuallyLowerCase(w) {
			break
		}
		if d.model.KnownFirstName(w) && !d.model.KnownPlace(w) {
			first = j
		} else if j == m.first-1 && m.end-m.first == 1 && d.unknownGiven(j) && !d.otherThanPerson(w, d.words[m.first]) {
			// "Planetary scientist Vlada" + "Stamenković", "Professor
			// Jean-Jacques" + "Muyembe": a given name the list lacks,
			// right before a surname alone.
			first = j
			break
		}
		if d.sentenceStart(j) {
			break
		}
	}
	return first
}

// unknownGiven reports whether token j, capitalised and right before a
// one-word person mention, reads as a given name that the first-name list
// lacks: not at the start of a sentence, right after a lower-case word or
// a title (not after punctuation, as "Hey" of '"Hey Frank', nor inside a
// run of capitalised words), no known place, no acronym, no possessive,
// and of letters (and one hyphen, "Jean-Jacques") only.
func (d *doc) unknownGiven(j int) bool {
	w := d.words[j]
	if j == 0 || d.sentenceStart(j) || d.model.KnownPlace(w) || isAcronymWord(w) || utf8.RuneCountInString(w) < 3 {
		return false
	}
	a, b, _ := strings.Cut(w, "-")
	if !allLetters(a) || b != "" && (!isCap(b) || !allLetters(b)) || wordPrefixes[strings.ToLower(a)] {
		return false
	}
	prev := d.words[j-1]
	if lowerIn(titles, prev) || lowerIn(honorifics, prev) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(prev)
	return unicode.IsLower(r) && allLetters(prev)
}

// otherThanPerson reports whether the two words w1 w2 stand, in this
// order, inside a mention that is not a person's ("at Ain Issa", a place,
// makes "Ain" no given name of "Issa").
func (d *doc) otherThanPerson(w1, w2 string) bool {
	for _, o := range d.ms {
		if o.typ == typPerson {
			continue
		}
		for k := o.first; k+1 < o.end; k++ {
			if d.words[k] == w1 && d.words[k+1] == w2 {
				return true
			}
		}
	}
	return false
}

// givenNames runs forenames, and the hyphenated given name after the
// surname, again on the one-word person mentions after the consistency
// pass, which adds the surname alone where the tagger missed it
// ("Planetary scientist Vlada" + "Stamenković", tagged from the later
// "Stamenković said").
func (d *doc) givenNames() {
	if d.model == nil {
		return
	}
	for i := range d.ms {
		m := d.ms[i]
		if m.typ != typPerson || m.end-m.first != 1 {
			continue
		}
		d.ms[i].first = d.forenames(m)
		if e := m.end; e < d.sentenceEnd(m.first) && d.sameLine(e-1) && d.hyphenGiven(d.words[e]) && !d.mentionAt(e) {
			d.ms[i].end = e + 1 // "then-new owner Tong" + "Yung-soo"
		}
	}
}

// stormWords precede the person's names given to storms ("Tropical Storm
// Barry", "Hurricane Dorian"); "Storm" is also a first name. Lower-case
// keys.
var stormWords = map[string]bool{"storm": true, "hurricane": true, "typhoon": true, "cyclone": true, "tropical": true, "depression": true, "super": true}

// openQuotes and closeQuotes enclose a nickname.
var (
	openQuotes  = map[string]bool{"\"": true, "“": true, "‘": true}
	closeQuotes = map[string]bool{"\"": true, "”": true, "’": true}
)

// nickname returns the end (exclusive) of a quoted nickname of one or two
// capitalised words that starts at token i and the capitalised surname
// after it, before token end, all on one line; or i.
func (d *doc) nickname(i, end int) int {
	if i+3 >= end || !openQuotes[d.words[i]] || !isCap(d.words[i+1]) {
		return i
	}
	j := i + 2
	if isCap(d.words[j]) {
		j++
	}
	if j+1 >= end || !closeQuotes[d.words[j]] || !isCap(d.words[j+1]) || lowerIn(titles, d.words[j+1]) {
		return i
	}
	for k := i; k <= j; k++ {
		if !d.sameLine(k) {
			return i
		}
	}
	return j + 2
}
