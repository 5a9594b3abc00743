package entities_test

import (
	"testing"

	"github.com/newsflow/newsflow/processor"
)

// FuzzExtract checks that no text and no token list, however broken,
// makes the stage panic or return a span outside the text.
func FuzzExtract(f *testing.F) {
	f.Add(sample, []byte{0, 5, 6, 14, 3, 1})
	f.Add("Mr Gassama’s “rescue” in Paris\xff.", []byte{})
	f.Add("", []byte{9, 2})
	f.Add("U.S. U.N. Ms. Mr.Mr. ’s ’ \" - -- ...", []byte{200, 1, 0, 0})
	p := newEntities(f)
	f.Fuzz(func(t *testing.T, text string, raw []byte) {
		var toks []processor.Token
		for i := 0; i+1 < len(raw); i += 2 {
			s := int(raw[i]) % (len(text) + 2)
			toks = append(toks, processor.Token{Span: processor.Span{Start: s, End: s + int(raw[i+1])%9}})
		}
		var sents []processor.Sentence
		if len(toks) > 0 {
			sents = []processor.Sentence{{FirstToken: 0, EndToken: len(toks) / 2}, {FirstToken: len(toks) / 2, EndToken: len(toks) + 3}}
		}
		for _, tk := range [][]processor.Token{nil, toks} {
			for _, e := range p.Extract(text, tk, sents) {
				if e.Name == "" || e.Mentions != len(e.Spans) {
					t.Errorf("bad entity %+v", e)
				}
				for _, sp := range e.Spans {
					if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
						t.Errorf("entity %q: span %v outside the text (%d bytes)", e.Name, sp, len(text))
					}
				}
			}
		}
	})
}
