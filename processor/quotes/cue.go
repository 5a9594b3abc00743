package quotes

import (
	"strings"
	"unicode/utf8"
)

// phrase is a speaker phrase found by a cue.
type phrase struct {
	s, e   int    // byte span of the whole phrase in the text
	hs, he int    // byte span of its head word
	pron   string // lower-case pronoun when the phrase is one
	proper bool   // headed by a capitalised name
}

// maxVerbsTried bounds how many speech verbs of one window are tried.
const maxVerbsTried = 3

// maxModifiers bounds the lower-case words between an inverted speech verb
// and the title or name of its subject ("said lead author Professor …").
const maxModifiers = 3

// skipBack returns the index of the last token of toks[lo:i+1] that is not
// an adverb, auxiliary or time phrase standing between a subject and its
// verb, or lo-1.
func skipBack(toks []tok, lo, i int) int {
	for i >= lo {
		w := toks[i]
		if !w.word {
			return i
		}
		if isSkippable(w.low) {
			i--
			continue
		}
		if isTimeWord(w.low) {
			i--
			for i >= lo && toks[i].word && isTimeOpener(toks[i].low) {
				i--
			}
			continue
		}
		return i
	}
	return i
}

// isPronoun reports a personal pronoun; "US" in capitals is the country.
func isPronoun(k tok) bool {
	_, ok := pronounGender(k.low)
	return ok && k.word && (len(k.w) == 1 || k.w != strings.ToUpper(k.w))
}

// isProperWord is a capitalised word that may be part of a name.
func isProperWord(k tok) bool { return k.word && k.cap && !isFunctionWord(k.low) }

// tailNP returns the noun phrase that ends toks[lo:hi] (a subject before
// its verb). obj allows object pronouns (him, her).
func tailNP(toks []tok, lo, hi int, obj bool) (phrase, bool) {
	i := skipBack(toks, lo, hi-1)
	if i < lo || !toks[i].word {
		return phrase{}, false
	}
	h := toks[i]
	if isPronoun(h) {
		if !obj && (h.low == "him" || h.low == "her" || h.low == "them" || h.low == "us" || h.low == "me") {
			return phrase{}, false
		}
		return phrase{s: h.s, e: h.e, hs: h.s, he: h.e, pron: h.low}, true
	}
	if isProperWord(h) {
		j := properStart(toks, lo, i)
		hd := toks[nameHead(toks, j, i)]
		ph := phrase{s: toks[j].s, e: h.e, hs: hd.s, he: hd.e, proper: true}
		if j-1 < lo || !toks[j-1].word {
			return ph, true
		}
		p := toks[j-1]
		if isDeterminer(p.low) {
			ph.s = p.s
			return ph, true
		}
		if isPreposition(p.low) && p.low != "according" {
			return ppHead(toks, lo, j-1, h)
		}
		return ph, true
	}
	if isFunctionWord(h.low) || h.verb() != notVerb {
		return phrase{}, false
	}
	// A common noun: walk left to its determiner.
	k := i
	det := false
	for k-1 >= lo && i-k < 6 {
		p := toks[k-1]
		if !p.word {
			break
		}
		if stem(p.w) != p.w && isDocumentNoun(h.low) {
			// "RIAA's take-down notice claimed", "Part of the judge's
			// statement reads": the possessor wrote it.
			he := p.s + len(stem(p.w))
			if p.cap {
				j := properStart(toks, lo, k-1)
				return phrase{s: toks[j].s, e: he, hs: p.s, he: he, proper: true}, true
			}
			s := p.s
			if k-2 >= lo && toks[k-2].word && isDeterminer(toks[k-2].low) {
				s = toks[k-2].s
			}
			return phrase{s: s, e: he, hs: p.s, he: he}, true
		}
		if isDeterminer(p.low) || (p.cap && stem(p.w) != p.w) {
			k--
			det = true
			break
		}
		if isFunctionWord(p.low) || p.verb() != notVerb {
			break
		}
		k--
	}
	if !det && !isSpeakerNoun(h.low) || det && k-1 >= lo && toks[k-1].word && isPreposition(toks[k-1].low) {
		return phrase{}, false // not a subject: "in a blog"
	}
	if !det {
		k = i
		for k-1 >= lo && toks[k-1].word && !isFunctionWord(toks[k-1].low) && i-k < 3 {
			k--
		}
	}
	return phrase{s: toks[k].s, e: h.e, hs: h.s, he: h.e}, true
}

// properStart returns the index of the first word of the name (with its
// titles and connectors: "CEO of the Refugee Council Enver Solomon") that
// ends at toks[i].
func properStart(toks []tok, lo, i int) int {
	j := i
	for j-1 >= lo {
		p := toks[j-1]
		if p.is(".") && j-2 >= lo && toks[j-2].word && isTitle(toks[j-2].low) {
			j -= 2 // "Dr. Livermore"
			continue
		}
		if !p.word {
			break
		}
		if isProperWord(p) || isTitle(p.low) {
			j--
			continue
		}
		k := j - 1
		for k >= lo && toks[k].word && isConnector(toks[k].low) {
			k--
		}
		if k < j-1 && k >= lo && (isProperWord(toks[k]) || isTitle(toks[k].low)) {
			j = k
			continue
		}
		break
	}
	return j
}

// nameHead returns the index of the head word of the name toks[j..i]:
// the last word, unless a name (not a title) is followed by "of", "for",
// "from" or "at" ("Tristan Smith of University College London"): then the
// word before that preposition.
func nameHead(toks []tok, j, i int) int {
	for k := j + 1; k < i; k++ {
		switch toks[k].low {
		case "of", "for", "from", "at":
			if p := toks[k-1]; isProperWord(p) && !isTitle(p.low) {
				return k - 1
			}
		}
	}
	return i
}

// ppHead handles a name inside a prepositional phrase before the verb ("a
// leaked letter seen by Sky News says"): the phrase is the noun phrase the
// preposition hangs on, headed by a common noun. prep is the index of the
// preposition.
func ppHead(toks []tok, lo, prep int, last tok) (phrase, bool) {
	k := prep - 1
	for k >= lo && prep-k <= 8 {
		p := toks[k]
		if !p.word || isFunctionWord(p.low) && !isDeterminer(p.low) {
			return phrase{}, false
		}
		if isDeterminer(p.low) || isSpeakerNoun(p.low) {
			break
		}
		k--
	}
	if k < lo || prep-k > 8 {
		return phrase{}, false
	}
	head := prep - 1
	for head > k && isParticipleOrPast(toks[head].low) {
		head--
	}
	if head < k || head >= prep {
		return phrase{}, false
	}
	return phrase{s: toks[k].s, e: last.e, hs: toks[head].s, he: toks[head].e}, true
}

// isParticipleOrPast is a past participle that reduces a relative clause
// ("seen by", "quoted by", "obtained by").
func isParticipleOrPast(w string) bool {
	switch w {
	case "seen", "made", "given", "sent", "written", "shown", "held", "read", "led", "run":
		return true
	}
	return strings.HasSuffix(w, "ed")
}

// headNP returns the noun phrase that starts toks[lo:hi] (a subject after
// an inverted verb, or the object of "according to" / "quoted").
func headNP(toks []tok, lo, hi int, obj bool) (phrase, bool) {
	i := lo
	for i < hi && toks[i].word && (toks[i].low == "the" || toks[i].low == "a" || toks[i].low == "an") && i+1 < hi && toks[i+1].word && toks[i+1].cap {
		i++ // "the BBC": keep the name as head
	}
	if i >= hi || !toks[i].word {
		return phrase{}, false
	}
	h := toks[i]
	if isPronoun(h) {
		if !obj && (h.low == "him" || h.low == "her" || h.low == "them" || h.low == "us" || h.low == "me") {
			return phrase{}, false
		}
		return phrase{s: h.s, e: h.e, hs: h.s, he: h.e, pron: h.low}, true
	}
	if isProperWord(h) || isTitle(h.low) {
		j := i
		last := -1
		afterPrep := false // a connector such as "of" was passed: "Ted Scambos of CU Boulder's institute"
		for j < hi && (toks[j].word || toks[j].is(".") && j > i && isTitle(toks[j-1].low)) {
			k := toks[j]
			if !k.word {
				j++ // the full stop of "Dr."
				continue
			}
			if isProperWord(k) {
				if stem(k.w) != k.w && j+1 < hi && !afterPrep {
					// "Smith's rival Jane Doe": the possessor is not the head.
					m := j + 1
					for m < hi && m <= j+maxModifiers+2 && toks[m].word && !toks[m].cap && !isFunctionWord(toks[m].low) && toks[m].verb() == notVerb {
						m++
					}
					if m < hi && isProperWord(toks[m]) {
						if ph, ok := headNP(toks, m, hi, false); ok {
							ph.s = toks[lo].s
							return ph, true
						}
					}
					if m > j+1 && isDocumentNoun(toks[m-1].low) {
						// "reads Judge Miller's statement", "RIAA's
						// take-down notice": the possessor wrote it.
						he := k.s + len(stem(k.w))
						return phrase{s: toks[lo].s, e: he, hs: k.s, he: he, proper: true}, true
					}
					if m > j+1 {
						h := toks[m-1]
						return phrase{s: toks[lo].s, e: h.e, hs: h.s, he: h.e}, true
					}
				}
				last = j
				j++
				continue
			}
			if isTitle(k.low) || k.cap && j > i && j+1 < hi && isProperWord(toks[j+1]) {
				j++ // a title, or a capitalised function word inside a name ("Former First Lady Michelle Obama")
				continue
			}
			if isConnector(k.low) && k.low != "and" && j+1 < hi && isProperWord(toks[j+1]) {
				afterPrep = afterPrep || isPreposition(k.low)
				j++
				continue
			}
			break
		}
		if last < 0 {
			return phrase{}, false
		}
		if j < hi && toks[j].word && !toks[j].cap && isBodyNoun(toks[j].low) {
			// "The German government", "US officials": the name
			// modifies the body that speaks.
			return phrase{s: toks[lo].s, e: toks[j].e, hs: toks[j].s, he: toks[j].e}, true
		}
		hd := toks[nameHead(toks, i, last)]
		return phrase{s: toks[lo].s, e: toks[last].e, hs: hd.s, he: hd.e, proper: true}, true
	}
	if isDeterminer(h.low) || isSpeakerNoun(h.low) {
		det := isDeterminer(h.low)
		j := i
		if det {
			j++
		}
		last := -1
		for j < hi && toks[j].word && j-i < 6 {
			k := toks[j]
			if isFunctionWord(k.low) || k.verb() != notVerb || j+1 < hi && toks[j+1].low == "by" && isParticipleOrPast(k.low) {
				break
			}
			last = j
			j++
		}
		if last < 0 {
			return phrase{}, false
		}
		if !det && last != i {
			last = i
		}
		// "a statement released by Erdogan's office": a document
		// speaks for its author.
		if b := j; isDocumentNoun(toks[last].low) && b < hi {
			if toks[b].word && isParticipleOrPast(toks[b].low) {
				b++
			}
			if b+1 < hi && toks[b].low == "by" {
				if ph, ok := headNP(toks, b+1, hi, false); ok {
					return ph, true
				}
			}
		}
		return phrase{s: toks[lo].s, e: toks[last].e, hs: toks[last].s, he: toks[last].e, proper: isProperWord(toks[last])}, true
	}
	return phrase{}, false
}

// cue is the result of looking for a speech cue around a quotation.
type cue struct {
	ph    phrase
	found bool // a speaker phrase was found
	verb  bool // a speech verb was found, with or without a speaker
	dash  bool // the speaker is signed after a dash ("…" — Matthew Ingram)
}

// dashCue looks for a signature right after a closing mark, at the end of
// the paragraph or before a comma: '"…" - Matthew Ingram', '"…" — Peres,
// on whether …'. lo is the end of the closing mark, hi the paragraph end.
func (d *doc) dashCue(lo, hi int) cue {
	i := lo
	for i < hi && d.text[i] == ' ' {
		i++
	}
	r, n := utf8.DecodeRuneInString(d.text[i:hi])
	if r != '-' && r != '–' && r != '—' || i+n >= hi || d.text[i+n] != ' ' {
		return cue{}
	}
	end := min(hi, i+n+80)
	if k := strings.IndexAny(d.text[i+n:end], ",;(\n"); k >= 0 {
		end = i + n + k
	} else if end < hi {
		return cue{} // a long run of words: a sentence, not a signature
	}
	d.toks = tokenize(d.text, i+n, end, d.toks[:0])
	ph, ok := headNP(d.toks, 0, len(d.toks), false)
	if !ok || !ph.proper || ph.e != d.toks[len(d.toks)-1].e {
		return cue{}
	}
	return cue{ph: ph, found: true, verb: true, dash: true}
}

// preCue looks for a speaker in the clause t[lo:hi] that leads into a
// quotation (X said: "…"; According to X, "…").
func (d *doc) preCue(lo, hi int) cue {
	d.toks = tokenize(d.text, lo, hi, d.toks[:0])
	toks := d.toks
	n := len(toks)
	for i := 0; i+1 < n; i++ {
		if toks[i].low == "according" && toks[i+1].low == "to" {
			if ph, ok := headNP(toks, i+2, n, false); ok {
				return cue{ph: ph, found: true, verb: true}
			}
		}
	}
	var res cue
	tried := 0
	for v := n - 1; v >= 0 && tried < maxVerbsTried; v-- {
		k := toks[v]
		if !k.word {
			continue
		}
		cls := k.verb()
		if cls == notVerb || v > 0 && toks[v-1].word && isDeterminer(toks[v-1].low) {
			continue // a noun: "a blog post", "the claims"
		}
		tried++
		res.verb = true
		if ph, ok := subjectOf(toks, 0, v, n, cls); ok {
			return cue{ph: ph, found: true, verb: true}
		}
	}
	return res
}

// subjectOf finds the speaker of the speech verb toks[v] in toks[lo:hi]:
// the subject before it, or the object of "quoted".
func subjectOf(toks []tok, lo, v, hi int, cls verbClass) (phrase, bool) {
	k := toks[v]
	if cls == verbQuot {
		if v-1 >= lo && toks[v-1].word && (toks[v-1].low == "was" || toks[v-1].low == "were" || toks[v-1].low == "is" || toks[v-1].low == "been") {
			return tailNP(toks, lo, v-1, false)
		}
		end := v + 1
		for end < hi && toks[end].word && toks[end].low != "as" && toks[end].low != "saying" {
			end++
		}
		if end < hi && toks[end].word {
			return headNP(toks, v+1, end, true)
		}
		return phrase{}, false
	}
	if isParticiple(k.low) {
		// "with Boswell stating:", else the clause's own subject.
		if i := v - 1; i > lo && isProperWord(toks[i]) {
			j := properStart(toks, lo, i)
			if j > lo && toks[j-1].low == "with" {
				return phrase{s: toks[j].s, e: toks[i].e, hs: toks[i].s, he: toks[i].e, proper: true}, true
			}
		}
		if ph, ok := tailNP(toks, lo, v, false); ok && (ph.proper || ph.pron != "") {
			return ph, true
		}
		if ph, ok := clauseSubject(toks, lo, v); ok || cls != verbSay {
			return ph, ok
		}
		for _, k := range toks[lo:v] {
			if k.verb() == verbSay {
				return phrase{}, false // "The governor tweeted her reasoning saying": the verb before has the subject
			}
		}
		// "a message stating": the noun phrase right before the verb.
		if ph, ok := tailNP(toks, lo, v, false); ok {
			return ph, true
		}
		// "An eyewitness described … how the attack unfolded, stating": a
		// noun phrase with a determiner opening the clause, without a
		// verb that the phrase scan took for a noun ("Some individuals
		// reported").
		if lo < v && toks[lo].word && isDeterminer(toks[lo].low) {
			ph, ok := headNP(toks, lo, v, false)
			if !ok {
				return ph, false
			}
			for e := lo + 2; e < v && toks[e].word && toks[e].s < ph.e; e++ {
				if strings.HasSuffix(toks[e].low, "ed") || strings.HasSuffix(toks[e].low, "ing") {
					ph.e, ph.hs, ph.he = toks[e-1].e, toks[e-1].s, toks[e-1].e
					break
				}
			}
			return ph, true
		}
		return phrase{}, false
	}
	if v-1 > lo && toks[v-1].is(")") {
		// "Nikki Holland of the UK's National Crime Agency (NCA) said":
		// a short parenthesis before the verb is not the subject.
		for j := v - 2; j > lo && j >= v-6; j-- {
			if toks[j].is("(") {
				v = j
				break
			}
		}
	}
	i := skipBack(toks, lo, v-1)
	if i >= lo && toks[i].word && toks[i].low == "who" {
		return relativeAntecedent(toks, lo, i)
	}
	if i >= lo && toks[i].word && (toks[i].low == "and" || toks[i].low == "but") {
		return clauseSubject(toks, lo, i)
	}
	// Comma-separated parts before the verb: the subject is the nearest
	// part that is a noun phrase; parentheticals ("in remarks to X") and
	// appositives ("editor at the Saudi Gazette") are stepped over.
	end := v
	afterComma := false // the verb follows "X, appositive,"
	var fallback phrase
	haveFallback := false
	for parts := 0; parts < 3 && end > lo; parts++ {
		start := end
		for start > lo && !toks[start-1].isBreak() {
			start--
		}
		if start == end {
			afterComma = parts == 0
		} else {
			first := toks[start]
			ph, ok := tailNP(toks, start, end, false)
			if ok && !(first.word && isPreposition(first.low)) {
				if ph.proper && !haveFallback && start > lo && isDescription(toks, start, end) {
					// "Ryan Coogler, the director of Black Panther, wrote",
					// "Erwin Chemerinsky, Dean of UC Berkeley School of Law
					// called it": a description after a name; the name
					// before it is the subject, else the description is.
					fallback, haveFallback = ph, true
					end = start - 1
					continue
				}
				if ph.proper || ph.pron != "" {
					return ph, true
				}
				if !afterComma || haveFallback {
					break
				}
				// "X, the editor of Y, said": an appositive; the name
				// before it is the subject, else the appositive is.
				fallback, haveFallback = ph, true
			} else if !(first.word && (isPreposition(first.low) || !first.cap || first.low == "who")) {
				break
			}
		}
		end = start - 1
	}
	if haveFallback && (cls != verbChar) {
		return fallback, true
	}
	if haveFallback {
		return phrase{}, false
	}
	if ph, ok := tailNP(toks, lo, v, false); ok && cls != verbChar && !afterComma {
		return ph, true
	}
	if cls == verbSay && !afterComma {
		// "Assembly president Richard Ferrand in relaying the news to
		// parliament said": the name that opens the clause, when it has
		// two words or more (one capitalised word opening a sentence
		// may be a common noun: "Part of the judge's statement reads").
		if ph, ok := clauseSubject(toks, lo, v); ok && ph.pron == "" && ph.hs > ph.s {
			return ph, true
		}
	}
	return phrase{}, false
}

// relativeAntecedent returns the person a "who" at toks[who] refers to
// ("drafted by Alex Greenwich who said", "Mark Hay, a marine ecologist
// and Regents Professor at GT, who said"): the nearest name before it,
// stepping back over a description set off by commas.
func relativeAntecedent(toks []tok, lo, who int) (phrase, bool) {
	end := who
	for parts := 0; parts < 3 && end > lo; parts++ {
		for end > lo && toks[end-1].isBreak() {
			end--
		}
		start := end
		for start > lo && !toks[start-1].isBreak() {
			start--
		}
		if start == end {
			break
		}
		if ph, ok := tailNP(toks, start, end, false); ok && ph.proper && !isDescription(toks, start, end) {
			return ph, true
		}
		if last := toks[end-1]; isProperWord(last) && !isDescription(toks, start, end) {
			// "led by Mark Hay, …, who said": the name after the
			// preposition.
			j := properStart(toks, start, end-1)
			hd := toks[nameHead(toks, j, end-1)]
			return phrase{s: toks[j].s, e: last.e, hs: hd.s, he: hd.e, proper: true}, true
		}
		end = start
	}
	return phrase{}, false
}

// isDescription reports whether toks[lo:hi] reads as a description of a
// person rather than a name: it opens with a determiner, a lower-case word
// or a title, and holds "of", "for" or "at" ("the director of Black Panther",
// "Dean of UC Berkeley School of Law", "spokesperson for the Bharatiya
// Janata Party").
func isDescription(toks []tok, lo, hi int) bool {
	f := toks[lo]
	if !f.word || !(isDeterminer(f.low) || !f.cap || isTitle(f.low) || f.low == "dean") {
		return false
	}
	for _, k := range toks[lo+1 : hi] {
		switch k.low {
		case "of", "for", "at", "representing", "defending", "advising":
			// "the director of Black Panther", "a Toronto lawyer
			// representing Spanton"
			return true
		}
	}
	return false
}

// clauseSubject returns the name or pronoun that opens toks[lo:hi], the
// subject of a clause whose verb is further on ("Anne Hidalgo praised …
// and said").
//
// Leading adverbials set off by commas ("A month later, during the third
// primary debate, O'Rourke defended his proposal, saying") are stepped
// over: the first of up to maxClauseParts comma-separated parts that opens
// with a name or pronoun followed by a word is the subject.
func clauseSubject(toks []tok, lo, hi int) (phrase, bool) {
	for part := 0; part < maxClauseParts && lo < hi; part++ {
		if isParticipleOpener(toks, lo, hi) {
			// "Writing in a blog post, Matthew Ingram … dubbed"
		} else if ph, ok := headNP(toks, lo, hi, false); ok && (ph.proper || ph.pron != "") {
			// The name must be followed by a word of its clause, not
			// end a part ("In Paris, …" is not a subject).
			k := lo
			for k < hi && toks[k].e <= ph.e {
				k++
			}
			// The name must be followed by its clause ("Biden, while
			// campaigning in Michigan, called …" too), not end the
			// sentence.
			if k < hi && (toks[k].word || toks[k].is("(") || toks[k].is(",") && k+1 < hi) {
				return ph, true
			}
		}
		if toks[lo].word && !isPreposition(toks[lo].low) && !isAdverbialOpener(toks[lo]) && (isPronoun(toks[lo]) || !isFunctionWord(toks[lo].low)) {
			return phrase{}, false // a subject that is no name: "The study found"
		}
		for lo < hi && !toks[lo].is(",") {
			lo++
		}
		lo++
	}
	return phrase{}, false
}

// isParticipleOpener reports a capitalised participle followed by a
// preposition or determiner at toks[lo] ("Writing in a blog post",
// "Responding to the ruling"): a leading phrase, not a name.
func isParticipleOpener(toks []tok, lo, hi int) bool {
	k := toks[lo]
	if !k.word || !k.cap || len(k.low) <= 4 || !strings.HasSuffix(k.low, "ing") && !strings.HasSuffix(k.low, "ed") {
		return false
	}
	return lo+1 < hi && toks[lo+1].word && (isPreposition(toks[lo+1].low) || isDeterminer(toks[lo+1].low))
}

// maxClauseParts bounds the comma-separated parts clauseSubject looks at.
const maxClauseParts = 3

// isAdverbialOpener is a word that opens a leading adverbial phrase
// rather than a subject ("A month later, …", "Earlier this week, …").
func isAdverbialOpener(k tok) bool {
	if isDeterminer(k.low) {
		return true // "Another voice actor, Lauren Landa, would list"
	}
	switch k.low {
	case "which", "who", "where", "whose": // "In Ohio, which was planning …, Governor Mike DeWine postponed it"
		return true
	case "last", "this", "earlier", "later", "meanwhile", "after", "before",
		"when", "while", "as", "since", "following", "speaking", "asked", "however", "separately":
		return true
	}
	// A participle phrase: "Underwhelmed with her role, she left".
	return isTimeWord(k.low) || k.cap && (strings.HasSuffix(k.low, "ed") || strings.HasSuffix(k.low, "ing"))
}

// postCue looks for a speaker in t[lo:hi], the rest of the sentence after a
// closing mark ("…," Ms Hidalgo tweeted; "…," said X). After a quotation
// that ended its own sentence, only a short tag sentence counts.
func (d *doc) postCue(lo, hi int, ended bool) cue {
	d.toks = tokenize(d.text, lo, hi, d.toks[:0])
	toks := d.toks
	n := len(toks)
	i0 := 0
	for i0 < n && !toks[i0].word {
		i0++
	}
	if i0 >= n {
		return cue{}
	}
	words := 0
	for _, k := range toks[i0:] {
		if k.word {
			words++
		}
	}
	if ended && (words > 8 || toks[i0].cap && !isProperWord(toks[i0]) && !isDeterminer(toks[i0].low)) {
		return cue{}
	}
	if toks[i0].low == "according" && i0+1 < n && toks[i0+1].low == "to" {
		if ph, ok := headNP(toks, i0+2, n, false); ok {
			return cue{ph: ph, found: true, verb: true}
		}
		return cue{}
	}
	v := -1
	for i, w := i0, 0; i < n && w < 12; i++ {
		if !toks[i].word {
			continue
		}
		w++
		if toks[i].verb() != notVerb {
			v = i
			break
		}
	}
	if v < 0 {
		return cue{}
	}
	k := toks[v]
	cls := k.verb()
	if v == i0 {
		if cls != verbSay || isParticiple(k.low) {
			return cue{verb: true}
		}
		if ph, ok := headNP(toks, v+1, n, false); ok {
			return cue{ph: ph, found: true, verb: true}
		}
		// "said lead author Professor David Livermore", "said study
		// co-author and Research Fellow Martin How": lower-case
		// modifiers before the title or name.
		for j := v + 1; j < n && j <= v+maxModifiers+1; j++ {
			k := toks[j]
			if !k.word || k.cap && isFunctionWord(k.low) {
				break
			}
			if isProperWord(k) || isTitle(k.low) {
				if ph, ok := headNP(toks, j, n, false); ok && ph.proper {
					ph.s = toks[v+1].s
					return cue{ph: ph, found: true, verb: true}
				}
				break
			}
		}
		return cue{verb: true}
	}
	if cls == verbQuot {
		ph, ok := subjectOf(toks, i0, v, n, cls)
		return cue{ph: ph, found: ok, verb: true}
	}
	// The subject is the first part; an appositive may follow it.
	c := i0
	for c < v && !toks[c].isBreak() {
		c++
	}
	ph, ok := tailNP(toks, i0, c, false)
	if !ok {
		return cue{verb: true}
	}
	lead := 0
	for _, t := range toks[i0:] {
		if t.s >= ph.s {
			break
		}
		lead++
	}
	if lead > 1 || (cls == verbChar && !ph.proper && ph.pron == "") {
		return cue{verb: true}
	}
	return cue{ph: ph, found: true, verb: true}
}

// agentCue finds the agent of a passive naming or speech verb that frames
// a quotation: 'Amman, who was described as "knife-obsessed" by the
// police', 'COVID-19 was announced to be a "pandemic" by the World Health
// Organization', 'was called by critics "a disgrace"'. The subject of such
// a verb is what the words are about, not who said them, so the agent after
// "by" is the speaker. toks are the tokens of the sentence before the
// opening mark (as preCue leaves them), closeEnd..hi the rest of the
// sentence after the closing mark (closeEnd is -1 for a quotation left
// open). It reports false when the quotation
// is not framed that way; a cue without a phrase when it is but the agent
// is no noun phrase.
func (d *doc) agentCue(toks []tok, closeEnd, hi int) (cue, bool) {
	n := len(toks)
	// The participle: within the last few words before the mark, with only
	// "as", "to be", articles or an agent phrase between it and the mark.
	p := -1
	for i, words := n-1, 0; i >= 0 && words < 8; i-- {
		k := toks[i]
		if !k.word {
			if k.is(",") || k.is("(") || k.is(")") {
				continue
			}
			return cue{}, false
		}
		words++
		if k.verb() != notVerb && isParticipleOrPast(k.low) && (passiveAux(toks, i) || i+1 < n && toks[i+1].low == "by") {
			p = i
			break
		}
	}
	if p < 0 {
		return cue{}, false
	}
	// An agent between the verb and the mark: "was described by police as".
	if p+1 < n && toks[p+1].low == "by" {
		end := p + 2
		for end < n && toks[end].word && toks[end].low != "as" {
			end++
		}
		if ph, ok := headNP(toks, p+2, end, false); ok {
			return cue{ph: ph, found: true, verb: true}, true
		}
		return cue{verb: true}, true
	}
	for _, k := range toks[p+1:] {
		if k.word && !framingWord(k.low) {
			return cue{}, false
		}
	}
	// An agent right after the closing mark.
	if closeEnd < 0 {
		return cue{}, false
	}
	after := tokenize(d.text, closeEnd, hi, nil)
	if len(after) == 0 || after[0].low != "by" {
		return cue{}, false
	}
	if ph, ok := headNP(after, 1, len(after), false); ok {
		return cue{ph: ph, found: true, verb: true}, true
	}
	return cue{verb: true}, true
}

// passiveAux reports a form of "be" before toks[v], adverbs aside ("was
// previously announced", "has been called").
func passiveAux(toks []tok, v int) bool {
	for i := v - 1; i >= 0 && i >= v-3; i-- {
		k := toks[i]
		if !k.word {
			return false
		}
		switch k.low {
		case "was", "were", "is", "are", "been", "being", "be":
			return true
		}
		if !(strings.HasSuffix(k.low, "ly") && len(k.low) > 4) && k.low != "also" && k.low != "previously" && k.low != "once" {
			return false
		}
	}
	return false
}

// framingWord may stand between a passive naming verb and the quotation it
// frames ("described as a", "announced to be the").
func framingWord(w string) bool {
	switch w {
	case "as", "to", "be", "a", "an", "the", "being", "simply", "only", "merely":
		return true
	}
	return false
}
