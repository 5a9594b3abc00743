package quotes

import (
	"strings"
	"testing"
)

// benchArticle is a synthetic news article of about 4 KB (written for
// these tests) with quotation patterns of every kind: cues after and before
// the quotation, a quotation running over paragraphs, a nickname, "quoted
// him saying", a pronoun speaker, "according to".
func benchArticle() (string, []ent) {
	p := []string{
		`A retired ferry captain has been praised after he steered a drifting fishing boat away from the harbour wall during Thursday's storm.`,
		`Harbour Master Ruth Okafor also thanked the 64-year-old and said she would recommend him for a civic award.`,
		`"Tom Ellery kept his head when everyone else was running for cover," Ms Okafor wrote on the port's website.`,
		`"He told me he had seen the boat's engine fail from his kitchen window and simply went down to help.`,
		`"I said that the whole town owes him a debt, and that the council will make sure it is repaid."`,
		`Locals know him as the "Old Man of Pier Four", after the berth he worked from for thirty years.`,
		`Mr Ellery told reporters he had only meant to check on his own dinghy when he saw the trawler heading for the rocks.`,
		`"The boat was going sideways, so I jumped aboard," the Coastal Herald quoted him saying. "After that it was just rope work."`,
		`"We were lucky that someone with his experience happened to be standing on the quay," a coastguard spokesman told reporters.`,
		`Fleet manager Dana Whitcombe, in remarks to local radio, said "Both crew members are safe and the vessel will be towed to the yard."`,
		`According to police, "the quay was reopened within the hour."`,
	}
	ents := []ent{
		person("Tom Ellery", "Mr Ellery", "Ellery"),
		person("Ruth Okafor", "Ms Okafor"),
		person("Dana Whitcombe"),
		org("Coastal Herald"),
	}
	return strings.Repeat(strings.Join(p, "\n\n")+"\n\n", 2), ents
}

// BenchmarkProcess measures the stage on one article: a synthetic one, and
// the seed article when the shared data is available.
func BenchmarkProcess(b *testing.B) {
	b.Run("synthetic", func(b *testing.B) {
		body, ents := benchArticle()
		benchProcess(b, body, ents)
	})
	b.Run("seed", func(b *testing.B) {
		benchProcess(b, readSeed(b), seedEntities)
	})
}

func benchProcess(b *testing.B, body string, ents []ent) {
	q := New()
	a := article(body, ents...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		a.Quotes = nil
		if _, err := q.Process(b.Context(), a); err != nil {
			b.Fatal(err)
		}
	}
	if len(a.Quotes) == 0 {
		b.Fatal("no quotes")
	}
}

// BenchmarkManyMarks shows that time stays linear with 100k marks.
func BenchmarkManyMarks(b *testing.B) {
	body := strings.Repeat(`“a b,” he said. `, 100_000)
	q := New()
	a := article(body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		q.Extract(a)
	}
}
