package quotes

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// Name is the stage name.
const Name = "quotes"

// maxWindow bounds, in bytes, the text looked at before and after a
// quotation for its speech cue.
const maxWindow = 400

// minWords is the length from which a quoted passage without a speech cue
// is taken as a quotation even without sentence punctuation; shorter ones
// are nicknames, titles or scare quotes (see isScare).
const minWords = 6

//go:embed names.txt
var namesTxt string

// Quotes is the quotes stage. It is immutable after New and safe for
// concurrent use by many goroutines.
type Quotes struct {
	names map[string]gender // given name (lower case) → gender
}

// New returns the quotes stage. It parses the embedded first-name list once.
func New() *Quotes {
	return &Quotes{names: parseNames(namesTxt)}
}

// parseNames reads lines "m name" / "f name"; '#' starts a comment. A name
// listed under both genders is dropped.
func parseNames(s string) map[string]gender {
	out := make(map[string]gender)
	both := make(map[string]bool)
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		g, name, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		var gg gender
		switch g {
		case "m":
			gg = male
		case "f":
			gg = female
		default:
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if old, seen := out[name]; seen && old != gg {
			both[name] = true
		}
		out[name] = gg
	}
	for n := range both {
		delete(out, n)
	}
	return out
}

// Name implements processor.Processor.
func (*Quotes) Name() string { return Name }

// Close implements processor.Processor; the stage holds no resources.
func (*Quotes) Close(context.Context) error { return nil }

// LanguageGate returns the middleware the stage runs under: it skips
// articles not in English (nor of unknown language) with the reason
// "language <code> is not English". Use it with processor.Stage.
func LanguageGate() processor.Middleware {
	return processor.LanguageGate{
		Only:   []string{"en"},
		Reason: func(code string) string { return "language " + code + " is not English" },
	}.Middleware()
}

// Process fills a.Quotes (replacing any) with the article's quotations in
// text order, whatever its language (see LanguageGate). It fails only when
// ctx is done.
func (q *Quotes) Process(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("quotes: %w", err)
	}
	a.Quotes = q.Extract(a)
	return []*processor.Article{a}, nil
}

// Extract returns the quotations of a (see the package doc) without
// modifying it. Spans are byte offsets into a.Text.
func (q *Quotes) Extract(a *processor.Article) []processor.Quote {
	d := &doc{q: q, a: a, text: a.Text, spoke: noSpeaker, spokeAt: -1, toks: make([]tok, 0, 96)}
	paras := paragraphs(a)
	cands := d.scan(paras)
	if len(cands) == 0 {
		return nil
	}
	d.quoted = make([]processor.Span, len(cands))
	for i, c := range cands {
		d.quoted[i] = c.inner
	}
	d.indexEntities()

	var out []processor.Quote
	prev := -1 // index of the last kept candidate
	var prevSp speaker
	lastCued := false    // cands[i-1] had a cue of its own
	lastDropped := false // cands[i-1] was dropped as a scare quote, title or term
	var lastSp speaker
	for i, c := range cands {
		p := paras[c.para]
		atStart := blank(d.text[p.Start:c.open])
		adjacent := prev >= 0 && (cands[prev].para == c.para || cands[prev].para == c.para-1 && atStart)
		sp, cued, verb := noSpeaker, false, false
		firstPerson := false // the cue's speaker is "I" or "we": the writer's own terms
		switch {
		case c.cont && prev >= 0 && cands[prev].para == c.para-1:
			sp, cued = prevSp, true
		case i > 0 && lastCued && cands[i-1].para == c.para && d.coordinated(cands[i-1].closeEnd, c.open):
			// "dangerous" and "ideological": one cue for both.
			sp, cued = lastSp, true
		default:
			ch := d.attribute(cands, i, paras)
			verb = ch.verb
			switch {
			case ch.found:
				sp, cued = d.resolve(ch.ph, c.open), true
				firstPerson = ch.ph.pron == "i" || ch.ph.pron == "we"
				if ch.dash && sp.ent >= 0 && d.a.Entities[sp.ent].Type == processor.EntityLoc {
					// A passage signed with a place ("…" — Australia) is a
					// caption or a list entry: places do not speak.
					continue
				}
			case adjacent:
				sp = prevSp
			}
			if sp.name == "" && !ch.found {
				sp = d.focusSpeaker(c, p)
			}
		}
		lastCued, lastSp = cued, sp
		// A scare quote, title or term, or a passage listed with the one
		// just dropped ("the terms "same-sex family relationship" and
		// "same-sex union."", "could catch "Pokemon Biology", "Kimono
		// Obi Tying", and "Underappreciated Sports Anime/Manga."").
		if d.isScare(c, cued || verb) || d.isTitleOrTerm(c, p, cued && !firstPerson) ||
			lastDropped && cands[i-1].para == c.para && d.coordinated(cands[i-1].closeEnd, c.open) {
			lastDropped = true
			continue
		}
		lastDropped = false
		out = append(out, processor.Quote{
			Text:          d.text[c.inner.Start:c.inner.End],
			Speaker:       sp.name,
			SpeakerEntity: sp.ent,
			Span:          c.inner,
		})
		prev, prevSp = i, sp
		d.spoke, d.spokeAt = sp, c.open
		if sp.name != "" {
			if len(d.speakers) >= 4*maxNameCandidates {
				// earlierSpeaker looks at the last few only.
				d.speakers = d.speakers[:copy(d.speakers, d.speakers[len(d.speakers)-maxNameCandidates:])]
			}
			d.speakers = append(d.speakers, sp)
		}
	}
	return out
}

// coordinated reports whether t[lo:hi], the text between two quoted
// passages, only joins them ("… and", ",", "or"), so that they share a cue.
func (d *doc) coordinated(lo, hi int) bool {
	if hi-lo > 40 {
		return false
	}
	d.toks = tokenize(d.text, lo, hi, d.toks[:0])
	n := len(d.toks)
	if n == 0 {
		return false
	}
	words := 0
	for _, k := range d.toks {
		if k.word {
			words++
			if k.verb() != notVerb || k.cap {
				return false // a cue of its own: "Kino Gabriel said,"
			}
		}
	}
	last := d.toks[n-1]
	return words <= 3 && (last.is(",") || last.low == "and" || last.low == "or")
}

// scan finds the quoted passages of every paragraph, in text order.
func (d *doc) scan(paras []processor.Span) []cand {
	var cands []cand
	open := false
	from := 0 // text before it was scanned as part of a quotation
	for pi := 0; pi < len(paras); pi++ {
		p := paras[pi]
		if from > p.Start {
			p.Start = min(from, p.End)
		}
		n0 := len(cands)
		cands, open = scanParagraph(d.text, p, pi, open, cands)
		if open {
			// Keep an unclosed quotation when the next paragraph
			// continues it, when its closing mark comes a few
			// paragraphs later, or when it is the whole paragraph.
			last := &cands[len(cands)-1]
			next := pi+1 < len(paras) && startsWithOpenMark(d.text, paras[pi+1])
			if !next {
				open = false
				if q, cl, n, ok := closingLater(d.text, paras, pi); ok {
					last.close, last.closeEnd, last.endPara = cl, cl+n, q
					last.inner = trimSpan(d.text, processor.Span{Start: last.openEnd, End: cl})
					cands = scanSingles(d.text, p, pi, cands[n0:], cands)
					from, pi = cl+n, q-1
					continue
				}
				if !blank(d.text[p.Start:last.open]) {
					cands = cands[:len(cands)-1]
				}
			}
		}
		cands = scanSingles(d.text, p, pi, cands[n0:], cands)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].open < cands[j].open })
	return cands
}

// attribute looks for the speech cue of cands[i]: in its own sentence
// before it, in the tag after it, or in an introducing paragraph that ends
// with a colon or comma ("Rathbun stated,").
func (d *doc) attribute(cands []cand, i int, paras []processor.Span) cue {
	c := cands[i]
	p := paras[c.para]
	lo := p.Start
	if i > 0 && cands[i-1].para == c.para {
		lo = max(lo, cands[i-1].closeEnd)
	}
	lo = runeStart(d.text, max(lo, c.open-maxWindow))
	lo = lastSentenceStart(d.text, lo, c.open)
	pre := d.preCue(lo, c.open)

	closeEnd, end := -1, -1
	if c.close >= 0 {
		hi := min(paras[c.endPara].End, c.closeEnd+maxWindow)
		if i+1 < len(cands) && cands[i+1].para == c.endPara {
			hi = min(hi, cands[i+1].open)
		}
		closeEnd, end = c.closeEnd, sentenceEnd(d.text, c.closeEnd, runeStart(d.text, hi))
	}
	// A passive verb framing the quotation: its agent speaks. preCue left
	// the tokens of the sentence before the mark in d.toks.
	if ag, ok := d.agentCue(d.toks, closeEnd, end); ok {
		return ag
	}
	var post cue
	if c.close >= 0 {
		last, _ := utf8.DecodeLastRuneInString(d.text[c.inner.Start:c.inner.End])
		post = d.postCue(closeEnd, end, last == '.' || last == '…')
	}
	// '"…," X said' is the classic tag: a comma closing the quotation
	// makes the tag after it win over a clause before it.
	lastRune, _ := utf8.DecodeLastRuneInString(d.text[c.inner.Start:c.inner.End])
	switch {
	case post.found && lastRune == ',':
		return post
	case pre.found:
		return pre
	case post.found:
		return post
	}
	if c.close >= 0 {
		if ch := d.dashCue(c.closeEnd, paras[c.endPara].End); ch.found {
			return ch
		}
	}
	if ch, ok := d.colonCue(lo, c.open); ok {
		return ch
	}
	verb := cue{verb: pre.verb || post.verb}
	if c.para > 0 && blank(d.text[p.Start:c.open]) {
		pp := paras[c.para-1]
		last, _ := utf8.DecodeLastRuneInString(d.text[pp.Start:pp.End])
		if last == ':' || last == ',' {
			lo := runeStart(d.text, max(pp.Start, pp.End-maxWindow))
			if i == 0 || cands[i-1].closeEnd <= lo || cands[i-1].para != c.para-1 {
				if ch := d.preCue(lastSentenceStart(d.text, lo, pp.End), pp.End); ch.found {
					return ch
				}
			}
		}
	}
	return verb
}

// runeStart moves i forward to the start of a UTF-8 sequence.
func runeStart(t string, i int) int {
	for i < len(t) && !utf8.RuneStart(t[i]) {
		i++
	}
	return i
}

// isScare reports whether a quoted passage is a nickname, title or scare
// quote rather than a quotation: fewer than minWords words, no sentence
// punctuation, and no speech cue (a speech verb in its sentence) of its
// own ("the "Spiderman of the 18th""). Curly single quotes count only with
// a cue and three words.
func (d *doc) isScare(c cand, cued bool) bool {
	words := 0
	inWord := false
	for _, r := range d.text[c.inner.Start:c.inner.End] {
		w := isWordRune(r)
		if w && !inWord {
			words++
		}
		inWord = w || (inWord && (r == '\'' || r == '’' || r == '-'))
	}
	if c.single {
		return !cued || words < 3
	}
	if cued || words >= minWords {
		return false
	}
	return !d.hasSentencePunct(c.inner)
}

// hasSentencePunct reports whether s ends with sentence punctuation or holds
// a sentence break.
func (d *doc) hasSentencePunct(s processor.Span) bool {
	t := strings.TrimRightFunc(d.text[s.Start:s.End], func(r rune) bool { return unicode.IsSpace(r) || isCloser(r) })
	last, _ := utf8.DecodeLastRuneInString(t)
	if isTerminal(last) {
		return true
	}
	return sentenceEnd(d.text, s.Start, s.End) < s.End
}

// focusSpeaker returns the speaker of a quotation that has no cue of its
// own and opens a sentence after another sentence of its paragraph: the
// person that sentence is about, when its subject is a name or a pronoun
// that resolves to a PERSON ("Underwhelmed with her role, she left the
// series. "This is not what I wanted …""). Otherwise noSpeaker.
func (d *doc) focusSpeaker(c cand, p processor.Span) speaker {
	ls, found := sentenceStartBefore(d.text, runeStart(d.text, max(p.Start, c.open-maxWindow)), c.open)
	if !found || ls <= p.Start || !blank(d.text[ls:c.open]) {
		return noSpeaker
	}
	// The previous sentence ends before ls with its final punctuation.
	end := len(strings.TrimRightFunc(d.text[:ls], func(r rune) bool { return unicode.IsSpace(r) || isCloser(r) }))
	_, n := utf8.DecodeLastRuneInString(d.text[:end])
	end -= n
	if end <= p.Start {
		return noSpeaker
	}
	lo := runeStart(d.text, max(p.Start, end-maxWindow))
	ps, found := sentenceStartBefore(d.text, lo, end)
	if !found && lo > p.Start {
		return noSpeaker // the window cut the sentence: its subject is unknown
	}
	d.toks = tokenize(d.text, ps, runeStart(d.text, min(end, ps+subjectBytes)), d.toks[:0])
	ph, ok := clauseSubject(d.toks, 0, len(d.toks))
	if !ok || d.inQuote(ph.s, ph.e) {
		return noSpeaker
	}
	sp := d.resolve(ph, c.open)
	if sp.ent < 0 || d.a.Entities[sp.ent].Type != processor.EntityPerson {
		return noSpeaker
	}
	return sp
}

// colonCue attributes a quotation introduced by a colon without a speech
// verb ("Brazilian President Jair Bolsonaro opposed Macron's statement:
// "…"", "Governor John Bel Edwards addressed the public: "…"") to the
// subject of the clause t[lo:at], when it is a name that resolves to a
// PERSON or ORG entity or a pronoun.
func (d *doc) colonCue(lo, at int) (cue, bool) {
	before := strings.TrimRightFunc(d.text[lo:at], unicode.IsSpace)
	if !strings.HasSuffix(before, ":") {
		return cue{}, false
	}
	d.toks = tokenize(d.text, lo, lo+len(before)-1, d.toks[:0])
	ph, ok := openingSubject(d.toks)
	if !ok {
		return cue{}, false
	}
	if ph.pron == "" {
		sp := d.resolve(ph, at)
		if sp.ent < 0 {
			return cue{}, false
		}
		if t := d.a.Entities[sp.ent].Type; t != processor.EntityPerson && t != processor.EntityOrg {
			return cue{}, false
		}
	}
	return cue{ph: ph, found: true, verb: true}, true
}
