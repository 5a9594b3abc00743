package processor_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
)

// fuzzMaxBytes keeps fuzzed records small enough to run many per second
// while still crossing the size limit.
const fuzzMaxBytes = 64 << 10

// nastySeeds are hostile inputs every fuzz target starts from.
var nastySeeds = []string{
	"",
	" ",
	"\x00",
	"\xff\xfe",
	"{",
	"{}",
	`{"body": ""}`,
	`{"body": "\u0000"}`,
	`{"body": "\ud800"}`,
	`{"body": 1}`,
	`{"body": "x", "id": ["a"]}`,
	`{"body": {"a": {"a": {"a": []}}}}`,
	`{"id": "` + strings.Repeat("i", 600) + `", "body": "x"}`,
	"date 2024-02-30 \n\nbody",
	"date 2024-01-01",
	"DATE 2024-01-01\tcaption\n\ntext",
	"Image copyright X Image caption Y",
	"Image caption Image copyright",
	"Media caption \n\n\n",
	strings.Repeat("\n", 100),
	strings.Repeat(`"`, 1000),
	strings.Repeat("[", 1000),
	"\u202bمرحبا\u202c \u200f שלום",
	"\x00 0",
	"👩‍👩‍👧‍👦🇬🇧👍🏽\u200d\u200d",
	"e\u0301\u0301\u0301 Å Å ﬁ",
	"a\u00a0\u2007\u202fb\u200b\ufeffc\u00ad",
	"\r\n\r\n\r\n x \r\n",
	"\u2028\u2029\u0085",
	"Москва 東京 मुंबई Αθήνα",
}

func addSeeds(f *testing.F, withKey bool) {
	f.Helper()
	recs, err := samples.Articles()
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range recs {
		if withKey {
			f.Add(r.Value, r.Key)
		} else {
			f.Add(r.Value)
		}
	}
	for _, r := range samples.Malformed() {
		if withKey {
			f.Add(r.Value, r.Key)
		} else {
			f.Add(r.Value)
		}
	}
	for _, s := range nastySeeds {
		if withKey {
			f.Add([]byte(s), []byte(s))
		} else {
			f.Add([]byte(s))
		}
	}
}

// checkInputError fails unless err is an *InputError of a known class.
func checkInputError(t *testing.T, err error) {
	t.Helper()
	var ie *processor.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error is not an *InputError (it would not be dead-lettered as bad input): %v", err)
	}
	if !slices.Contains(processor.Classes, ie.Class) {
		t.Fatalf("unknown error class %q: %v", ie.Class, err)
	}
}

// FuzzDecode: decode never panics; it either fails with a dead-letter
// class or yields an article with a non-blank, valid UTF-8 body and a
// bounded, valid UTF-8 id.
func FuzzDecode(f *testing.F) {
	addSeeds(f, true)
	dec := processor.NewDecode(processor.DecodeOptions{MaxBytes: fuzzMaxBytes})
	f.Fuzz(func(t *testing.T, raw, key []byte) {
		a := &processor.Article{Raw: raw, Key: key}
		out, err := dec.Process(context.Background(), a)
		if err != nil {
			checkInputError(t, err)
			return
		}
		if len(out) != 1 || out[0] != a {
			t.Fatalf("decode returned %d articles", len(out))
		}
		if len(raw) > fuzzMaxBytes {
			t.Fatalf("a %d-byte record passed the %d-byte limit", len(raw), fuzzMaxBytes)
		}
		if strings.TrimSpace(a.Body) == "" {
			t.Fatalf("blank body accepted from %q", raw)
		}
		if a.ID == "" || len(a.ID) > 512 || strings.TrimSpace(a.ID) != a.ID {
			t.Fatalf("bad id %q", a.ID)
		}
		for name, s := range map[string]string{"id": a.ID, "body": a.Body, "title": a.Title, "source": a.Source,
			"url": a.URL, "published": a.Published, "language": a.LanguageHint} {
			if !utf8.ValidString(s) {
				t.Fatalf("%s is not valid UTF-8: %q", name, s)
			}
		}
	})
}

// checkClean verifies clean's output contract on a.
func checkClean(t *testing.T, a *processor.Article) {
	t.Helper()
	text := a.Text
	if !utf8.ValidString(text) {
		t.Fatalf("text is not valid UTF-8: %q", text)
	}
	// Paragraphs: in order, non-empty, inside Text, separated by exactly
	// "\n\n", covering all of Text; inside a paragraph words are separated
	// by single spaces.
	var parts []string
	prev := -2
	for i, p := range a.Paragraphs {
		if p.Start < 0 || p.End > len(text) || p.Start >= p.End {
			t.Fatalf("paragraph %d span %+v out of range (len %d)", i, p, len(text))
		}
		if p.Start != prev+2 {
			t.Fatalf("paragraph %d starts at %d, previous ended at %d", i, p.Start, prev)
		}
		if p.Start > 0 && text[p.Start-2:p.Start] != "\n\n" {
			t.Fatalf("paragraph %d is not preceded by a blank line", i)
		}
		pt := text[p.Start:p.End]
		if strings.ContainsAny(pt, "\n\t\r") || strings.Contains(pt, "  ") || pt[0] == ' ' || pt[len(pt)-1] == ' ' {
			t.Fatalf("paragraph %d has unnormalised white space: %q", i, pt)
		}
		if !utf8.ValidString(pt) {
			t.Fatalf("paragraph %d splits a character", i)
		}
		parts = append(parts, pt)
		prev = p.End
	}
	if strings.Join(parts, "\n\n") != text {
		t.Fatalf("paragraphs do not cover the text: %q vs %q", parts, text)
	}
	// TextMap: sorted, non-overlapping, inside Text and Body; for an NFC
	// body the mapped bytes are equal.
	nfc := norm.NFC.IsNormalString(a.Body)
	end := 0
	for i, r := range a.TextMap {
		if r.Len <= 0 || r.TextStart < end || r.TextStart+r.Len > len(text) || r.BodyStart < 0 {
			t.Fatalf("text map run %d %+v is out of order or range (text %d bytes)", i, r, len(text))
		}
		end = r.TextStart + r.Len
		if nfc {
			if r.BodyStart+r.Len > len(a.Body) || text[r.TextStart:end] != a.Body[r.BodyStart:r.BodyStart+r.Len] {
				t.Fatalf("text map run %d %+v does not map equal bytes", i, r)
			}
		}
	}
	for off := 0; off <= len(text); off++ {
		if b := a.BodyOffset(off); b < 0 || b > len(a.Body) {
			t.Fatalf("BodyOffset(%d) = %d, outside the %d-byte body", off, b, len(a.Body))
		}
	}
	for _, m := range a.Media {
		if !utf8.ValidString(m.Credit) || !utf8.ValidString(m.Caption) {
			t.Fatalf("media not valid UTF-8: %+v", m)
		}
	}
}

// FuzzClean: clean never panics and, for any valid UTF-8 body, keeps its
// contract: valid UTF-8 text, consistent paragraphs and offset map.
func FuzzClean(f *testing.F) {
	addSeeds(f, false)
	cl := processor.NewClean()
	f.Fuzz(func(t *testing.T, body []byte) {
		a := &processor.Article{Body: string(body)}
		if _, err := cl.Process(context.Background(), a); err != nil {
			// The only failure: nothing visible left, dead-lettered as
			// missing_body.
			if processor.ClassOf(err) != processor.ClassMissingBody || a.Text != "" || len(a.Media) != 0 {
				t.Fatalf("clean failed: %v", err)
			}
			return
		}
		if !utf8.Valid(body) {
			return // decode never passes such a body on; no panic is enough
		}
		checkClean(t, a)
	})
}

// FuzzDecodeCleanEncode runs a record through decode, clean, stats and
// Encode, as the engine does: the result is a dead-letter class or a
// valid JSON output whose text is valid UTF-8.
func FuzzDecodeCleanEncode(f *testing.F) {
	addSeeds(f, true)
	pipe, err := processor.NewPipeline([]processor.Processor{
		processor.NewDecode(processor.DecodeOptions{MaxBytes: fuzzMaxBytes}),
		processor.NewClean(), processor.NewStats()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw, key []byte) {
		a := &processor.Article{Raw: raw, Key: key}
		outs, err := pipe.Process(context.Background(), a)
		if err != nil {
			checkInputError(t, err)
			return
		}
		for _, o := range outs {
			checkClean(t, o)
			b, err := processor.Encode(o)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			var back struct {
				ID   string `json:"id"`
				Text string `json:"text"`
			}
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, b)
			}
			if back.ID != o.ID || back.Text != o.Text {
				t.Fatalf("output id/text changed in encoding")
			}
		}
	})
}

// TestCleanWordsOfInvisibleCharacters is the minimal case FuzzClean found:
// a "word" made only of invisible characters (a NUL, a bidi mark) must
// leave no trace, but clean writes its separator space anyway, giving a
// leading, trailing or double space inside a paragraph.
func TestCleanWordsOfInvisibleCharacters(t *testing.T) {
	cases := []struct{ body, want string }{
		{"\x00 0", "0"},
		{"a \u200f b", "a b"},
		{"a \u200b", "a"},
		{"x\n\n\u200e y", "x\n\ny"},
	}
	for _, c := range cases {
		a := &processor.Article{Body: c.body}
		if _, err := processor.NewClean().Process(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		if a.Text != c.want {
			t.Errorf("clean(%q).Text = %q, want %q", c.body, a.Text, c.want)
		}
	}
}
