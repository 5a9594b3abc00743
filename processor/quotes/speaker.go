package quotes

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// gender of a person, as far as the text tells.
type gender uint8

const (
	unknownGender gender = iota
	male
	female
)

// maxFocusSteps bounds the backward walk over mentions when resolving a
// pronoun, so that resolution stays constant-time per quotation.
const maxFocusSteps = 64

// maxGenderLookback is how many person mentions beyond the nearest one of
// unknown gender are searched for one of the pronoun's gender.
const maxGenderLookback = 3

// mention is one span of an entity.
type mention struct {
	s, e int
	ent  int
}

// doc is the per-article state of one Process call.
type doc struct {
	q        *Quotes
	a        *processor.Article
	text     string
	mentions []mention // sorted by start
	genders  []gender  // per entity
	quoted   []processor.Span
	names    map[nameKey][]int // built on first use, see nameIndex
	starts   [][]int           // per entity, sorted mention starts; lazy
	toks     []tok             // scratch buffer
	// spoke is the speaker of the last quotation kept before the one
	// being attributed: a subject that resolves to it is a speaker
	// whatever its entity type, or without an entity.
	spoke   speaker
	spokeAt int // offset of the opening mark of that quotation, -1 if none
	// speakers are the speakers of the quotations kept so far, in text
	// order (for subjects without an entity: "Wong" for an earlier
	// "study co-author Tak-Sing Wong").
	speakers []speaker
	subjects []sentenceSubject // sentence subjects found so far, see subjectOf
}

// indexEntities collects the valid entity mentions, sorted by start.
func (d *doc) indexEntities() {
	n := 0
	for _, e := range d.a.Entities {
		n += len(e.Spans)
	}
	d.mentions = make([]mention, 0, n)
	for i, e := range d.a.Entities {
		for _, s := range e.Spans {
			if s.Start < 0 || s.End > len(d.text) || s.Start >= s.End {
				continue
			}
			d.mentions = append(d.mentions, mention{s: s.Start, e: s.End, ent: i})
		}
	}
	slices.SortFunc(d.mentions, func(a, b mention) int { return cmp.Compare(a.s, b.s) })
}

// genderOf returns the gender of PERSON entity ent, computing the genders
// of all entities on first use (most articles never need them): titles
// next to a mention or in an alias count twice, the first name once.
func (d *doc) genderOf(ent int) gender {
	if d.genders == nil {
		d.computeGenders()
	}
	return d.genders[ent]
}

func (d *doc) computeGenders() {
	ents := d.a.Entities
	d.genders = make([]gender, len(ents))
	votes := make([][2]int, len(ents))
	vote := func(ent int, g gender, w int) {
		switch g {
		case male:
			votes[ent][0] += w
		case female:
			votes[ent][1] += w
		}
	}
	for _, m := range d.mentions {
		if ents[m.ent].Type != processor.EntityPerson {
			continue
		}
		// The mention's first word and the word before it ("Mr. Gassama").
		first, _, _ := strings.Cut(d.text[m.s:m.e], " ")
		vote(m.ent, titleGender(strings.ToLower(first)), 2)
		if w := wordBefore(d.text, m.s); w != "" {
			vote(m.ent, titleGender(strings.ToLower(w)), 2)
		}
	}
	for i, e := range ents {
		if e.Type != processor.EntityPerson {
			continue
		}
		for _, al := range append([]string{e.Name}, e.Aliases...) {
			first, _, _ := strings.Cut(strings.TrimSpace(al), " ")
			low := strings.ToLower(strings.TrimSuffix(first, "."))
			if g := titleGender(low); g != unknownGender {
				vote(i, g, 2)
			} else if g := d.q.names[low]; g != unknownGender && al == e.Name {
				vote(i, g, 1)
			}
		}
		switch v := votes[i]; {
		case v[0] > v[1]:
			d.genders[i] = male
		case v[1] > v[0]:
			d.genders[i] = female
		}
	}
}

// wordBefore returns the word that ends before offset s, skipping spaces
// and one full stop ("Mr. "), or "" (at most 16 bytes are looked at).
func wordBefore(t string, s int) string {
	i := s
	for i > 0 && i > s-16 && (t[i-1] == ' ' || t[i-1] == '.') {
		i--
	}
	j := i
	for j > 0 && i-j < 16 {
		r, n := utf8.DecodeLastRuneInString(t[:j])
		if !unicode.IsLetter(r) {
			break
		}
		j -= n
	}
	return t[j:i]
}

// titleGender returns the gender a title implies.
func titleGender(w string) gender {
	switch strings.TrimSuffix(w, ".") {
	case "mr", "sir", "lord", "king", "prince", "mister", "monsieur", "m",
		"sheikh", "emir", "father", "brother", "uncle", "spokesman", "chairman",
		"businessman", "congressman", "duke", "baron", "count", "pope":
		return male
	case "ms", "mrs", "miss", "madam", "madame", "mme", "lady", "dame", "queen",
		"princess", "sister", "aunt", "spokeswoman", "chairwoman",
		"businesswoman", "congresswoman", "actress", "duchess", "baroness",
		"countess":
		return female
	}
	return unknownGender
}

// inQuote reports whether [s, e) lies inside a quoted passage.
func (d *doc) inQuote(s, e int) bool {
	i := sort.Search(len(d.quoted), func(i int) bool { return d.quoted[i].End >= e })
	return i < len(d.quoted) && d.quoted[i].Start <= s
}

// speaker is a resolved speaker.
type speaker struct {
	name string
	ent  int
}

var noSpeaker = speaker{ent: -1}

// resolve turns a cue's phrase into a speaker; at is the offset of the
// quotation (pronouns look back from there).
func (d *doc) resolve(ph phrase, at int) speaker {
	if ph.pron != "" {
		return d.resolvePronoun(ph.pron, min(at, ph.s))
	}
	// 1. Span overlap: the mention that holds the head word. A head that
	// is a media noun ("Le Parisien newspaper") gives way to the name
	// before it.
	hs, he := ph.hs, ph.he
	if isMediaNoun(strings.ToLower(d.text[hs:he])) {
		d.toks = tokenize(d.text, ph.s, hs, d.toks[:0])
		for i := len(d.toks) - 1; i >= 0; i-- {
			k := d.toks[i]
			if k.word && !isMediaNoun(k.low) {
				hs, he = k.s, k.e
				break
			}
		}
	}
	if m, ok := d.mentionAt(hs, he); ok {
		return d.entitySpeaker(m.ent)
	}
	// 2. Name match on the capitalised words that end at the head.
	if ph.proper {
		if sp, ok := d.matchName(ph.s, he, at); ok {
			return sp
		}
	}
	// 3. A definite role ("the minister", "the spokesman") is the person
	// in focus who holds that role.
	if !ph.proper && strings.EqualFold(firstWord(d.text[ph.s:ph.e]), "the") {
		if sp, ok := d.resolveRole(strings.ToLower(d.text[hs:he]), min(at, ph.s)); ok {
			return sp
		}
	}
	end := ph.e
	if ph.proper && ph.he < ph.e && strings.ContainsRune(strings.TrimSpace(d.text[ph.s:ph.he]), ' ') {
		end = ph.he // "Suman Haripriya of the Hajo assembly": the name (of two words or more)
	}
	return speaker{name: strings.TrimSpace(d.text[ph.s:end]), ent: -1}
}

// firstWord returns the first space-separated word of s.
func firstWord(s string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return f
}

// roleWindow is how many bytes before and after a person's mention are
// searched for the role word that a definite role phrase refers back to
// ("Foreign Minister Julie Bishop", "Jane Doe, a spokeswoman for …").
const roleWindow = 64

// resolveRole resolves a definite role noun ("minister", "spokesman",
// "professor") to the most recent PERSON mention before at, outside
// quotations, that has the role word next to it. A role that is not a
// spokesperson's ("the minister", "the professor") falls back to the
// nearest person before at when none has it: the person in focus.
// Spokespeople are often never named, so they do not fall back.
func (d *doc) resolveRole(role string, at int) (speaker, bool) {
	if !isTitle(role) && !isSpeakerNoun(role) || isPlural(role) || isCollective(role) {
		return noSpeaker, false
	}
	i := sort.Search(len(d.mentions), func(i int) bool { return d.mentions[i].s >= at })
	nearest := -1
	for j, steps := i-1, 0; j >= 0 && steps < maxFocusSteps; j, steps = j-1, steps+1 {
		m := d.mentions[j]
		if d.a.Entities[m.ent].Type != processor.EntityPerson || d.inQuote(m.s, m.e) {
			continue
		}
		if nearest < 0 {
			nearest = m.ent
		}
		lo, hi := max(0, m.s-roleWindow), min(len(d.text), m.e+roleWindow)
		if hasWord(strings.ToLower(d.text[lo:hi]), role) {
			return d.entitySpeaker(m.ent), true
		}
	}
	switch role {
	case "spokesman", "spokeswoman", "spokesperson":
		return noSpeaker, false
	}
	if nearest >= 0 {
		return d.entitySpeaker(nearest), true
	}
	return noSpeaker, false
}

// isPlural is a role noun in the plural ("the ministers", "officials").
func isPlural(w string) bool {
	return strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss")
}

// isCollective is a role noun without a plural ending that names a body,
// not one person: "the police" said it, not the officer last named.
func isCollective(w string) bool { return w == "police" || w == "staff" }

// hasWord reports whether s holds w as a whole word.
func hasWord(s, w string) bool {
	for off := 0; ; {
		k := strings.Index(s[off:], w)
		if k < 0 {
			return false
		}
		a, b := off+k, off+k+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:a])
		after, _ := utf8.DecodeRuneInString(s[b:])
		if (a == 0 || !isWordRune(before)) && (b == len(s) || !isWordRune(after)) {
			return true
		}
		off = b
	}
}

// mentionAt returns an entity mention that covers [s, e).
func (d *doc) mentionAt(s, e int) (mention, bool) {
	i := sort.Search(len(d.mentions), func(i int) bool { return d.mentions[i].s > s })
	// Mentions starting at or before s; look back a few for one covering.
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		if m := d.mentions[j]; m.s <= s && m.e >= e {
			return m, true
		}
	}
	return mention{}, false
}

// matchName matches the name words of text[s:e] (titles dropped) against
// entity names and aliases: full name first, then a PERSON's last name, then
// an organisation's first word. Among several, the one mentioned last
// before at wins.
func (d *doc) matchName(s, e, at int) (speaker, bool) {
	d.toks = tokenize(d.text, s, e, d.toks[:0])
	var words []string
	for _, k := range d.toks {
		if !k.word {
			continue
		}
		if isTitle(k.low) || isFunctionWord(k.low) {
			words = words[:0]
			continue
		}
		words = append(words, stem(k.w))
	}
	if len(words) == 0 {
		return noSpeaker, false
	}
	full := strings.ToLower(strings.Join(words, " "))
	last := strings.ToLower(words[len(words)-1])
	idx := d.nameIndex()
	cands := idx[nameKey{'f', full}]
	if len(cands) == 0 {
		cands = idx[nameKey{'p', last}]
	}
	if len(cands) == 0 && len(words) == 1 {
		cands = idx[nameKey{'o', last}]
	}
	best := -1
	for _, i := range cands[:min(len(cands), maxNameCandidates)] {
		if best < 0 || d.lastMentionBefore(i, at) > d.lastMentionBefore(best, at) {
			best = i
		}
	}
	if best < 0 {
		return noSpeaker, false
	}
	return d.entitySpeaker(best), true
}

// maxNameCandidates bounds the entities compared for one name.
const maxNameCandidates = 16

// nameKey indexes entities by name: kind 'f' a full name or alias, 'p' a
// PERSON's last word, 'o' an ORG's first word, 'l' the last word of any
// name of two words or more that is not a place. Names are lower case.
type nameKey struct {
	kind byte
	name string
}

// nameIndex returns the name index of the article's entities, built on
// first use.
func (d *doc) nameIndex() map[nameKey][]int {
	if d.names != nil {
		return d.names
	}
	d.names = make(map[nameKey][]int)
	add := func(k byte, name string, i int) {
		key := nameKey{k, strings.ToLower(name)}
		if l := d.names[key]; len(l) == 0 || l[len(l)-1] != i {
			d.names[key] = append(l, i)
		}
	}
	for i, e := range d.a.Entities {
		add('f', e.Name, i)
		for _, al := range e.Aliases {
			add('f', al, i)
		}
		w := nameWords(e.Name)
		if len(w) == 0 {
			continue
		}
		switch e.Type {
		case processor.EntityPerson:
			add('p', w[len(w)-1], i)
		case processor.EntityOrg:
			add('o', w[0], i)
		}
		if len(w) >= 2 && e.Type != processor.EntityLoc {
			add('l', w[len(w)-1], i)
		}
	}
	return d.names
}

// lastMentionBefore returns the start of ent's last mention before at, or
// -1.
func (d *doc) lastMentionBefore(ent, at int) int {
	if ent < 0 || ent >= len(d.a.Entities) {
		return -1
	}
	if d.starts == nil {
		d.starts = make([][]int, len(d.a.Entities))
		for _, m := range d.mentions { // sorted by start
			d.starts[m.ent] = append(d.starts[m.ent], m.s)
		}
	}
	st := d.starts[ent]
	i := sort.SearchInts(st, at)
	if i == 0 {
		return -1
	}
	return st[i-1]
}

// resolvePronoun resolves he/she/him/her to the most recent PERSON mention
// before at, outside quotations, whose gender is not known to differ.
// Other pronouns stay unresolved.
//
// Before that, the subjects of the sentences before at are tried (see
// subjectFocus): "Biden delivered a speech in which he called Trump a
// "climate arsonist". He argued …" is Biden's, though Trump is nearer.
func (d *doc) resolvePronoun(p string, at int) speaker {
	g, _ := pronounGender(p)
	if g == unknownGender {
		return noSpeaker
	}
	if sp, ok := d.subjectFocus(g, at); ok {
		return sp
	}
	// The nearest person of the pronoun's gender wins; a nearer person of
	// unknown gender wins only when no such person is among the next
	// maxGenderLookback people further back.
	i := sort.Search(len(d.mentions), func(i int) bool { return d.mentions[i].s >= at })
	unknown, people := -1, 0
	for j, steps := i-1, 0; j >= 0 && steps < maxFocusSteps; j, steps = j-1, steps+1 {
		m := d.mentions[j]
		if d.a.Entities[m.ent].Type != processor.EntityPerson || d.inQuote(m.s, m.e) {
			continue
		}
		eg := d.genderOf(m.ent)
		if eg == g {
			return d.entitySpeaker(m.ent)
		}
		if eg == unknownGender && unknown < 0 {
			unknown = m.ent
		}
		if unknown >= 0 {
			if people++; people > maxGenderLookback {
				break
			}
		}
	}
	if unknown >= 0 {
		return d.entitySpeaker(unknown)
	}
	return noSpeaker
}

// entitySpeaker returns the speaker for entity i. When the entities stage
// left a short form of a name as an entity of its own ("Ms Hidalgo",
// "Gassama" beside "Anne Hidalgo", "Mamoudou Gassama"), the fuller entity
// with the same last name is taken instead: a PERSON first, then the one
// with the most mentions.
func (d *doc) entitySpeaker(i int) speaker {
	ents := d.a.Entities
	words := nameWords(ents[i].Name)
	if len(words) == 1 && ents[i].Type != processor.EntityLoc {
		best := -1
		cands := d.nameIndex()[nameKey{'l', strings.ToLower(words[0])}]
		for _, j := range cands[:min(len(cands), maxNameCandidates)] {
			if j != i && (best < 0 || fullerThan(ents[j], ents[best])) {
				best = j
			}
		}
		if best >= 0 {
			i = best
		}
	}
	return speaker{name: ents[i].Name, ent: i}
}

// fullerThan ranks candidate full names: a PERSON first, then more
// mentions.
func fullerThan(f, g processor.Entity) bool {
	fp, gp := f.Type == processor.EntityPerson, g.Type == processor.EntityPerson
	if fp != gp {
		return fp
	}
	return len(f.Spans) > len(g.Spans)
}

// nameWords returns the words of a name without leading titles.
func nameWords(name string) []string {
	f := strings.Fields(name)
	for len(f) > 1 && isTitle(strings.ToLower(f[0])) {
		f = f[1:]
	}
	return f
}

// maxFocusSentences bounds how many sentences subjectFocus looks back
// over (sentences of quotations are passed over without counting, at most
// maxFocusSteps/8 sentences in all), and focusWindow how many bytes;
// subjectBytes is how much of a sentence's start is read for its subject.
const (
	maxFocusSentences = 3
	focusWindow       = 800
	subjectBytes      = 240
)

// subjectFocus returns the person a pronoun of gender g at offset at most
// likely refers to, walking back over at most maxFocusSentences sentences
// (the one that holds at included, up to at): the subject of a sentence
// when it is a name resolving to a PERSON of gender g or of unknown
// gender, the speaker of the quotation before, or a name ending like an
// earlier speaker's (see sentenceFocus), or the X of an opening "According
// to X,"; for a sentence that opens with the quotation before, that
// quotation's speaker. A sentence whose subject is a pronoun of the same
// gender is passed over ("She was given a chance …"); a pronoun or PERSON
// of the other gender stops the walk; a subject that is a thing is passed
// over. Sentences inside quotations are not counted. ok is false when
// nothing was found; the caller then falls back to the nearest person.
func (d *doc) subjectFocus(g gender, at int) (speaker, bool) {
	lo := runeStart(d.text, max(0, at-focusWindow))
	end := at
	for n, steps := 0, 0; n < maxFocusSentences && steps < maxFocusSteps/8 && end > lo; steps++ {
		s, found := sentenceStartBefore(d.text, lo, end)
		if k := strings.LastIndexByte(d.text[s:end], '\n'); k >= 0 {
			s += k + 1 // a paragraph break ends a sentence too (captions, headings)
		} else if !found && lo > 0 {
			return noSpeaker, false // the window cut the sentence
		}
		if r, _ := utf8.DecodeRuneInString(d.text[s:end]); doubleMark(r) != notMark {
			// A sentence that opens with a quotation: its speaker, when
			// it is the quotation before ("…," Smith said. He added …).
			n++
			if d.spokeAt >= s && d.spokeAt < end && d.spoke.name != "" {
				switch {
				case d.spoke.ent < 0:
					return d.spoke, true // a name the tagger missed
				case d.a.Entities[d.spoke.ent].Type != processor.EntityPerson:
					// An organisation is not "he" or "she": look further.
				case d.genderOf(d.spoke.ent) == g || d.genderOf(d.spoke.ent) == unknownGender:
					return d.spoke, true
				default:
					return noSpeaker, false
				}
			}
		} else if !d.inQuote(s, s) { // a sentence of a quotation is not counted
			n++
			if sp, ok, stop := d.sentenceFocus(g, at, d.subjectOf(s, end)); ok || stop {
				return sp, ok
			}
		}
		// The sentence before: its end is before s, its final
		// punctuation and closing marks.
		e := len(strings.TrimRightFunc(d.text[:s], func(r rune) bool { return unicode.IsSpace(r) || isCloser(r) }))
		_, size := utf8.DecodeLastRuneInString(d.text[:e])
		if e-size <= lo {
			break
		}
		end = e - size
	}
	return noSpeaker, false
}

// sentenceFocus looks at subj, the subject of a sentence, for
// subjectFocus: ok when it is a PERSON of gender g or of unknown gender,
// or the speaker of the quotation before (d.spoke), which the tagger may
// have typed otherwise ("US Special Representative for Iran Brian Hook
// said, "…". He added, "…"");
// stop when it rules the walk out (a pronoun or a PERSON of another
// gender).
func (d *doc) sentenceFocus(g gender, at int, subj sentenceSubject) (sp speaker, ok, stop bool) {
	ph, found := subj.ph, subj.found
	if !found || d.inQuote(ph.s, ph.e) {
		return noSpeaker, false, false
	}
	if ph.pron != "" {
		pg, _ := pronounGender(ph.pron)
		return noSpeaker, false, pg != g
	}
	sp = d.resolve(ph, at)
	if sp.name != "" && sp == d.spoke {
		return sp, true, false
	}
	if sp.ent < 0 && ph.proper {
		if earlier, ok := d.earlierSpeaker(ph); ok {
			return earlier, true, false
		}
	}
	if sp.ent < 0 || d.a.Entities[sp.ent].Type != processor.EntityPerson {
		return noSpeaker, false, false
	}
	if eg := d.genderOf(sp.ent); eg == g || eg == unknownGender {
		return sp, true, false
	}
	return noSpeaker, false, true
}

// openingSubject returns the subject of the sentence toks: the X of an
// opening "According to X," or the name or pronoun clauseSubject finds.
func openingSubject(toks []tok) (phrase, bool) {
	if len(toks) > 2 && toks[0].low == "according" && toks[1].low == "to" {
		end := 2
		for end < len(toks) && !toks[end].isBreak() {
			end++
		}
		if ph, ok := headNP(toks, 2, end, false); ok && ph.proper {
			return ph, true
		}
		return phrase{}, false
	}
	return clauseSubject(toks, 0, len(toks))
}

// earlierSpeaker returns the latest speaker of a kept quotation whose name
// ends with the last word of the proper phrase ph.
func (d *doc) earlierSpeaker(ph phrase) (speaker, bool) {
	last := strings.ToLower(d.text[ph.hs:ph.he])
	for i := len(d.speakers) - 1; i >= 0 && i >= len(d.speakers)-maxNameCandidates; i-- {
		w := nameWords(d.speakers[i].name)
		if len(w) > 0 && strings.ToLower(w[len(w)-1]) == last {
			return d.speakers[i], true
		}
	}
	return noSpeaker, false
}

// maxSubjects is how many recent sentence subjects subjectOf remembers.
const maxSubjects = 16

// sentenceSubject is the subject openingSubject found in the bytes
// [start, end) that open a sentence.
type sentenceSubject struct {
	start, end int // the bytes read
	ph         phrase
	found      bool
}

// subjectOf returns the subject of the sentence t[s:end], from the
// subjects already found in this article when there (pronouns near each
// other look at the same sentences), else by reading the sentence's first
// subjectBytes bytes.
func (d *doc) subjectOf(s, end int) sentenceSubject {
	e := runeStart(d.text, min(end, s+subjectBytes))
	for i := len(d.subjects) - 1; i >= 0 && i >= len(d.subjects)-maxSubjects; i-- {
		if d.subjects[i].start == s && d.subjects[i].end == e {
			return d.subjects[i]
		}
	}
	d.toks = tokenize(d.text, s, e, d.toks[:0])
	ph, found := openingSubject(d.toks)
	sub := sentenceSubject{start: s, end: e, ph: ph, found: found}
	if len(d.subjects) >= 4*maxSubjects {
		// Only the last few are looked up: keep memory flat.
		d.subjects = d.subjects[:copy(d.subjects, d.subjects[len(d.subjects)-maxSubjects:])]
	}
	d.subjects = append(d.subjects, sub)
	return sub
}
