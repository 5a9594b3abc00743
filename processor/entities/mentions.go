package entities

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// mention is one tagged occurrence: tokens [first, end) of the document.
type mention struct {
	typ        int // entity type index (tagger.TypeName)
	first, end int
	title      int // index of a preceding honorific token, or -1
	// rank counts the leading tokens that are a military rank phrase
	// ("Gen." of "Gen. Joseph L. Votel"): part of the mention's span, not
	// of the name (see militaryRanks).
	rank int
}

// name returns the mention without its rank phrase.
func (m mention) name() mention {
	m.first += m.rank
	m.rank = 0
	return m
}

// honorifics precede a person's name and make an alias ("Mr Gassama").
var honorifics = map[string]bool{
	"mr": true, "mr.": true, "mrs": true, "mrs.": true, "ms": true, "ms.": true,
	"miss": true, "dr": true, "dr.": true, "sir": true, "dame": true, "lord": true,
	"lady": true, "prof": true, "prof.": true, "mme": true, "mlle": true, "m.": true,
}

// titles are stripped from the start of a person's name.
var titles = map[string]bool{
	"president": true, "vice": true, "minister": true, "prime": true, "foreign": true,
	"secretary": true, "senator": true, "sen.": true, "rep.": true, "representative": true,
	"governor": true, "gov.": true, "mayor": true, "king": true, "queen": true,
	"prince": true, "princess": true, "pope": true, "general": true, "gen.": true,
	"colonel": true, "col.": true, "lt.": true, "lieutenant": true, "capt.": true,
	"captain": true, "sgt.": true, "sergeant": true, "major": true, "maj.": true,
	"admiral": true, "adm.": true, "commander": true, "chancellor": true, "judge": true,
	"justice": true, "chairman": true, "chairwoman": true, "ceo": true, "rev.": true,
	"reverend": true, "father": true, "sister": true, "brother": true, "saint": true,
	"st.": true, "sheikh": true, "ayatollah": true, "imam": true, "rabbi": true,
	"bishop": true, "archbishop": true, "cardinal": true, "he": true, "hon.": true,
	"mp": true, "coach": true, "officer": true, "detective": true, "inspector": true,
	"chief": true, "deputy": true, "ambassador": true, "envoy": true, "spokesman": true,
	"spokeswoman": true, "defense": true, "defence": true, "state": true, "interior": true,
	"army": true, "navy": true, "gov": true, "sen": true, "rep": true, "gen": true,
	"lt": true, "col": true, "capt": true, "sgt": true, "maj": true, "adm": true,
	// Added for issue 13 ("Businessman Don Blankenship"). Generic roles
	// (author, actor, singer, activist, journalist, executive, director)
	// were tried too and cost GUM 0.015 lenient on 5-fold CV (they also
	// trim re3d's gold spans for training), so they are not titles here.
	"professor": true, "emeritus": true, "businessman": true, "businesswoman": true,
	"lawmaker": true, "legislator": true, "undersecretary": true, "co-author": true,
	"president-elect": true,
}

// trailingTitles are cut from the end of a place's or an organisation's
// name: the tagger sometimes runs a place into the title after it ("US
// Vice" of "US Vice President Joe Biden").
var trailingTitles = map[string]bool{
	"vice": true, "president": true, "minister": true, "secretary": true, "prime": true,
	"deputy": true, "chief": true, "senator": true, "governor": true, "mayor": true,
	"attorney": true,
}

// IsTitle reports whether w is a title or an honorific ("President",
// "Minister", "Mr", "Dr."), in any case: the stage strips such words, and
// what precedes them, from the start of a person's name.
func IsTitle(w string) bool {
	lw := strings.ToLower(w)
	return titles[lw] || honorifics[lw]
}

// determiners are never a name on their own. Lower-case keys.
var determiners = map[string]bool{
	"the": true, "a": true, "an": true, "this": true, "that": true, "these": true, "those": true,
}

// stopNames are capitalised words that are never a name on their own when
// they come from the parts of a person's name.
var stopNames = map[string]bool{
	"the": true, "of": true, "and": true, "de": true, "la": true, "le": true, "van": true,
	"von": true, "der": true, "al": true, "bin": true, "jr": true, "jr.": true, "sr.": true,
	"ii": true, "iii": true,
}

// doc is the per-article working state.
type doc struct {
	model *tagger.Model // nil in tests of the rules alone
	text  string
	spans []tagger.Span // token byte spans in text
	words []string
	ends  []int   // sentence ends (exclusive token indexes)
	tags  []uint8 // BIO tags from the model
	ms    []mention
	// midCaps holds the capitalised words seen after the first token of a
	// sentence (built lazily by isMidCap).
	midCaps map[string]bool
	// lowers holds the lower-case words of the document (built lazily by
	// lowerInDoc).
	lowers map[string]bool
	// inner holds the doctrine names that orgPhrases took into an
	// organisation's name ("Church of Scientology"): harmonise tags them
	// where they recur alone.
	inner []string
}

// lowerIn reports whether the lower-case form of w is a key of m, whose
// keys are ASCII. It folds ASCII letters only, without allocating: a word
// with other letters is no key anyway.
func lowerIn(m map[string]bool, w string) bool {
	var buf [24]byte
	if len(w) > len(buf) {
		return false
	}
	b := buf[:len(w)]
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return m[string(b)]
}

func isCap(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

func isWordTok(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// surface is the mention's text with runs of white space made one space.
func (d *doc) surface(m mention) string {
	s := d.text[d.spans[m.first].Start:d.spans[m.end-1].End]
	if strings.IndexFunc(s, func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) < 0 && !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// key is the token sequence of a mention, for exact recurrence matching.
func (d *doc) key(first, end int) string {
	if end-first == 1 {
		return d.words[first]
	}
	return strings.Join(d.words[first:end], "\x00")
}

// decode turns BIO tags into mentions, strips titles from person names,
// trims non-word tokens at the edges and drops mentions with no capitalised
// or digit-bearing word.
func (d *doc) decode() {
	d.ms = d.ms[:0]
	for i := 0; i < len(d.tags); i++ {
		t := d.tags[i]
		if t == tagger.TagO {
			continue
		}
		typ := tagger.TypeOf(t)
		j := i + 1
		for j < len(d.tags) && tagger.IsInside(d.tags[j]) && tagger.TypeOf(d.tags[j]) == typ {
			j++
		}
		d.add(mention{typ: typ, first: i, end: j, title: -1})
		i = j - 1
	}
}

// add normalises m and appends it if something is left.
func (d *doc) add(m mention) {
	for m.first < m.end && !isWordTok(d.words[m.first]) {
		m.first++
	}
	for m.end > m.first && (!isWordTok(d.words[m.end-1]) || m.end-m.first > 1 && unicode.IsLower(firstRune(d.words[m.end-1]))) {
		m.end--
	}
	// An honorific makes a person of any mention ("Ms Hidalgo").
	if m.end-m.first > 1 && honorifics[strings.ToLower(d.words[m.first])] && isCap(d.words[m.first]) {
		m.typ = typPerson
	}
	if m.typ == typPerson {
		// Strip titles and what precedes them: "Paris Mayor Anne
		// Hidalgo" → "Anne Hidalgo". The last word is always kept.
		for k := m.end - 2; k >= m.first; k-- {
			if lw := strings.ToLower(d.words[k]); titles[lw] || honorifics[lw] {
				m.first = k + 1
				break
			}
		}
	}
	// A title alone before a name is no person ("President" of
	// "President Trump", when the title is tagged apart from the name).
	if m.typ == typPerson && m.end-m.first == 1 && lowerIn(titles, d.words[m.first]) && isCap(d.word(m.end)) {
		return
	}
	// So is what precedes a title and a name ("Shadow Home | Secretary
	// Yvette Cooper"), unless it is a nationality (see below).
	if m.typ == typPerson && d.beforeTitle(m.end) && !(m.end-m.first == 1 && nationalities[d.words[m.first]]) {
		return
	}
	for m.end-m.first > 1 && strings.EqualFold(d.words[m.first], "the") {
		m.first++
	}
	// An article or a demonstrative alone is no name: a stray tag on a
	// sentence's "The" would otherwise spread to every "The" of the
	// document through the consistency pass.
	if m.end-m.first == 1 && determiners[strings.ToLower(d.words[m.first])] {
		return
	}
	if m.typ == typLoc || m.typ == typOrg {
		for m.end-m.first > 1 && trailingTitles[strings.ToLower(d.words[m.end-1])] {
			m.end--
		}
	}
	if m.first >= m.end || d.contraction(m.end) {
		return
	}
	// A name has a capitalised or digit-led word, and a letter: a
	// number alone ("910-432-3383") is no name.
	capital, letter := false, false
	for k := m.first; k < m.end; k++ {
		w := d.words[k]
		if isCap(w) || unicode.IsDigit(firstRune(w)) || knownOrgs[w] {
			capital = true
		}
		if !letter && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			letter = true
		}
	}
	if !capital || !letter {
		return
	}
	m.typ = d.headType(m)
	if m.end-m.first == 1 && d.model != nil {
		w := d.words[m.first]
		// A common word capitalised only because it starts a sentence
		// ("Image: Nick Moreau.") is no name.
		if d.sentenceStart(m.first) && d.model.UsuallyLowerCase(w) && !d.isMidCap(w) {
			return
		}
		// A one-word name with a demonym's ending that no gazetteer knows
		// as a place or first name, used before a lower-case word, is a
		// nationality adjective ("Iraqi forces", "Austrian company").
		// Organisations need the stricter endings (not "Panasonic").
		if m.end < len(d.words) && unicode.IsLower(firstRune(d.words[m.end])) && !d.model.KnownPlace(w) {
			switch {
			case m.typ == typLoc && demonymLike(w, false),
				m.typ == typPerson && demonymLike(w, false) && !d.model.KnownFirstName(w),
				m.typ == typOrg && demonymLike(w, true):
				m.typ = typNORP
			}
		}
		// So is an adjective of a bloc, a region or a faith ("Soviet
		// aggression", "Western military alliance", "Paralympic sport").
		if m.end < len(d.words) && unicode.IsLower(firstRune(d.words[m.end])) && adjectiveNames[w] {
			m.typ = typNORP
		}
		if d.nationalityAlone(m.first) || (m.typ == typPerson || m.typ == typLoc) && peoplePlural(w) {
			m.typ = typNORP
		}
	}
	if m.typ == typPerson && m.first > 0 && honorifics[strings.ToLower(d.words[m.first-1])] && isCap(d.words[m.first-1]) {
		m.title = m.first - 1
	}
	d.ms = append(d.ms, m)
}

// placeHeads end the names of places and buildings ("Elysee Palace").
var placeHeads = map[string]bool{
	"palace": true, "square": true, "street": true, "avenue": true, "road": true,
	"bridge": true, "airport": true, "mountain": true, "mountains": true, "river": true,
	"lake": true, "island": true, "islands": true, "valley": true, "park": true,
	"stadium": true, "arena": true, "cathedral": true, "mosque": true, "temple": true,
	"church": true, "castle": true, "tower": true, "gate": true, "boulevard": true,
	"bay": true, "sea": true, "ocean": true, "desert": true, "peninsula": true,
	"province": true, "county": true, "district": true, "region": true, "coast": true,
	"station": true, "harbour": true, "harbor": true, "canal": true, "strait": true,
	// Facilities: both corpora annotate them as places ("Johnson Space
	// Center", "Metro Toronto Convention Centre", "Incirlik Air Base",
	// "Tabqa Dam", "the Iraqi Museum").
	"center": true, "centre": true, "base": true, "towers": true, "dam": true, "hall": true,
	"hotel": true, "museum": true, "hospital": true, "prison": true, "library": true,
	"theatre": true, "theater": true, "shelf": true,
}

// placeFirsts start the names of places ("Camp Hurriya", "Fort Campbell").
// Lower-case keys.
var placeFirsts = map[string]bool{
	"camp": true, "fort": true, "mount": true, "mt.": true, "lake": true, "cape": true,
}

// orgHeads end the names of organisations ("Foreign Office").
var orgHeads = map[string]bool{
	"ministry": true, "agency": true, "party": true, "council": true, "university": true,
	"company": true, "inc": true, "inc.": true, "corp": true, "corp.": true, "ltd": true,
	"ltd.": true, "group": true, "association": true, "commission": true, "committee": true,
	"bank": true, "institute": true, "foundation": true, "department": true, "office": true,
	"college": true, "school": true, "society": true, "federation": true, "union": true,
	"organisation": true, "organization": true, "corporation": true, "airlines": true,
	"times": true, "post": true, "news": true, "press": true, "network": true, "court": true,
	"church": true, "command": true, "forces": true, "force": true, "corps": true,
	"army": true, "navy": true, "government": true, "parliament": true, "assembly": true,
	"senate": true, "congress": true, "police": true, "herald": true, "tribune": true,
	"journal": true, "club": true, "wing": true, "battalion": true, "squadron": true,
	"regiment": true, "brigade": true, "division": true, "fleet": true, "guard": true,
	"authority": true, "board": true, "service": true, "administration": true,
	"bureau": true, "alliance": true, "coalition": true, "movement": true, "league": true,
	"fund": true, "trust": true, "gazette": true, "weekly": true, "magazine": true,
	"chronicle": true, "municipality": true, "observer": true, "bulletin": true,
	"telegraph": true, "inquirer": true, "courier": true, "examiner": true,
}

// formerCountries are names of countries that no longer exist, which the
// country gazetteer lacks and whose last word is an organisation word
// ("Union"); headType looks them up only after such a last word.
var formerCountries = map[string]bool{
	"Soviet Union": true, "East Germany": true, "West Germany": true, "Ottoman Empire": true,
}

// denominations name a church as an institution ("Catholic Church").
// Lower-case keys.
var denominations = map[string]bool{
	"catholic": true, "orthodox": true, "anglican": true, "methodist": true, "baptist": true,
	"lutheran": true, "presbyterian": true, "episcopal": true, "evangelical": true,
	"protestant": true, "pentecostal": true, "adventist": true, "reformed": true,
	"coptic": true, "apostolic": true,
}

// orgCues follow an organisation's name ("Le Parisien newspaper").
var orgCues = map[string]bool{
	"newspaper": true, "agency": true, "magazine": true, "daily": true, "weekly": true,
	"broadcaster": true, "network": true, "channel": true, "website": true, "company": true,
	"firm": true, "party": true, "organisation": true, "organization": true,
	"corporation": true, "bank": true, "airline": true, "club": true, "university": true,
	"spokesman": true, "spokeswoman": true, "spokesperson": true, "group": true,
}

// headType corrects the tagger's type from the name's last word (a place,
// facility or organisation word), its first word (see placeFirsts) or the
// word after it; it leaves persons whose name does not end in such a word.
func (d *doc) headType(m mention) int {
	last := strings.ToLower(d.words[m.end-1])
	if m.end-m.first > 1 && isCap(d.words[m.end-1]) {
		// A former country is a place whatever its last word ("Soviet
		// Union"); a church named by its denomination is the
		// institution, not a building ("Greek Orthodox Church").
		if (last == "union" || last == "germany" || last == "empire") && formerCountries[d.joinWords(m.first, m.end)] {
			return typLoc
		}
		if last == "church" && lowerIn(denominations, d.words[m.end-2]) {
			return typOrg
		}
		if placeHeads[last] {
			return typLoc
		}
		if orgHeads[last] {
			return typOrg
		}
		// A camp, fort, mount, lake or cape named by the word after it is
		// a place ("Camp Hurriya", "Fort Campbell", "Mount Sinai"), unless
		// it names an event or an agreement ("Camp David Accords").
		if lowerIn(placeFirsts, d.words[m.first]) && isCap(d.words[m.first+1]) && !miscHeads[last] {
			return typLoc
		}
	}
	if m.typ != typLoc && m.end < len(d.words) && orgCues[d.words[m.end]] {
		return typOrg
	}
	return m.typ
}

// adjectiveNames are capitalised adjectives that the demonym endings miss
// or that name no nation: of blocs, regions, faiths and the Games.
var adjectiveNames = map[string]bool{
	"Soviet": true, "Western": true, "Eastern": true, "Northern": true, "Southern": true,
	"Arab": true, "Muslim": true, "Jewish": true, "Christian": true, "Catholic": true,
	"Protestant": true, "Sunni": true, "Shia": true, "Shiite": true, "Islamist": true,
	"Olympic": true, "Paralympic": true, "Baltic": true, "Nordic": true, "Latin": true,
	"Hispanic": true, "Arctic": true, "Antarctic": true, "Atlantic": true, "Pacific": true,
	"Balkan": true, "Caribbean": true, "Gulf": true,
}

// demonymLike reports whether w is capitalised, not an acronym, and ends
// like most nationality adjectives (-i, -an, -ese, -ish, -ic; strict: only
// -ian, -ese, -ish).
func demonymLike(w string, strict bool) bool {
	if !isCap(w) || isAcronymWord(w) {
		return false
	}
	sufs := []string{"i", "an", "ese", "ish", "ic"}
	if strict {
		sufs = []string{"ian", "ese", "ish"}
	}
	for _, suf := range sufs {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

func isAcronymWord(w string) bool {
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// sentenceStart reports whether token i starts a sentence, possibly after
// opening punctuation.
func (d *doc) sentenceStart(i int) bool {
	for {
		if i == 0 {
			return true
		}
		if _, found := slices.BinarySearch(d.ends, i); found {
			return true
		}
		if isWordTok(d.words[i-1]) {
			return false
		}
		i--
	}
}

// isMidCap reports whether w occurs capitalised somewhere other than at the
// start of a sentence.
func (d *doc) isMidCap(w string) bool {
	if d.midCaps == nil {
		d.midCaps = map[string]bool{}
		for i, x := range d.words {
			if isCap(x) && !d.sentenceStart(i) {
				d.midCaps[x] = true
			}
		}
	}
	return d.midCaps[w]
}

// capRun returns the last capitalised word (or, with ordinals, ordinal
// number: "World War II", "2nd") of the run that starts at token i and
// goes on over capitalised words and joiners ("of", "and", "the" after
// "of"/"for") before token end.
func (d *doc) capRun(i, end int, ordinals bool) int {
	last := i
	for j := i + 1; j < end; j++ {
		w := d.words[j]
		if isCap(w) || ordinals && isOrdinal(w) {
			last = j
			continue
		}
		if !joiners[w] && !(w == "the" && (d.words[j-1] == "of" || d.words[j-1] == "for")) {
			break
		}
	}
	return last
}

// orgPhrases adds the organisation names the tagger missed that have the
// shape of one: a run of capitalised words (an ordinal may lead; "of",
// "for", "&" and "of the" may join) that ends in an organisation word
// ("Catholic Church", "158th Fighter Wing", "Syrian Democratic Forces") or
// has one before its "of" ("Church of England", "Government of Iraq"); the
// "of" phrase may go on (see orgTail). Shorter mentions inside the run (a
// place, a nationality, a doctrine's name tagged as a person: "Church of
// Scientology") give way to it; a run that overlaps another person or
// crosses a mention's edge is left alone.
func (d *doc) orgPhrases() {
	var found []mention
	si := 0
	for i := 0; i < len(d.words); i++ {
		if !isCap(d.words[i]) && !isOrdinal(d.words[i]) {
			continue
		}
		// The run of capitalised words and joiners inside the sentence.
		end := d.sentenceEndFrom(i, &si)
		last := d.capRun(i, end, false) // last capitalised word
		// The first organisation word that ends the name or precedes
		// "of"; the name starts after the last joiner before it ("CEO of
		// the [Refugee Council]") and takes one "of" phrase after it
		// ("[University of Sheffield] of the UK").
		stop := last
		for k := i; k <= last; k++ {
			if !isCap(d.words[k]) || !lowerIn(orgHeads, d.words[k]) {
				continue
			}
			start := i
			for j := i; j < k; j++ {
				if !isCap(d.words[j]) && !isOrdinal(d.words[j]) {
					start = j + 1
				}
			}
			// The name ends at the last organisation word of the
			// capitalised words that follow ("Air Force Reserve Command",
			// "5th Special Forces Group").
			for j := k + 1; j <= last && isCap(d.words[j]); j++ {
				if lowerIn(orgHeads, d.words[j]) {
					k = j
				}
			}
			if k < last && (d.words[k+1] == "of" || d.words[k+1] == "for") {
				e := k + 1
				for e <= last && !isCap(d.words[e]) {
					e++ // "of", "of the"
				}
				for e <= last && isCap(d.words[e]) {
					e++
				}
				e = d.orgTail(e, last, end)
				found = append(found, d.orgMention(start, e-1))
				stop = e - 1
			} else if k > start {
				found = append(found, d.orgMention(start, k))
				stop = k
			}
			break
		}
		i = stop
	}
	// One word left ("the Army") is too generic to add.
	found = slices.DeleteFunc(found, func(m mention) bool { return m.end-m.first < 2 })
	if len(found) == 0 {
		return
	}
	var kept []mention
	for _, f := range found {
		ok := true
		for _, m := range d.ms {
			if m.end <= f.first || m.first >= f.end {
				continue
			}
			if m.typ == typPerson && !d.doctrineName(m) || m.first < f.first || m.end > f.end {
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
	out := d.ms[:0:0]
	for _, m := range d.ms {
		inside := false
		for _, f := range kept {
			if m.first >= f.first && m.end <= f.end {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, m)
		} else if m.typ == typPerson && d.doctrineName(m) {
			// Still a name where it stands alone ("Scientology").
			d.inner = append(d.inner, d.words[m.first])
		}
	}
	d.ms = out
	for _, f := range kept {
		d.add(f)
	}
	slices.SortFunc(d.ms, func(a, b mention) int { return a.first - b.first })
}

// orgTail returns the end (exclusive) of an organisation's name whose
// first "of" or "for" phrase ends before token e: the name goes on over
// further "of"/"for" phrases of the run that ends at token last ("Joint
// Council for the Welfare of Immigrants"), unless one names a place
// ("University of Sheffield | of the UK"), and over "and" with the
// capitalised words after it, before token end, when they hold no
// organisation word or mention and lead to no further joined name ("State
// Board of Antiquities and Heritage", "Union of Rationalist Atheists and
// Agnostics", but "Ministry of Defence | and Foreign Office").
func (d *doc) orgTail(e, last, end int) int {
	for e <= last && (d.words[e] == "of" || d.words[e] == "for") {
		j := e
		for j <= last && !isCap(d.words[j]) {
			j++
		}
		k := j
		for k <= last && isCap(d.words[k]) {
			k++
		}
		if k == j || d.placeAt(j, k) {
			return e
		}
		e = k
	}
	if e+1 < end && d.words[e] == "and" && isCap(d.words[e+1]) {
		k := e + 1
		for k < end && isCap(d.words[k]) {
			if lowerIn(orgHeads, d.words[k]) || d.mentionAt(k) {
				return e
			}
			k++
		}
		if k < end && (joiners[d.words[k]] || d.words[k] == "and") &&
			(isCap(d.word(k+1)) || d.word(k+1) == "the" && isCap(d.word(k+2))) {
			return e
		}
		return k
	}
	return e
}

// placeAt reports whether tokens [i, j) are a place: a place mention, a
// country or a place word.
func (d *doc) placeAt(i, j int) bool {
	for _, m := range d.ms {
		if m.first < j && m.end > i && m.typ == typLoc {
			return true
		}
	}
	return d.model != nil && (d.model.KnownCountry(d.words[i:j]) || countryAliases[d.joinWords(i, j)])
}

// mentionAt reports whether a mention covers token i.
func (d *doc) mentionAt(i int) bool {
	for _, m := range d.ms {
		if m.first <= i && i < m.end {
			return true
		}
	}
	return false
}

// joiners may stand between the capitalised words of a name.
var joiners = map[string]bool{"of": true, "for": true, "&": true}

func isOrdinal(w string) bool {
	if w == "" || !unicode.IsDigit(firstRune(w)) {
		return false
	}
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// orgMention returns the ORG mention of tokens [i, last], without a
// leading "the" or sentence-initial common words ("Yesterday Central
// Command said").
func (d *doc) orgMention(i, last int) mention {
	return mention{typ: typOrg, first: d.nameStart(i, last), end: last + 1, title: -1}
}

// nameStart returns the first token of the name in tokens [i, last]: past
// a leading "the" and sentence-initial words the training text writes in
// lower case ("Yesterday Central Command", "The Tabqa Dam"), never past
// last.
func (d *doc) nameStart(i, last int) int {
	for i < last && (strings.EqualFold(d.words[i], "the") ||
		d.model != nil && d.sentenceStart(i) && d.model.UsuallyLowerCase(d.words[i])) {
		i++
	}
	return i
}

// sentenceEndFrom returns the end (exclusive) of the sentence holding token
// i, like sentenceEnd, for scans whose i never decreases: *si is the index
// into d.ends where the search starts, and is left at the sentence found.
func (d *doc) sentenceEndFrom(i int, si *int) int {
	for *si < len(d.ends) && d.ends[*si] <= i {
		*si++
	}
	if *si < len(d.ends) {
		return d.ends[*si]
	}
	return len(d.words)
}

// sentenceEnd returns the end (exclusive) of the sentence holding token i.
func (d *doc) sentenceEnd(i int) int {
	k, found := slices.BinarySearch(d.ends, i)
	if found {
		k++
	}
	if k < len(d.ends) {
		return d.ends[k]
	}
	return len(d.words)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
