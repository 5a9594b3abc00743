package quotes

import (
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// cand is a quoted passage found by the mark scanner, before attribution.
type cand struct {
	open     int            // byte offset of the opening mark
	openEnd  int            // byte offset just after the opening mark
	close    int            // byte offset of the closing mark, -1 when unclosed
	closeEnd int            // byte offset just after the closing mark (para end when unclosed)
	inner    processor.Span // the quoted text, marks and outer spaces excluded
	para     int            // index of the paragraph
	endPara  int            // index of the paragraph of the closing mark (para but for closingLater)
	single   bool           // delimited by ‘ ’
	cont     bool           // continues an unclosed quotation of the previous paragraph
}

// markKind classifies a rune as a quotation mark.
type markKind uint8

const (
	notMark markKind = iota
	openMark
	closeMark
	straightMark // '"': its role depends on context
)

func doubleMark(r rune) markKind {
	switch r {
	case '“', '„', '«':
		return openMark
	case '”', '»':
		return closeMark
	case '"':
		return straightMark
	}
	return notMark
}

// paragraphs returns the paragraphs of a.Text: a.Paragraphs when set and
// valid, else the spans between blank lines.
func paragraphs(a *processor.Article) []processor.Span {
	ok := len(a.Paragraphs) > 0
	prev := 0
	for _, p := range a.Paragraphs {
		if p.Start < prev || p.End < p.Start || p.End > len(a.Text) {
			ok = false
			break
		}
		prev = p.End
	}
	if ok {
		return a.Paragraphs
	}
	var out []processor.Span
	t := a.Text
	start := -1
	lineStart := 0
	blank := true
	for i := 0; i <= len(t); i++ {
		if i < len(t) && t[i] != '\n' {
			if blank && t[i] != ' ' && t[i] != '\t' && t[i] != '\r' {
				blank = false
				if start < 0 {
					start = lineStart
				}
			}
			continue
		}
		// End of a line [lineStart, i).
		if blank && start >= 0 {
			out = append(out, trimSpan(t, processor.Span{Start: start, End: lineStart}))
			start = -1
		}
		lineStart = i + 1
		blank = true
	}
	if start >= 0 {
		out = append(out, trimSpan(t, processor.Span{Start: start, End: len(t)}))
	}
	return out
}

// trimSpan removes Unicode white space at both ends of s.
func trimSpan(t string, s processor.Span) processor.Span {
	for s.Start < s.End {
		r, n := utf8.DecodeRuneInString(t[s.Start:s.End])
		if !unicode.IsSpace(r) {
			break
		}
		s.Start += n
	}
	for s.End > s.Start {
		r, n := utf8.DecodeLastRuneInString(t[s.Start:s.End])
		if !unicode.IsSpace(r) {
			break
		}
		s.End -= n
	}
	return s
}

// runeBefore returns the rune ending at i in t, or ' ' at lo.
func runeBefore(t string, lo, i int) rune {
	if i <= lo {
		return ' '
	}
	r, _ := utf8.DecodeLastRuneInString(t[lo:i])
	return r
}

// runeAt returns the rune starting at i in t, or ' ' at hi.
func runeAt(t string, i, hi int) rune {
	if i >= hi {
		return ' '
	}
	r, _ := utf8.DecodeRuneInString(t[i:hi])
	return r
}

// blank reports whether s is only white space.
func blank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// opensBefore reports whether a mark after rune prev may open a quotation.
func opensBefore(prev rune) bool {
	return unicode.IsSpace(prev) || prev == '(' || prev == '[' || prev == '{' ||
		prev == '—' || prev == '–' || prev == '-' || prev == '/' || prev == ':' ||
		prev == '‘' || prev == '\''
}

// scanParagraph appends to out the quoted passages of paragraph p. prevOpen
// says the previous paragraph ended inside an unclosed quotation; the
// result says whether this one does.
//
// A mark that opens inside an open quotation first counts as a nested
// quotation ("… be called "research", would it?"). If the paragraph then
// does not balance, it is scanned again with the other reading: the
// earlier quotation was never closed, and the new mark starts anew. Both
// passes are linear.
func scanParagraph(t string, p processor.Span, para int, prevOpen bool, out []cand) ([]cand, bool) {
	n0 := len(out)
	res, open, nested := scanMarks(t, p, para, prevOpen, out, true)
	if open && nested {
		res, open, _ = scanMarks(t, p, para, prevOpen, res[:n0], false)
	}
	return res, open
}

// scanMarks is one pass of scanParagraph; nest selects the reading of an
// opening mark inside a quotation. nested reports that one was nested.
func scanMarks(t string, p processor.Span, para int, prevOpen bool, out []cand, nest bool) (res []cand, open, nested bool) {
	depth := 0
	var cur cand
	firstMark := true
	for i := p.Start; i < p.End; {
		if b := t[i]; b != '"' && b != 0xE2 && b != 0xC2 {
			i++ // fast path: every mark is '"' or starts with 0xE2 or 0xC2
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:p.End])
		k := doubleMark(r)
		if k == notMark {
			i += n
			continue
		}
		prev, next := runeBefore(t, p.Start, i), runeAt(t, i+n, p.End)
		if k == straightMark {
			opens := opensBefore(prev) && !unicode.IsSpace(next)
			closes := !unicode.IsSpace(prev) && !isWordRune(next)
			switch {
			case opens && !closes:
				k = openMark
			case closes && !opens:
				k = closeMark
			case depth > 0:
				k = closeMark
			default:
				k = openMark
			}
		}
		switch {
		case k == openMark && depth > 0 && nest:
			depth++
			nested = true
		case k == openMark:
			depth = 1
			cur = cand{open: i, openEnd: i + n, close: -1, para: para, endPara: para}
			if firstMark && prevOpen && blank(t[p.Start:i]) {
				cur.cont = true
			}
		case k == closeMark && depth > 1:
			depth--
		case k == closeMark && depth == 1:
			depth = 0
			cur.close, cur.closeEnd = i, i+n
			cur.inner = trimSpan(t, processor.Span{Start: cur.openEnd, End: i})
			if cur.inner.End > cur.inner.Start {
				out = append(out, cur)
			}
		}
		firstMark = false
		i += n
	}
	if depth == 0 {
		return out, false, nested
	}
	// Unclosed at the end of the paragraph: news convention when the next
	// paragraph opens with a mark, or a whole-paragraph quotation that
	// lost its closing mark. The caller decides with the next paragraph.
	cur.closeEnd = p.End
	cur.inner = trimSpan(t, processor.Span{Start: cur.openEnd, End: p.End})
	if cur.inner.End > cur.inner.Start {
		return append(out, cur), true, nested
	}
	return out, false, nested
}

// startsWithOpenMark reports whether paragraph p begins with a double
// opening mark (straight or curly).
func startsWithOpenMark(t string, p processor.Span) bool {
	r := runeAt(t, p.Start, p.End)
	k := doubleMark(r)
	return k == openMark || k == straightMark
}

// scanSingles appends quotations delimited by curly single marks ‘ ’ that
// lie in paragraph p outside the double-quoted passages dq (sorted, all in
// this paragraph). ’ followed by a letter is an apostrophe, not a mark.
func scanSingles(t string, p processor.Span, para int, dq []cand, out []cand) []cand {
	in := false
	var cur cand
	j := 0
	for i := p.Start; i < p.End; {
		for j < len(dq) && dq[j].closeEnd <= i {
			j++
		}
		if j < len(dq) && dq[j].open <= i {
			i = dq[j].closeEnd
			in = false
			continue
		}
		if t[i] != 0xE2 {
			i++ // fast path: ‘ and ’ start with 0xE2
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:p.End])
		switch r {
		case '‘':
			if opensBefore(runeBefore(t, p.Start, i)) && isWordRune(runeAt(t, i+n, p.End)) {
				in = true
				cur = cand{open: i, openEnd: i + n, close: -1, para: para, endPara: para, single: true}
			}
		case '’':
			if in && !isWordRune(runeAt(t, i+n, p.End)) && !unicode.IsSpace(runeBefore(t, p.Start, i)) {
				cur.close, cur.closeEnd = i, i+n
				cur.inner = trimSpan(t, processor.Span{Start: cur.openEnd, End: i})
				if cur.inner.End > cur.inner.Start {
					out = append(out, cur)
				}
				in = false
			}
		}
		i += n
	}
	return out
}

// maxQuoteParas bounds how many paragraphs after the one it opens in a
// quotation may close in (see closingLater).
const maxQuoteParas = 3

// closingLater finds the closing mark of a quotation left open at the end
// of paragraph pi whose next paragraph does not open with a mark (a
// quoted statement or letter over several paragraphs, closed once at its
// end): the first double mark of the next paragraphs, up to
// maxQuoteParas of them, when it can only close (”, », or " after a
// non-space and before no letter or digit). It returns the paragraph of
// the mark, its offset and its length.
func closingLater(t string, paras []processor.Span, pi int) (q, at, n int, ok bool) {
	for q = pi + 1; q < len(paras) && q <= pi+maxQuoteParas; q++ {
		p := paras[q]
		for i := p.Start; i < p.End; {
			if b := t[i]; b != '"' && b != 0xE2 && b != 0xC2 {
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(t[i:p.End])
			switch doubleMark(r) {
			case notMark:
				i += size
				continue
			case closeMark:
				return q, i, size, true
			case straightMark:
				prev, next := runeBefore(t, p.Start, i), runeAt(t, i+size, p.End)
				if !unicode.IsSpace(prev) && !isWordRune(next) && !opensBefore(prev) {
					return q, i, size, true
				}
			}
			return 0, 0, 0, false
		}
	}
	return 0, 0, 0, false
}
