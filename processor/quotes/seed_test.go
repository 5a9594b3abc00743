package quotes

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/processor"
)

// seedPath is the BBC seed article in the repository's sibling shared/
// directory. It is BBC copyright: it is read from there, never copied.
const seedPath = "../../../shared/data/seed-article.txt"

func readSeed(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(seedPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("seed article not available at %s (shared data is outside the repository)", seedPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seedEntities are the entities the entities stage is expected to find in
// the seed article, written by hand.
var seedEntities = []ent{
	person("Mamoudou Gassama", "Mr Gassama", "Gassama"),
	person("Anne Hidalgo", "Ms Hidalgo"),
	person("Emmanuel Macron"),
	org("AFP"),
	org("Le Parisien"),
	org("Facebook"),
	{name: "Paris", typ: "LOC", mentions: []string{"Paris"}},
	{name: "Mali", typ: "LOC", mentions: []string{"Mali"}},
	{name: "France", typ: "LOC", mentions: []string{"France"}},
	{name: "Elysee Palace", typ: "LOC", mentions: []string{"Elysee Palace"}},
}

// seedWant are the six quotations of the seed article: a prefix of each
// text and its speaker.
var seedWant = []struct{ prefix, speaker string }{
	{"Congratulations to Mamoudou Gassama", "Anne Hidalgo"},
	{"He explained to me", "Anne Hidalgo"},
	{"I replied that his heroic gesture", "Anne Hidalgo"},
	{"I did it because it was a child", "Mamoudou Gassama"},
	{"I climbed... Thank God I saved him.", "Mamoudou Gassama"},
	{"Luckily, there was someone", "a spokesman"},
}

func TestSeedArticle(t *testing.T) {
	a := article(readSeed(t), seedEntities...)
	got, err := New().Process(t.Context(), a)
	if err != nil || len(got) != 1 {
		t.Fatalf("Process = %v, %v", got, err)
	}
	checkSeed(t, a.Quotes, a.Entities)
}

func checkSeed(t *testing.T, quotes []processor.Quote, ents []processor.Entity) {
	t.Helper()
	for _, q := range quotes {
		t.Logf("%q (%d) %q", q.Speaker, q.SpeakerEntity, q.Text)
	}
	if len(quotes) != len(seedWant) {
		t.Fatalf("got %d quotes, want %d", len(quotes), len(seedWant))
	}
	for i, w := range seedWant {
		q := quotes[i]
		if !strings.HasPrefix(q.Text, w.prefix) {
			t.Errorf("quote %d = %q, want prefix %q", i, q.Text, w.prefix)
		}
		if q.Speaker != w.speaker {
			t.Errorf("quote %d speaker = %q, want %q", i, q.Speaker, w.speaker)
		}
		if w.speaker == "a spokesman" {
			if q.SpeakerEntity != -1 {
				t.Errorf("quote %d: spokesman resolved to entity %d", i, q.SpeakerEntity)
			}
		} else if q.SpeakerEntity < 0 || ents[q.SpeakerEntity].Name != w.speaker {
			t.Errorf("quote %d: speaker entity %d, want %q", i, q.SpeakerEntity, w.speaker)
		}
		if strings.ContainsAny(q.Text, "\"“”") && !strings.Contains(q.Text, "18th") {
			// Inner marks are allowed, but the outer ones must be excluded.
			if strings.HasPrefix(q.Text, "\"") || strings.HasSuffix(q.Text, "\"") {
				t.Errorf("quote %d keeps its marks: %q", i, q.Text)
			}
		}
		if strings.Contains(q.Text, "Spiderman") {
			t.Errorf("nickname taken as a quote: %q", q.Text)
		}
	}
}
