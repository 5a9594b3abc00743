package quotes

import (
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// maxTitleWords bounds the length of a quoted passage taken as the title of
// a work or a name; longer passages are quotations whatever their case.
const maxTitleWords = 12

// isTitleOrTerm reports whether a quoted passage is the title of a work, a
// name, a headline or a quoted term rather than a quotation, even when its
// sentence has a speech cue ("Microsoft says on "The Internet Explorer 6
// Countdown""). Only passages without sentence punctuation of their own
// qualify (a quotation that ends with "." or holds a sentence break is
// speech) and none that ends with a comma (the '"…," X said' tag). It is
// one of:
//
//   - a title or a name: every word capitalised but function words and
//     numbers (The "History" section, a user labelled "Anonymous");
//   - the passage right after a naming word or a noun that introduces a
//     title or a term (pronounced "Vilt-two", rated "highly critical", the
//     book "…", Operation "…");
//   - a short passage that modifies the noun after it or is the object of
//     the verb before it, when no one is said to speak it (the first
//     "solid" sample return mission, to "streamline" processing; but
//     Smith called it an "interesting" case);
//   - a headline cited after its source at the end of a paragraph
//     (Anonymous blogger, "Anon declares war on Church of Scientology"),
//     when no one is said to speak it.
//
// spoken says a speech cue names the passage's speaker, other than the
// writer's own "I" or "we" (an interviewee's "as I said, the first "solid"
// sample" puts a term in quotation marks).
func (d *doc) isTitleOrTerm(c cand, p processor.Span, spoken bool) bool {
	if c.single || d.hasSentencePunct(c.inner) {
		return false
	}
	inner := d.text[c.inner.Start:c.inner.End]
	if last, _ := utf8.DecodeLastRuneInString(inner); last == ',' || last == ';' || last == ':' {
		return false
	}
	d.toks = tokenize(d.text, c.inner.Start, c.inner.End, d.toks[:0])
	words, caps := 0, 0
	allCaps := true
	for _, k := range d.toks {
		if !k.word {
			continue
		}
		words++
		r, _ := utf8.DecodeRuneInString(k.w)
		switch {
		case k.cap:
			caps++
		case unicode.IsDigit(r), isFunctionWord(k.low) && words > 1:
		default:
			allCaps = false
		}
	}
	if words == 0 {
		return false
	}
	if allCaps && caps > 0 && words <= maxTitleWords {
		return true
	}
	if prev := d.wordBeforeMark(c.open, p.Start); isNamingWord(prev) || isTitleNoun(prev) {
		return true
	}
	if d.passiveNaming(c, p) {
		return true
	}
	if words < minWords && c.close >= 0 && !spoken {
		if next, ok := d.wordAfterMark(c.closeEnd, p.End); ok && modifiesNoun(next) {
			return true
		}
	}
	return !spoken && words >= minWords && d.citedHeadline(c, p)
}

// passiveNaming reports a passage named by a passive naming verb with no
// agent: 'This moment of integration is called "the development phase"',
// 'is known as "…"'. Such a passage is a name or a term; with an agent
// ('was called "…" by critics') it is the agent's words.
func (d *doc) passiveNaming(c cand, p processor.Span) bool {
	d.toks = tokenize(d.text, max(p.Start, c.open-48), c.open, d.toks[:0])
	toks := d.toks
	n := len(toks)
	v := n - 1
	if v >= 0 && toks[v].low == "as" {
		v--
	}
	if v < 0 || !toks[v].word || toks[v].e > c.open {
		return false
	}
	switch toks[v].low {
	case "called", "termed", "dubbed", "known":
	default:
		return false
	}
	if toks[v].low == "known" && toks[n-1].low != "as" || toks[v].low != "known" && v != n-1 {
		return false
	}
	if !passiveAux(toks, v) {
		return false
	}
	if c.close >= 0 {
		if next, ok := d.wordAfterMark(c.closeEnd, p.End); ok && next.low == "by" {
			return false
		}
	}
	return true
}

// wordBeforeMark returns the lower-case word that ends right before the
// opening mark at open (only spaces between), or "".
func (d *doc) wordBeforeMark(open, lo int) string {
	i := open
	for i > lo && d.text[i-1] == ' ' {
		i--
	}
	d.toks = tokenize(d.text, max(lo, i-24), i, d.toks[:0])
	if n := len(d.toks); n > 0 && d.toks[n-1].word && d.toks[n-1].e == i {
		return d.toks[n-1].low
	}
	return ""
}

// wordAfterMark returns the word that starts right after the closing mark
// ending at closeEnd (only spaces between) and whether there is one.
func (d *doc) wordAfterMark(closeEnd, hi int) (tok, bool) {
	i := closeEnd
	for i < hi && d.text[i] == ' ' {
		i++
	}
	d.toks = tokenize(d.text, i, min(hi, i+24), d.toks[:0])
	if len(d.toks) > 0 && d.toks[0].word && d.toks[0].s == i {
		return d.toks[0], true
	}
	return tok{}, false
}

// modifiesNoun reports whether next, the word right after a short quoted
// passage, shows that the passage modifies a noun or is the object of a
// verb in a running clause: a lower-case content word that is neither a
// function word nor a speech verb ("solid" sample, "streamline"
// processing; not "for months", said, nor "dangerous" and).
func modifiesNoun(next tok) bool {
	if next.cap || isFunctionWord(next.low) || speechVerb(next.low) != notVerb {
		return false
	}
	r, _ := utf8.DecodeRuneInString(next.w)
	return unicode.IsLower(r)
}

// citedHeadline reports whether passage c closes its paragraph after a
// source named before it and a comma ("Anonymous blogger, "…"").
func (d *doc) citedHeadline(c cand, p processor.Span) bool {
	// A passage that reaches past paragraph p (a mark opened in one
	// paragraph and closed in another) is no headline of p.
	if c.close < 0 || c.open < p.Start || c.closeEnd > p.End {
		return false
	}
	if !blank(d.text[c.closeEnd:p.End]) || blank(d.text[p.Start:c.open]) {
		return false
	}
	before := d.text[p.Start:c.open]
	i := len(before)
	for i > 0 && before[i-1] == ' ' {
		i--
	}
	return i > 0 && before[i-1] == ','
}

// isNamingWord is a word after which a quoted passage is a name, a title
// or a term, not speech: pronounced "Vilt-two", rated "highly critical".
// "called" and "termed" are not among them: "what he called "a disgrace""
// quotes the speaker.
func isNamingWord(w string) bool {
	switch w {
	case "pronounced", "rated", "labelled", "labeled", "named", "nicknamed",
		"titled", "entitled", "headlined", "codenamed", "code-named",
		"so-called", "spelled", "spelt", "translated", "trademarked", "branded":
		return true
	}
	return false
}

// isTitleNoun is a noun that introduces the title of a work or a term
// quoted right after it (the book "…", Operation "…", the word "…").
func isTitleNoun(w string) bool {
	switch w {
	case "word", "words", "term", "terms", "phrase", "slogan", "motto", "hashtag",
		"song", "single", "album", "film", "movie", "book", "novel", "play",
		"musical", "show", "series", "programme", "program", "episode",
		"documentary", "poem", "painting", "exhibition", "opera", "game",
		"operation", "exercise", "codename", "nickname", "title", "headline",
		"column", "section", "website", "site", "blog", "brand", "label",
		"category", "tag", "banner", "sign", "logo", "username", "handle":
		return true
	}
	return false
}
