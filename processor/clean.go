package processor

import (
	"context"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NewClean returns the clean stage. From Article.Body it builds:
//
//   - Media: every "Image copyright X Image caption Y" block (and a bare
//     "Image caption Y" / "Media caption Y") is lifted out of the text into
//     {credit, caption}; the caption runs to the end of its line.
//   - Text: the remaining text, Unicode NFC, control and invisible format
//     characters removed, runs of white space collapsed to one space,
//     paragraphs (separated by blank lines in Body) kept and joined by
//     exactly one blank line ("\n\n"). Single line breaks inside a
//     paragraph become spaces.
//   - Paragraphs: the byte spans of the paragraphs of Text.
//   - TextMap: where each run of Text came from in Body (see BodyOffset).
//
// A body that looks like HTML (it has a comment, a doctype, or a closing
// tag, a <br>, <hr> or <img>, or a tag with an attribute value, of a known
// HTML element; or two opening tags of known elements) is read as markup
// first: tags are removed; block elements (p, div, li, h1…h6, tr, …) end
// a paragraph; <br> is a space, and two in a row end a paragraph; the
// contents of script, style, noscript, template, head, title, svg, iframe,
// object and textarea are dropped; character references ("&amp;",
// "&#8220;", "&nbsp;") are decoded. A plain-text body is never read as
// markup, so "a < b" and "AT&T" in prose stay as they are. Decoded
// characters other than "&" have no run in TextMap (they are not copied
// from Body).
//
// It fails, with class missing_body, only when nothing visible is left: no
// text and no media (a body of invisible characters, say). It is safe for
// concurrent use.
func NewClean() Processor {
	return Func("clean", func(_ context.Context, a *Article) error {
		clean(a)
		if a.Text == "" && len(a.Media) == 0 {
			return NewInputError(ClassMissingBody, "body has no visible text")
		}
		return nil
	})
}

// Markers of BBC-style media boilerplate.
const (
	markCopyright = "Image copyright "
	markCaption   = "Image caption "
	markMediaCap  = "Media caption "
)

type cleaner struct {
	a      *Article
	body   string // the text cleaned: Body, or Body read as markup
	b      strings.Builder
	nfc    bool // body is already NFC: words are copied as they are
	inPara bool
	paraAt int
}

func clean(a *Article) {
	body := a.Body
	markup := looksLikeMarkup(body)
	var srcMap []OffsetRun // body offsets of the markup-free text
	if markup {
		body, srcMap = stripMarkup(body)
	}
	c := cleaner{a: a, body: body, nfc: norm.NFC.IsNormalString(body)}
	c.b.Grow(len(body))
	a.Media = a.Media[:0]
	a.Paragraphs = a.Paragraphs[:0]
	a.TextMap = a.TextMap[:0]
	// Walk lines; a blank line ends a paragraph.
	for pos := 0; pos <= len(body); {
		end := strings.IndexByte(body[pos:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += pos
		}
		line := body[pos:end]
		if isBlank(line) {
			c.endParagraph()
		} else {
			c.line(pos, line)
		}
		pos = end + 1
	}
	c.endParagraph()
	a.Text = c.b.String()
	if markup {
		a.TextMap = composeRuns(a, srcMap)
	}
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < utf8.RuneSelf && !asciiSpace(b) && b >= 0x20 && b != 0x7f {
			return false
		}
	}
	for _, r := range s {
		if !isSpace(r) && !isInvisible(r) {
			return false
		}
	}
	return true
}

// line adds one line of Body (at byte offset off) to the current paragraph,
// lifting out media blocks.
func (c *cleaner) line(off int, line string) {
	i, credit, caption := findMedia(line)
	if i < 0 {
		c.words(off, line)
		return
	}
	c.words(off, line[:i])
	// The caption runs to the end of the line.
	c.a.Media = append(c.a.Media, Media{Credit: squash(credit), Caption: squash(caption)})
}

// findMedia finds the first media block in line and returns its start, the
// credit and the caption, or -1.
func findMedia(line string) (int, string, string) {
	ci := strings.Index(line, markCopyright)
	ki := strings.Index(line, markCaption)
	mi := strings.Index(line, markMediaCap)
	switch {
	case ci >= 0 && ki > ci:
		return ci, line[ci+len(markCopyright) : ki], line[ki+len(markCaption):]
	case ci >= 0:
		return ci, line[ci+len(markCopyright):], ""
	case ki >= 0:
		return ki, "", line[ki+len(markCaption):]
	case mi >= 0:
		return mi, "", line[mi+len(markMediaCap):]
	}
	return -1, "", ""
}

// squash collapses white space and removes invisible characters.
func squash(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case isSpace(r):
			space = b.Len() > 0
		case isInvisible(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// words copies the words of s (at Body offset off) into the paragraph,
// separated by single spaces, recording offset runs. ASCII, by far the
// common case, takes a fast path without rune decoding or table lookups.
func (c *cleaner) words(off int, s string) {
	i := 0
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if asciiSpace(b) {
				i++
				continue
			}
		} else if r, n := utf8.DecodeRuneInString(s[i:]); isSpace(r) {
			i += n
			continue
		}
		start := i
		for i < len(s) {
			if b := s[i]; b < utf8.RuneSelf {
				if asciiSpace(b) {
					break
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if isSpace(r) {
				break
			}
			i += n
		}
		c.word(off+start, s[start:i])
	}
}

func asciiSpace(b byte) bool { return b == ' ' || b-'\t' <= '\r'-'\t' }

// hasVisible reports whether w has a character clean keeps.
func hasVisible(w string) bool {
	for _, r := range w {
		if !isInvisible(r) {
			return true
		}
	}
	return false
}

// plainASCII reports whether w is printable ASCII only.
func plainASCII(w string) bool {
	for i := 0; i < len(w); i++ {
		if b := w[i]; b < 0x20 || b >= 0x7f {
			return false
		}
	}
	return true
}

func (c *cleaner) word(off int, w string) {
	ascii := plainASCII(w)
	if !ascii && !hasVisible(w) {
		return // only invisible characters: no word, no separator
	}
	if !c.inPara {
		if c.b.Len() > 0 {
			c.b.WriteString("\n\n")
		}
		c.inPara = true
		c.paraAt = c.b.Len()
	} else {
		c.b.WriteByte(' ')
	}
	if ascii {
		c.copyRun(off, w)
		return
	}
	// Copy the word, skipping invisible characters, one run per clean piece.
	runStart := -1
	for j := 0; j < len(w); {
		r, n := utf8.DecodeRuneInString(w[j:])
		if isInvisible(r) {
			if runStart >= 0 {
				c.copyRun(off+runStart, w[runStart:j])
				runStart = -1
			}
		} else if runStart < 0 {
			runStart = j
		}
		j += n
	}
	if runStart >= 0 {
		c.copyRun(off+runStart, w[runStart:])
	}
}

// copyRun appends piece (from Body offset bodyOff) to Text and records or
// extends the offset run.
func (c *cleaner) copyRun(bodyOff int, piece string) {
	if !c.nfc && !plainASCII(piece) {
		piece = norm.NFC.String(piece)
	}
	textOff := c.b.Len()
	m := c.a.TextMap
	if n := len(m); n > 0 {
		last := &m[n-1]
		// Extend when Text and Body both continue with the same one byte
		// gap (a single space) or none.
		gapT := textOff - (last.TextStart + last.Len)
		gapB := bodyOff - (last.BodyStart + last.Len)
		if gapT == gapB && gapT <= 1 && (gapT == 0 || c.body[bodyOff-1] == ' ') {
			last.Len += gapT + len(piece)
			c.b.WriteString(piece)
			return
		}
	}
	c.a.TextMap = append(m, OffsetRun{TextStart: textOff, BodyStart: bodyOff, Len: len(piece)})
	c.b.WriteString(piece)
}

func (c *cleaner) endParagraph() {
	if c.inPara {
		c.a.Paragraphs = append(c.a.Paragraphs, Span{Start: c.paraAt, End: c.b.Len()})
		c.inPara = false
	}
}

func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u00a0' || r == '\u2007' || r == '\u202f'
}

// isInvisible reports control and format characters that carry no text:
// C0/C1 controls, zero-width spaces, BOM, bidi controls, soft hyphen. The
// zero-width joiner (emoji sequences) is kept.
func isInvisible(r rune) bool {
	if r == '\u200d' {
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// HTML elements that make a body look like markup, and how reading markup
// treats them: block elements end a paragraph, "br" breaks a line, table
// cells are separated by a space, the contents of raw elements are
// dropped; other elements (inline) are removed with nothing in their
// place.
var (
	htmlElements = setOf("a abbr address article aside audio b bdi bdo blockquote body br button canvas caption " +
		"center cite code col colgroup data dd del details dfn dialog div dl dt em embed fieldset figcaption figure " +
		"font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main " +
		"map mark meta nav noscript object ol optgroup option output p param picture pre q rp rt ruby s samp script " +
		"section select small source span strike strong style sub summary sup svg table tbody td template textarea " +
		"tfoot th thead time title tr track tt u ul var video wbr")
	htmlBlocks = setOf("address article aside blockquote body caption center dd details dialog div dl dt fieldset " +
		"figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html legend li main nav ol p pre section summary " +
		"table tbody tfoot thead tr ul")
	htmlRaw = setOf("script style noscript template head title svg iframe object textarea")
)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// tagKind classifies what scanTag found.
type tagKind uint8

const (
	tagNone    tagKind = iota
	tagOpen            // <name …>
	tagClose           // </name …>
	tagComment         // <!-- … -->
	tagDecl            // <!DOCTYPE …>, <![CDATA[…]]>, <? … ?>
)

// markupTag is a tag found in a body.
type markupTag struct {
	kind tagKind
	name string // lower-case element name, for open and close tags
	n    int    // length in bytes
	// attrValue: the tag has an attribute with a value (name="…");
	// selfClosing: it ends with "/>".
	attrValue, selfClosing bool
}

// scanTag reads the tag that starts at s[i] == '<'; kind tagNone when
// there is none ("a < b", "x<3", a "<" never closed).
func scanTag(s string, i int) markupTag {
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "<!--"):
		if e := strings.Index(rest[4:], "-->"); e >= 0 {
			return markupTag{kind: tagComment, n: 4 + e + 3}
		}
		return markupTag{kind: tagComment, n: len(rest)}
	case strings.HasPrefix(rest, "<![CDATA["):
		if e := strings.Index(rest, "]]>"); e >= 0 {
			return markupTag{kind: tagDecl, n: e + 3}
		}
		return markupTag{kind: tagDecl, n: len(rest)}
	case len(rest) > 2 && (rest[1] == '!' || rest[1] == '?') && isASCIILetter(rest[2]):
		if e := strings.IndexByte(rest, '>'); e >= 0 {
			return markupTag{kind: tagDecl, n: e + 1}
		}
		return markupTag{}
	}
	t := markupTag{kind: tagOpen}
	j := 1
	if j < len(rest) && rest[j] == '/' {
		t.kind = tagClose
		j++
	}
	if j >= len(rest) || !isASCIILetter(rest[j]) {
		return markupTag{}
	}
	nameStart := j
	for j < len(rest) && (isASCIILetter(rest[j]) || rest[j] >= '0' && rest[j] <= '9' || rest[j] == '-' || rest[j] == ':') {
		j++
	}
	t.name = strings.ToLower(rest[nameStart:j])
	if j < len(rest) && rest[j] != '>' && rest[j] != '/' && !asciiSpace(rest[j]) {
		return markupTag{} // "<b's": not a tag
	}
	// Attributes, up to the '>' outside quotes.
	for j < len(rest) {
		switch c := rest[j]; c {
		case '>':
			t.selfClosing = rest[j-1] == '/'
			t.n = j + 1
			return t
		case '"', '\'':
			e := strings.IndexByte(rest[j+1:], c)
			if e < 0 {
				return markupTag{}
			}
			j += e + 2
		case '=':
			t.attrValue = true
			j++
		case '<':
			return markupTag{} // "<b and <c>": the first is no tag
		default:
			j++
		}
	}
	return markupTag{}
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// looksLikeMarkup reports whether body reads as HTML: a comment, a
// doctype, or a closing tag, a <br>, <hr> or <img>, or a tag with an
// attribute value, of a known element; or two opening tags of known
// elements. A plain-text body with a stray "<p>" or "a < b" does not.
func looksLikeMarkup(body string) bool {
	if strings.IndexByte(body, '<') < 0 {
		return false
	}
	weak := 0
	lastGT := strings.LastIndexByte(body, '>') // no tag starts after it
	for i := 0; i < lastGT; i++ {
		k := strings.IndexByte(body[i:lastGT], '<')
		if k < 0 {
			return false
		}
		i += k
		t := scanTag(body, i)
		if t.n > 0 {
			i += t.n - 1
		}
		switch {
		case t.kind == tagComment || t.kind == tagDecl && strings.HasPrefix(strings.ToLower(body[i:]), "<!doctype"):
			return true
		case !htmlElements[t.name]:
		case t.kind == tagClose || t.attrValue || t.name == "br" || t.name == "hr" || t.name == "img":
			return true
		case t.kind == tagOpen:
			if weak++; weak >= 2 {
				return true
			}
		}
	}
	return false
}

// stripMarkup reads body as HTML and returns its text (see NewClean) with
// the runs that map it back to body (OffsetRun.TextStart counts bytes of
// the returned text).
func stripMarkup(body string) (string, []OffsetRun) {
	var (
		b    strings.Builder
		runs []OffsetRun
	)
	b.Grow(len(body))
	copyBody := func(off int, s string) {
		if s == "" {
			return
		}
		if n := len(runs); n > 0 && runs[n-1].TextStart+runs[n-1].Len == b.Len() && runs[n-1].BodyStart+runs[n-1].Len == off {
			runs[n-1].Len += len(s)
		} else {
			runs = append(runs, OffsetRun{TextStart: b.Len(), BodyStart: off, Len: len(s)})
		}
		b.WriteString(s)
	}
	// text copies body[from:to], decoding character references.
	text := func(from, to int) {
		for from < to {
			k := strings.IndexByte(body[from:to], '&')
			if k < 0 {
				copyBody(from, body[from:to])
				return
			}
			copyBody(from, body[from:from+k])
			from += k
			n := charRefLen(body[from:to])
			if n == 0 {
				copyBody(from, "&")
				from++
				continue
			}
			dec := html.UnescapeString(body[from : from+n])
			if strings.HasPrefix(body[from:], dec) {
				copyBody(from, dec) // "&amp;" → "&", the same byte
			} else {
				b.WriteString(dec)
			}
			from += n
		}
	}
	last := 0                                  // body[last:] is not read yet
	lastGT := strings.LastIndexByte(body, '>') // no tag starts after it
	unclosed := map[string]bool{}              // raw elements with no closing tag
	brAt := 0                                  // length of the text after the last <br>
	for i := 0; i < lastGT; i++ {
		k := strings.IndexByte(body[i:lastGT], '<')
		if k < 0 {
			break
		}
		i += k
		t := scanTag(body, i)
		if t.kind == tagNone {
			continue
		}
		text(last, i)
		end := i + t.n
		switch {
		case t.kind == tagOpen && htmlRaw[t.name] && !t.selfClosing:
			// Drop the element's contents up to its closing tag; an
			// unclosed script or style runs to the end.
			c := -1
			if !unclosed[t.name] {
				c = indexCloseTag(body[end:], t.name)
			}
			switch {
			case c >= 0:
				end += c
			case t.name == "script" || t.name == "style":
				end = len(body)
			default:
				unclosed[t.name] = true
			}
		case t.name == "br":
			// A line break is a space; two in a row (white space between)
			// end a paragraph.
			if strings.TrimSpace(b.String()[brAt:]) == "" && brAt > 0 {
				b.WriteString("\n\n")
			} else {
				b.WriteByte(' ')
			}
			brAt = b.Len()
		case t.name == "td" || t.name == "th":
			b.WriteByte(' ')
		case htmlBlocks[t.name]:
			b.WriteString("\n\n")
		}
		i = end - 1
		last = end
	}
	text(last, len(body))
	return b.String(), runs
}

// indexCloseTag returns the end of the first closing tag </name …> in s,
// or -1.
func indexCloseTag(s, name string) int {
	for i := 0; i < len(s); i++ {
		k := strings.Index(s[i:], "</")
		if k < 0 {
			return -1
		}
		i += k
		if t := scanTag(s, i); t.kind == tagClose && t.name == name {
			return i + t.n
		}
	}
	return -1
}

// charRefLen returns the length of the character reference at the start
// of s ("&amp;", "&#8220;", "&#x201C;"), or 0. Only references ended by
// ";" that html.UnescapeString knows count, so "AT&T" and "R&D;" stay.
func charRefLen(s string) int {
	j := 1
	switch {
	case len(s) > 2 && s[1] == '#' && (s[2] == 'x' || s[2] == 'X'):
		j = 3
		for j < len(s) && j < 11 && isHexDigit(s[j]) {
			j++
		}
		if j == 3 {
			return 0
		}
	case len(s) > 1 && s[1] == '#':
		j = 2
		for j < len(s) && j < 10 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == 2 {
			return 0
		}
	default:
		for j < len(s) && j < 33 && (isASCIILetter(s[j]) || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		if j == 1 {
			return 0
		}
	}
	if j >= len(s) || s[j] != ';' {
		return 0
	}
	if html.UnescapeString(s[:j+1]) == s[:j+1] {
		return 0 // unknown name
	}
	return j + 1
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

// composeRuns maps a's TextMap, which points into the markup-free text,
// through src (that text's runs into Body) to Body. A run whose bytes
// differ from Body's (a character normalised to NFC) is dropped.
func composeRuns(a *Article, src []OffsetRun) []OffsetRun {
	var out []OffsetRun
	j := 0
	for _, r := range a.TextMap {
		s0, s1 := r.BodyStart, r.BodyStart+r.Len // in the markup-free text
		for j > 0 && src[j-1].TextStart+src[j-1].Len > s0 {
			j--
		}
		for k := j; k < len(src) && src[k].TextStart < s1; k++ {
			sr := src[k]
			lo, hi := max(s0, sr.TextStart), min(s1, sr.TextStart+sr.Len)
			if lo >= hi {
				continue
			}
			j = k
			ts, bs, n := r.TextStart+lo-s0, sr.BodyStart+lo-sr.TextStart, hi-lo
			if a.Text[ts:ts+n] != a.Body[bs:bs+n] {
				continue
			}
			if m := len(out); m > 0 && out[m-1].TextStart+out[m-1].Len == ts && out[m-1].BodyStart+out[m-1].Len == bs {
				out[m-1].Len += n
				continue
			}
			out = append(out, OffsetRun{TextStart: ts, BodyStart: bs, Len: n})
		}
	}
	return out
}
