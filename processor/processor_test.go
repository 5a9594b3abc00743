package processor_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
)

func decode(t *testing.T, raw string, key string) (*processor.Article, error) {
	t.Helper()
	a := &processor.Article{Raw: []byte(raw), Key: []byte(key)}
	_, err := processor.NewDecode(processor.DecodeOptions{MaxBytes: 2048}).Process(t.Context(), a)
	return a, err
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, raw, key            string
		wantID, wantPub, wantBody string
		wantClass                 string
	}{
		{name: "json", raw: `{"id":"a1","title":" T ","body":"Hello.","published":"2020-01-02","language":"en"}`, wantID: "a1", wantPub: "2020-01-02", wantBody: "Hello."},
		{name: "json id from key", raw: `{"body":"Hello."}`, key: "k-7", wantID: "k-7", wantBody: "Hello."},
		{name: "json id from hash", raw: `{"body":"Hello."}`, wantID: "sha256:", wantBody: "Hello."},
		{name: "plain text", raw: "Just text.\n\nTwo paragraphs.", wantID: "sha256:", wantBody: "Just text.\n\nTwo paragraphs."},
		{name: "plain text with date line", raw: " date 2021-03-14 Image copyright X Image caption Y\n\nBody.", wantPub: "2021-03-14", wantID: "sha256:", wantBody: " Image copyright X Image caption Y\n\nBody."},
		{name: "not a date", raw: "date 2018-13-28 text", wantID: "sha256:", wantBody: "date 2018-13-28 text"},
		{name: "invalid json", raw: `{"body": "x"`, wantClass: processor.ClassInvalidJSON},
		{name: "json array is plain text? no: starts with [", raw: `["a"]`, wantID: "sha256:", wantBody: `["a"]`},
		{name: "missing body", raw: `{"id":"x"}`, wantClass: processor.ClassMissingBody},
		{name: "blank body", raw: `{"body":" \n "}`, wantClass: processor.ClassMissingBody},
		{name: "null body", raw: `{"body":null}`, wantClass: processor.ClassMissingBody},
		{name: "empty value", raw: ``, wantClass: processor.ClassMissingBody},
		{name: "wrong type", raw: `{"body": 3}`, wantClass: processor.ClassInvalidField},
		{name: "invalid utf8", raw: "a\xffb", wantClass: processor.ClassInvalidUTF8},
		{name: "too large", raw: strings.Repeat("x", 3000), wantClass: processor.ClassTooLarge},
		{name: "huge id", raw: `{"id":"` + strings.Repeat("i", 600) + `","body":"b"}`, wantClass: processor.ClassInvalidField},
		{name: "deeply nested", raw: `{"body":"b","x":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`, wantID: "sha256:", wantBody: "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := decode(t, tt.raw, tt.key)
			if tt.wantClass != "" {
				if err == nil {
					t.Fatalf("want error of class %s, got none", tt.wantClass)
				}
				if got := processor.ClassOf(err); got != tt.wantClass {
					t.Fatalf("class %s, want %s (%v)", got, tt.wantClass, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !strings.HasPrefix(a.ID, tt.wantID) || (tt.wantID != "sha256:" && a.ID != tt.wantID) {
				t.Errorf("id %q, want %q", a.ID, tt.wantID)
			}
			if a.Published != tt.wantPub {
				t.Errorf("published %q, want %q", a.Published, tt.wantPub)
			}
			if a.Body != tt.wantBody {
				t.Errorf("body %q, want %q", a.Body, tt.wantBody)
			}
		})
	}
}

func cleaned(body string) *processor.Article {
	a := &processor.Article{Body: body}
	_, _ = processor.NewClean().Process(context.Background(), a)
	return a
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, body, text string
		media            []processor.Media
		paras            int
	}{
		{name: "paragraphs and spaces", body: "  One  two\tthree\nfour.\n\n\n Five.  \n", text: "One two three four.\n\nFive.", paras: 2},
		{name: "caption block lifted", body: "Image copyright Getty Images Image caption A man waves\n\nText here.", text: "Text here.",
			media: []processor.Media{{Credit: "Getty Images", Caption: "A man waves"}}, paras: 1},
		{name: "caption after text on a line", body: "Lead words Image copyright AFP Image caption Crowds gather", text: "Lead words",
			media: []processor.Media{{Credit: "AFP", Caption: "Crowds gather"}}, paras: 1},
		{name: "bare caption", body: "Image caption Only a caption\n\nBody.", text: "Body.", media: []processor.Media{{Caption: "Only a caption"}}, paras: 1},
		{name: "invisible characters", body: "zero\u200bwidth\u00a0space and\x00nul", text: "zerowidth space andnul", paras: 1},
		{name: "nfc", body: "Cafe\u0301 noir", text: "Café noir", paras: 1},
		{name: "crlf", body: "a\r\n\r\nb", text: "a\n\nb", paras: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := cleaned(tt.body)
			if a.Text != tt.text {
				t.Errorf("text %q, want %q", a.Text, tt.text)
			}
			if len(a.Paragraphs) != tt.paras {
				t.Errorf("%d paragraphs, want %d", len(a.Paragraphs), tt.paras)
			}
			if len(a.Media) != len(tt.media) {
				t.Fatalf("media %+v, want %+v", a.Media, tt.media)
			}
			for i := range tt.media {
				if a.Media[i] != tt.media[i] {
					t.Errorf("media %d = %+v, want %+v", i, a.Media[i], tt.media[i])
				}
			}
			// Every paragraph span and offset run points at the same text in
			// Body (where clean copied bytes unchanged).
			for _, r := range a.TextMap {
				got := a.Text[r.TextStart : r.TextStart+r.Len]
				if !strings.Contains(tt.name, "nfc") && got != a.Body[r.BodyStart:r.BodyStart+r.Len] {
					t.Errorf("run %+v: text %q != body %q", r, got, a.Body[r.BodyStart:r.BodyStart+r.Len])
				}
			}
		})
	}
}

func TestBodyOffsetMapsWordsBack(t *testing.T) {
	body := "Image copyright X Image caption Y\n\n  The  quick brown\nfox.\n\nJumps  over."
	a := cleaned(body)
	for _, w := range []string{"The", "quick", "brown", "fox.", "Jumps", "over."} {
		i := strings.Index(a.Text, w)
		b := a.BodyOffset(i)
		if body[b:b+len(w)] != w {
			t.Errorf("%q: text offset %d maps to body %d = %q", w, i, b, body[b:b+len(w)])
		}
	}
}

// The seed article (BBC copyright, read from ../shared/data at test time,
// never copied into the repository; the test skips without it).
func TestCleanSeedArticle(t *testing.T) {
	raw := shareddata.Seed(t)
	a := &processor.Article{Raw: raw}
	p, err := processor.NewPipeline([]processor.Processor{processor.NewDecode(processor.DecodeOptions{}), processor.NewClean(), processor.NewStats()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if a.Published != "2018-05-28" {
		t.Errorf("published %q", a.Published)
	}
	if len(a.Media) != 2 || a.Media[0].Credit != "Facebook" || a.Media[1].Credit != "Facebook" {
		t.Errorf("media %+v, want two with credit Facebook", a.Media)
	}
	if strings.Contains(a.Text, "Image caption") || strings.Contains(a.Text, "Image copyright") {
		t.Errorf("boilerplate left in text")
	}
	// The text starts with the story's first paragraph: the first one of
	// the raw article that is not caption boilerplate.
	var lead string
	for _, para := range strings.Split(string(raw), "\n\n") {
		if para = strings.TrimSpace(para); para != "" && !strings.Contains(para, "Image caption") {
			lead = para
			break
		}
	}
	if lead == "" || !strings.HasPrefix(a.Text, lead) {
		t.Errorf("text starts %.60q, want the first story paragraph %.60q", a.Text, lead)
	}
	if a.Stats.Paragraphs != 17 || a.Stats.Words < 300 {
		t.Errorf("stats %+v", a.Stats)
	}
}

func TestStats(t *testing.T) {
	a := cleaned("One two three. Four five!\n\nSix seven eight nine ten? Yes.")
	_, _ = processor.NewStats().Process(t.Context(), a)
	want := processor.Stats{Words: 11, Sentences: 4, Paragraphs: 2, Characters: len(a.Text), ReadingTimeSeconds: 3}
	if a.Stats != want {
		t.Errorf("stats %+v, want %+v", a.Stats, want)
	}
}

func TestEncodeConvertsSpansToCodePoints(t *testing.T) {
	a := &processor.Article{ID: "x", Text: "Café Émile went to Zürich."}
	i := strings.Index(a.Text, "Zürich")
	a.Entities = []processor.Entity{{Name: "Zürich", Type: "LOC", Mentions: 1, Spans: []processor.Span{{Start: i, End: i + len("Zürich")}}}}
	b, err := processor.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"spans":[{"start":19,"end":25}]`) {
		t.Errorf("spans not in code points: %s", b)
	}
	if !strings.Contains(string(b), `"schema":1`) || !strings.Contains(string(b), `"media":[]`) {
		t.Errorf("schema/media missing: %s", b)
	}
	// Encoding twice does not convert twice.
	b2, _ := processor.Encode(a)
	if string(b) != string(b2) {
		t.Errorf("second encode differs")
	}
}

type panicker struct{}

func (panicker) Name() string { return "boom" }
func (panicker) Process(context.Context, *processor.Article) ([]*processor.Article, error) {
	var s []int
	_ = s[len(s)] // index out of range
	return nil, nil
}
func (panicker) Close(context.Context) error { return nil }

func TestPipelineRecoversPanicsAndNamesStage(t *testing.T) {
	p, err := processor.NewPipeline([]processor.Processor{processor.NewDecode(processor.DecodeOptions{}), panicker{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Process(t.Context(), &processor.Article{Raw: []byte("text")})
	if processor.ClassOf(err) != processor.ClassPanic || processor.StageOf(err) != "boom" {
		t.Fatalf("got class %q stage %q (%v)", processor.ClassOf(err), processor.StageOf(err), err)
	}
	_, err = p.Process(t.Context(), &processor.Article{Raw: []byte("{")})
	if processor.ClassOf(err) != processor.ClassInvalidJSON || processor.StageOf(err) != "decode" {
		t.Fatalf("got class %q stage %q", processor.ClassOf(err), processor.StageOf(err))
	}
	var se *processor.StageError
	if !errors.As(err, &se) {
		t.Fatal("not a StageError")
	}
}

func TestPipelineFilters(t *testing.T) {
	drop := processor.Processor(dropper{})
	p, err := processor.NewPipeline([]processor.Processor{processor.NewDecode(processor.DecodeOptions{}), drop})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Process(t.Context(), &processor.Article{Raw: []byte("x")})
	if err != nil || len(out) != 0 {
		t.Fatalf("filter: %v %v", out, err)
	}
}

func TestNewPipelineRejects(t *testing.T) {
	drop := processor.Processor(dropper{})
	nilMW := func(processor.Processor) processor.Processor { return nil }
	tests := []struct {
		name   string
		stages []processor.Processor
		mw     []processor.Middleware
	}{
		{"no stages", nil, nil},
		{"duplicate names", []processor.Processor{drop, drop}, nil},
		{"duplicate names behind Stage", []processor.Processor{drop, processor.Stage(drop, processor.OnlyLanguages("en"))}, nil},
		{"empty name", []processor.Processor{processor.Func("", func(context.Context, *processor.Article) error { return nil })}, nil},
		{"nil stage", []processor.Processor{drop, nil}, nil},
		{"nil Stage", []processor.Processor{processor.Stage(nil)}, nil},
		{"middleware returns nil", []processor.Processor{drop}, []processor.Middleware{nilMW}},
		{"stage middleware returns nil", []processor.Processor{processor.Stage(drop, nilMW)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := processor.NewPipeline(tt.stages, tt.mw...); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

type dropper struct{}

func (dropper) Name() string { return "drop" }
func (dropper) Process(context.Context, *processor.Article) ([]*processor.Article, error) {
	return nil, nil
}
func (dropper) Close(context.Context) error { return nil }
