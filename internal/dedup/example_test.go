package dedup_test

import (
	"fmt"
	"log"

	"github.com/newsflow/newsflow/internal/dedup"
)

// The dedup stage of the pipeline: fingerprint each article, look it up,
// store it with the cluster of its match (or its own id).
func Example() {
	fp, err := dedup.NewFingerprinter(dedup.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ix, err := dedup.NewIndex(dedup.DefaultThreshold)
	if err != nil {
		log.Fatal(err)
	}
	articles := []struct{ id, text string }{
		{"reuters-2026-03-01-001", `Firefighters in Paris rescued a four-year-old boy who was hanging
			from the balcony of a fourth-floor flat on Saturday evening, after a man climbed the
			front of the building to reach him. The man, a 22-year-old from Mali, pulled the child
			to safety in about thirty seconds as a crowd watched from the street.`},
		{"ap-2026-03-01-417", `PARIS (AP) — Firefighters in Paris rescued a four-year-old boy who
			was dangling from the balcony of a fourth-floor flat on Saturday evening, after a man
			climbed the front of the building to reach him. The man, a 22-year-old from Mali,
			pulled the child to safety in about thirty seconds as a crowd watched. Share this article`},
		{"bbc-2026-03-01-12345", `The mayor of Paris thanked the man on Sunday, and the president
			invited him to the Elysee Palace on Monday to congratulate him in person, offering him
			French citizenship and a job with the fire service after a video of the rescue was
			watched millions of times.`},
	}
	for i, a := range articles {
		sig, ok := fp.Fingerprint(a.text)
		if !ok {
			continue // too short to fingerprint
		}
		e := dedup.Entry{ID: a.id, Sig: sig, EventTime: 1_772_323_200_000 + int64(i), Cluster: a.id}
		if m, sim, found := ix.Lookup(sig); found {
			e.Cluster = m.Cluster
			fmt.Printf("%s duplicates %s (similarity %.2f)\n", a.id, m.ID, sim)
		} else {
			fmt.Printf("%s is new\n", a.id)
		}
		if err := ix.Put(e); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// reuters-2026-03-01-001 is new
	// ap-2026-03-01-417 duplicates reuters-2026-03-01-001 (similarity 0.86)
	// bbc-2026-03-01-12345 is new
}
