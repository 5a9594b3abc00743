package quotes

import (
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
)

// readSeed returns the BBC seed article, read from the shared data beside
// the repository (BBC copyright: never copied into it), or skips tb.
func readSeed(tb testing.TB) string {
	tb.Helper()
	return string(shareddata.Seed(tb))
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

// seedWant are the six quotations of the seed article: the first and last
// words of each text (a few, so that the article is not copied here) and
// its speaker.
var seedWant = []struct{ prefix, suffix, speaker string }{
	{"Congratulations to", "a child,", "Anne Hidalgo"},
	{"He explained to", "life here.", "Anne Hidalgo"},
	{"I replied that", "in France.", "Anne Hidalgo"},
	{"I did it", "a child,", "Mamoudou Gassama"},
	{"I climbed...", "saved him.", "Mamoudou Gassama"},
	{"Luckily, there was", "the child,", "a spokesman"},
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
		if !strings.HasPrefix(q.Text, w.prefix) || !strings.HasSuffix(q.Text, w.suffix) {
			t.Errorf("quote %d = %q, want %q … %q", i, q.Text, w.prefix, w.suffix)
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
