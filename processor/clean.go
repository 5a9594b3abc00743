package processor

import (
	"context"
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
	b      strings.Builder
	nfc    bool // body is already NFC: words are copied as they are
	inPara bool
	paraAt int
}

func clean(a *Article) {
	c := cleaner{a: a, nfc: norm.NFC.IsNormalString(a.Body)}
	c.b.Grow(len(a.Body))
	a.Media = a.Media[:0]
	a.Paragraphs = a.Paragraphs[:0]
	a.TextMap = a.TextMap[:0]
	body := a.Body
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
		if gapT == gapB && gapT <= 1 && (gapT == 0 || c.a.Body[bodyOff-1] == ' ') {
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
