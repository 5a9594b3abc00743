package processor

import (
	"context"
	"strings"
)

// undetermined is the language code of an article whose language could not
// be told.
const undetermined = "und"

// LanguageGate describes the languages a stage handles, for a stage that
// cannot handle them all (an English-only tagger, a summariser that needs
// spaces between words). Its Middleware skips the stage for the other
// articles. OnlyLanguages and ExceptLanguages cover the usual cases.
type LanguageGate struct {
	// Only, when not empty, lists the ISO 639-1 codes the stage runs on.
	Only []string
	// Except lists codes the stage never runs on.
	Except []string
	// Reason returns the skip reason recorded for an article in language
	// code. Nil means "language " + code.
	Reason func(code string) string
}

// Middleware returns the gate as middleware. Before each call it looks at
// the article's detected language (Article.Language, set by the language
// stage): if the stage does not handle it, the stage is not called; the
// gate records a.Skip(stage name, reason) and passes the article on
// unchanged. Otherwise it calls the stage.
//
// An article of unknown language runs the stage: one without a Language
// (no language stage ran) always, one whose code is "und" unless "und" is
// in Except. Codes are compared in lower case. The gate copies the lists;
// it is safe for concurrent use.
func (g LanguageGate) Middleware() Middleware {
	only, except := codeSet(g.Only), codeSet(g.Except)
	reason := g.Reason
	if reason == nil {
		reason = func(code string) string { return "language " + code }
	}
	skip := func(a *Article) bool {
		if a.Language == nil {
			return false
		}
		code := strings.ToLower(a.Language.Code)
		if except[code] {
			return true
		}
		return len(only) > 0 && !only[code] && code != undetermined
	}
	return func(next Processor) Processor {
		return &gate{Processor: next, skip: skip, reason: reason}
	}
}

// OnlyLanguages returns a LanguageGate middleware that runs the stage only
// on articles in one of codes (or of unknown language); it skips the others
// with the reason "language <code>".
func OnlyLanguages(codes ...string) Middleware {
	return LanguageGate{Only: codes}.Middleware()
}

// ExceptLanguages returns a LanguageGate middleware that skips the stage for
// articles in one of codes, with the reason "language <code>".
func ExceptLanguages(codes ...string) Middleware {
	return LanguageGate{Except: codes}.Middleware()
}

func codeSet(codes []string) map[string]bool {
	if len(codes) == 0 {
		return nil
	}
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[strings.ToLower(c)] = true
	}
	return m
}

type gate struct {
	Processor
	skip   func(*Article) bool
	reason func(code string) string
}

func (g *gate) Process(ctx context.Context, a *Article) ([]*Article, error) {
	if g.skip(a) {
		a.Skip(g.Name(), g.reason(a.Language.Code))
		return []*Article{a}, nil
	}
	return g.Processor.Process(ctx, a)
}
