package quotes

import (
	"os"
	"strings"
	"testing"
)

// benchArticle is a synthetic news article of about 3.5 KB with quotation
// patterns of every kind, used when the seed article is not available.
func benchArticle() string {
	p := []string{
		`A Malian migrant has been hailed a hero after he scaled the front of a building in Paris to save a child hanging from a balcony.`,
		`Paris Mayor Anne Hidalgo also praised the 22-year-old's heroism and said she had called him to thank him.`,
		`"Congratulations to Mamoudou Gassama for his act of bravery that saved the life of a child," Ms Hidalgo tweeted.`,
		`"He explained to me that he had arrived from Mali a few months ago dreaming of building his life here.`,
		`"I replied that his heroic gesture was an example for all citizens."`,
		`She referred to him as the "Spiderman of the 18th", referring to the Paris district where the rescue took place.`,
		`Mr Gassama told journalists he had been walking past when he saw a crowd gathered in front of the building.`,
		`"I did it because it was a child," Le Parisien newspaper quoted him saying. "I climbed... Thank God I saved him."`,
		`"Luckily, there was someone who was physically fit and who had the courage to go and get the child," a spokesman told AFP news agency.`,
		`Civil Defense Authority director General Suleiman al-Amr, in remarks to state television, said "All those who were wounded have been taken to hospital."`,
		`According to police, "the building was evacuated within minutes."`,
	}
	return strings.Repeat(strings.Join(p, "\n\n")+"\n\n", 2)
}

func benchInput(b *testing.B) (string, []ent) {
	if raw, err := os.ReadFile(seedPath); err == nil {
		return string(raw), seedEntities
	}
	return benchArticle(), append(seedEntities, person("Suleiman al-Amr"))
}

// BenchmarkProcess measures the stage on one article (the seed article
// when available, else a synthetic one of the same kind).
func BenchmarkProcess(b *testing.B) {
	body, ents := benchInput(b)
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
