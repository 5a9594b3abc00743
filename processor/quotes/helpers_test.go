package quotes

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// ent describes an entity for a hand-built article: every whole-word
// occurrence of each mention string becomes one of its spans.
type ent struct {
	name     string
	typ      string
	mentions []string
	aliases  []string
}

// person and org are shorthands for ent.
func person(name string, mentions ...string) ent {
	return ent{name: name, typ: processor.EntityPerson, mentions: append([]string{name}, mentions...)}
}

func org(name string, mentions ...string) ent {
	return ent{name: name, typ: processor.EntityOrg, mentions: append([]string{name}, mentions...)}
}

// article builds an Article as clean and entities would: Text = body,
// Paragraphs = the blank-line-separated spans, Entities from ents.
func article(body string, ents ...ent) *processor.Article {
	a := &processor.Article{Text: body}
	off := 0
	for _, p := range strings.Split(body, "\n\n") {
		s := processor.Span{Start: off, End: off + len(p)}
		off += len(p) + 2
		if s = trimSpan(body, s); s.End > s.Start {
			a.Paragraphs = append(a.Paragraphs, s)
		}
	}
	taken := make([]bool, len(body))
	for _, e := range ents {
		pe := processor.Entity{Name: e.name, Type: e.typ, Aliases: e.aliases}
		for _, m := range e.mentions {
			for i := 0; ; {
				j := strings.Index(body[i:], m)
				if j < 0 {
					break
				}
				s, t := i+j, i+j+len(m)
				i = t
				if taken[s] || !wordEdge(body, s, t) {
					continue
				}
				for k := s; k < t; k++ {
					taken[k] = true
				}
				pe.Spans = append(pe.Spans, processor.Span{Start: s, End: t})
			}
		}
		pe.Mentions = len(pe.Spans)
		a.Entities = append(a.Entities, pe)
	}
	return a
}

func wordEdge(t string, s, e int) bool {
	if s > 0 {
		r, _ := utf8.DecodeLastRuneInString(t[:s])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if e < len(t) {
		r, _ := utf8.DecodeRuneInString(t[e:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}
