package faults

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
)

// FuzzMaxRecordBytes is the record size limit of FuzzPipeline: small
// enough for many runs per second, large enough for real articles.
const FuzzMaxRecordBytes = 64 << 10

// NastySeeds returns hostile records every pipeline fuzz target starts
// from, besides the bundled sample articles.
func NastySeeds() []string {
	return []string{
		"",
		"\x00 0",
		"\xff\xfe",
		`{"body": "\ud800 \u0000"}`,
		`{"body": {"a": [1]}}`,
		strings.Repeat(`"`, 2000),
		strings.Repeat(`“Yes,” he said. `, 200),
		`He said: "` + strings.Repeat("word ", 500),
		strings.Repeat("Mr. ", 1000),
		strings.Repeat("A. ", 1000) + "\n\n" + strings.Repeat("\n", 100),
		strings.Repeat("x", 20000),
		"\u202bمرحبا بالعالم\u202c \u200f שלום עולם. 東京 Москва मुंबई.",
		"👩‍👩‍👧‍👦 🇬🇧 👍🏽 " + strings.Repeat("😀", 500),
		"e\u0301\u0301\u0301 Ångström ﬁ \u00ad\u200b",
		"Image copyright Reuters Image caption A caption.\n\nText.",
		"date 2020-01-01 Image caption X\n\n\"Quote,\" said Y. Z.",
		"U.S. U.N. Ms. Mr. Dr. ... ?! ;; -- — – ‘’ «» „“",
		strings.Repeat("The President of the United States Barack Obama said. ", 100),
	}
}

// pipeline builds the default pipeline once per process: its models are
// read-only and large, and every fuzz target of a package shares them.
var pipeline = sync.OnceValues(func() (*processor.Pipeline, error) {
	return app.NewPipeline(nil, app.PipelineOptions{MaxRecordBytes: FuzzMaxRecordBytes})
})

// FuzzPipeline fuzzes the default pipeline (decode → … → stats) and
// Encode with records seeded from the bundled samples and NastySeeds. Its
// property: no stage panics or fails on a decoded record (every error is
// an input error of a dead-letter class other than panic), every span of
// the result lies inside Text on character boundaries, indexes point into
// their slices, and Encode yields JSON. check, if not nil, adds the
// calling stage's own invariants on each enriched article (before
// Encode).
//
// Call it from a Fuzz function of the stage's package; `go test` runs the
// seeds, `go test -fuzz` explores.
func FuzzPipeline(f *testing.F, check func(t *testing.T, a *processor.Article)) {
	recs, err := samples.Articles()
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range recs {
		f.Add(r.Value)
	}
	for _, r := range samples.Malformed() {
		f.Add(r.Value)
	}
	for _, s := range NastySeeds() {
		f.Add([]byte(s))
	}
	pipe, err := pipeline()
	if err != nil {
		f.Fatalf("default pipeline: %v", err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		a := &processor.Article{Raw: raw, Key: []byte("fuzz")}
		outs, err := pipe.Process(context.Background(), a)
		if err != nil {
			var ie *processor.InputError
			if !errors.As(err, &ie) || ie.Class == processor.ClassPanic || !slices.Contains(processor.Classes, ie.Class) {
				t.Fatalf("stage %q failed on a record (class %s): %v", processor.StageOf(err), processor.ClassOf(err), err)
			}
			// Input errors come from decode, or from clean when nothing
			// visible is left (missing_body); any other stage must cope.
			if st := processor.StageOf(err); st != "decode" && (st != "clean" || ie.Class != processor.ClassMissingBody) {
				t.Fatalf("stage %q rejected a decoded record: %v", st, err)
			}
			return
		}
		for _, o := range outs {
			CheckArticle(t, o)
			if check != nil {
				check(t, o)
			}
			b, err := processor.Encode(o)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !json.Valid(b) {
				t.Fatalf("encoded output is not JSON: %.200s", b)
			}
		}
	})
}

// CheckArticle fails t unless every span and index of the enriched
// article a (before Encode) is consistent with its Text.
func CheckArticle(t *testing.T, a *processor.Article) {
	t.Helper()
	text := a.Text
	if !utf8.ValidString(text) {
		t.Fatalf("text is not valid UTF-8")
	}
	span := func(what string, s processor.Span) {
		t.Helper()
		if s.Start < 0 || s.End > len(text) || s.Start > s.End {
			t.Fatalf("%s span %+v outside the %d-byte text", what, s, len(text))
		}
		if !utf8.ValidString(text[s.Start:s.End]) {
			t.Fatalf("%s span %+v splits a character", what, s)
		}
	}
	for _, p := range a.Paragraphs {
		span("paragraph", p)
	}
	for i, s := range a.Sentences {
		span("sentence", s.Span)
		if s.FirstToken < 0 || s.EndToken > len(a.Tokens) || s.FirstToken > s.EndToken {
			t.Fatalf("sentence %d tokens [%d,%d) outside %d tokens", i, s.FirstToken, s.EndToken, len(a.Tokens))
		}
		if s.Paragraph < 0 || (len(a.Paragraphs) > 0 && s.Paragraph >= len(a.Paragraphs)) {
			t.Fatalf("sentence %d paragraph %d outside %d paragraphs", i, s.Paragraph, len(a.Paragraphs))
		}
	}
	for _, tk := range a.Tokens {
		span("token", tk.Span)
	}
	for _, e := range a.Entities {
		if !utf8.ValidString(e.Name) {
			t.Fatalf("entity name %q is not valid UTF-8", e.Name)
		}
		for _, s := range e.Spans {
			span("entity "+e.Name, s)
		}
	}
	for _, q := range a.Quotes {
		span("quote", q.Span)
		if q.SpeakerEntity < -1 || q.SpeakerEntity >= len(a.Entities) {
			t.Fatalf("quote speaker entity %d outside %d entities", q.SpeakerEntity, len(a.Entities))
		}
		if !utf8.ValidString(q.Text) || !utf8.ValidString(q.Speaker) {
			t.Fatalf("quote text or speaker not valid UTF-8: %+v", q)
		}
	}
	for _, k := range a.Keyphrases {
		if !utf8.ValidString(k.Text) {
			t.Fatalf("keyphrase %q not valid UTF-8", k.Text)
		}
	}
	if a.Summary != nil {
		if !utf8.ValidString(a.Summary.Text) {
			t.Fatalf("summary not valid UTF-8")
		}
		for _, i := range a.Summary.Sentences {
			if i < 0 || i >= len(a.Sentences) {
				t.Fatalf("summary sentence %d outside %d sentences", i, len(a.Sentences))
			}
		}
	}
}
