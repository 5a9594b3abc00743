package status_test

import (
	"context"
	"fmt"
	"log"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/metrics"
	"github.com/newsflow/newsflow/internal/status"
	"github.com/newsflow/newsflow/processor"
)

// The engine creates the page on the registry its metrics use, runs it for
// the lifetime of the process, calls Observe for each acknowledged article,
// and serves Handler at "/" of its HTTP server.
func Example() {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, "1.0.0")
	if err != nil {
		log.Fatal(err)
	}
	page, err := status.New(reg, status.Options{MaxArticles: 50})
	if err != nil {
		log.Fatal(err)
	}
	// In the engine: g.Go(func() error { return page.Run(ctx) }) and
	// httpserver.Options{Status: page.Handler()}.

	m.Engine.Records.WithLabelValues(metrics.OutcomeEnriched).Inc()
	page.Observe(&processor.Article{
		ID:       "a1",
		Title:    "Council approves tram line",
		Entities: []processor.Entity{{Name: "Maria Keller", Type: processor.EntityPerson, Mentions: 2}},
		Quotes:   []processor.Quote{{Text: "It will change the city.", Speaker: "Maria Keller"}},
	})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = page.Run(ctx) // samples once, then returns: ctx is done

	s := page.Snapshot()
	fmt.Println(s.Articles[0].Title, "|", s.Articles[0].Quotes[0].Speaker)
	fmt.Println(s.TopEntities[0].Name, s.TopEntities[0].Articles)
	fmt.Println("enriched:", s.Totals.Enriched, "version:", s.Version)
	// Output:
	// Council approves tram line | Maria Keller
	// Maria Keller 1
	// enriched: 1 version: 1.0.0
}
