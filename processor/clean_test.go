package processor_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// markupSeeds are HTML bodies, for TestCleanMarkup and FuzzCleanMarkup.
var markupSeeds = []string{
	"<p>First para.</p><p>Second &amp; last.</p>",
	`<!DOCTYPE html><html><head><title>T</title></head><body><h1>Headline</h1><div class="x">Body &eacute;.</div></body></html>`,
	"<p>Text<!-- hidden --> here</p><script>var a = '<p>';</script>",
	"Line one<br>Line two<br/>Line three",
	"<p>if a < b then &#8220;x&#x201D;&nbsp;y</p>",
	"<p>Image copyright AFP Image caption Crowds gather</p><p>Text.</p>",
	"<p>unclosed <script>alert(1)",
	"<table><tr><td>a</td><td>b</td></tr></table><p>e&#769; &zwnj;&shy;</p>",
}

func TestCleanMarkup(t *testing.T) {
	tests := []struct {
		name, body, text string
		paras            int
		media            []processor.Media
	}{
		// Plain text is never read as markup.
		{name: "comparison in prose", body: "If a < b and c > d, then a<b.", text: "If a < b and c > d, then a<b.", paras: 1},
		{name: "ampersands in prose", body: "AT&T &amp; R&D", text: "AT&T &amp; R&D", paras: 1},
		{name: "one tag named in prose", body: "Use the <p> tag.", text: "Use the <p> tag.", paras: 1},
		{name: "angle brackets around a word", body: "He wrote <sarcasm> twice.", text: "He wrote <sarcasm> twice.", paras: 1},

		// Markup.
		{name: "paragraphs", body: "<p>First para.</p><p>Second &amp; last.</p>", text: "First para.\n\nSecond & last.", paras: 2},
		{name: "inline tags leave nothing", body: `<p>The <b>Prime Minister</b> met <a href="/wiki/x">Jacinda Ardern</a>.</p>`,
			text: "The Prime Minister met Jacinda Ardern.", paras: 1},
		{name: "script, style and comments dropped", body: "<style>p{color:red}</style><p>Text<!-- hidden --> here</p><script>var a = '<p>';</script>",
			text: "Text here", paras: 1},
		{name: "line breaks", body: "Line one<br>Line two<br/>\nLine three", text: "Line one Line two Line three", paras: 1},
		{name: "two line breaks end a paragraph", body: "Para one.<br>\n<br />Para two.", text: "Para one.\n\nPara two.", paras: 2},
		{name: "character references", body: "<p>&ldquo;Yes,&rdquo; she said &mdash; caf&eacute; &#8220;x&#x201D;&nbsp;y</p>",
			text: "“Yes,” she said — café “x” y", paras: 1},
		{name: "unknown references and bare ampersands kept", body: "<p>Fish &chips; R&D</p>", text: "Fish &chips; R&D", paras: 1},
		{name: "a comparison inside markup", body: "<p>if a < b then</p>", text: "if a < b then", paras: 1},
		{name: "whole document", body: "<!DOCTYPE html><html><head><title>T</title><meta charset=\"utf-8\"></head>" +
			"<body><h1>Headline</h1>\n<div>Body text.</div></body></html>", text: "Headline\n\nBody text.", paras: 2},
		{name: "unclosed script runs to the end", body: "<p>Keep</p><script>alert(1)", text: "Keep", paras: 1},
		{name: "table cells", body: "<table><tr><td>a</td><td>b</td></tr></table>", text: "a b", paras: 1},
		{name: "media boilerplate in markup", body: "<p>Image copyright AFP Image caption Crowds gather</p><p>Text.</p>",
			text: "Text.", paras: 1, media: []processor.Media{{Credit: "AFP", Caption: "Crowds gather"}}},
		{name: "a comment alone is markup", body: "Story text.<!-- ad slot -->", text: "Story text.", paras: 1},
		{name: "blank lines still end paragraphs", body: "<b>One</b>\n\n<i>Two</i>", text: "One\n\nTwo", paras: 2},
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
			checkClean(t, a)
			// Every word maps to where it starts in the body.
			for _, w := range strings.Fields(a.Text) {
				i := strings.Index(a.Text, w)
				b := a.BodyOffset(i)
				if r, _ := utf8.DecodeRuneInString(w); strings.ContainsRune("&“”—", r) {
					continue // decoded from a reference
				}
				if b >= len(a.Body) || a.Body[b] != w[0] {
					t.Errorf("word %q at text %d maps to body %d: %.10q", w, i, b, a.Body[min(b, len(a.Body)):])
				}
			}
		})
	}
}

// TestCleanMarkupMapsWordsBack checks BodyOffset through removed tags.
func TestCleanMarkupMapsWordsBack(t *testing.T) {
	body := `<div class="story"><p>The <b>quick</b> brown</p><p>fox &amp; <a href="x">hound</a>.</p></div>`
	a := cleaned(body)
	if a.Text != "The quick brown\n\nfox & hound." {
		t.Fatalf("text %q", a.Text)
	}
	for _, w := range []string{"The", "quick", "brown", "fox", "&", "hound"} {
		i := strings.Index(a.Text, w)
		b := a.BodyOffset(i)
		if body[b:b+len(w)] != w {
			t.Errorf("%q: text offset %d maps to body %d = %q", w, i, b, body[b:min(len(body), b+len(w))])
		}
	}
}

// FuzzCleanMarkup: clean keeps its contract on HTML-like bodies.
func FuzzCleanMarkup(f *testing.F) {
	for _, s := range markupSeeds {
		f.Add([]byte(s))
	}
	cl := processor.NewClean()
	f.Fuzz(func(t *testing.T, body []byte) {
		a := &processor.Article{Body: string(body)}
		if _, err := cl.Process(context.Background(), a); err != nil {
			if processor.ClassOf(err) != processor.ClassMissingBody || a.Text != "" || len(a.Media) != 0 {
				t.Fatalf("clean failed: %v", err)
			}
			return
		}
		if !utf8.Valid(body) {
			return
		}
		checkClean(t, a)
	})
}
