package producer_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// A producer writes a batch of outputs and dead-letters the source of any
// record the broker refuses for good. Operator errors (a missing ACL or
// topic) never come back as rejections: Write keeps retrying them while
// Failing says what to fix, until ctx ends.
func Example() {
	reg := prometheus.NewRegistry()
	m, err := producer.NewMetrics(reg)
	if err != nil {
		log.Fatal(err)
	}
	p, err := producer.New(producer.Config{
		Brokers:     []string{"localhost:9092"},
		Compression: producer.CompressionLz4,
		Metrics:     m,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outs := []record.Record{
		{Topic: "articles.enriched", Key: []byte("article-1"), Value: []byte(`{"schema":1,"id":"article-1"}`)},
	}
	err = p.Write(ctx, outs)
	var rej *producer.RejectedError
	switch {
	case errors.As(err, &rej):
		for i, e := range rej.Errs {
			var werr *producer.WriteError
			if errors.As(e, &werr) {
				log.Printf("dead-letter the source of output %d: %s: %v", i, werr.Class, werr.Err)
			}
		}
	case err != nil:
		// ctx ended first; err wraps ctx.Err() and the last failure.
		var werr *producer.WriteError
		if errors.As(err, &werr) {
			log.Printf("gave up writing to %s (%s): %v", werr.Topic, werr.Class, err)
		}
	}
}

// Readiness reports the producer as not ready while a Write is retrying,
// with the reason (topic, class, error and, for an operator error, what to
// fix).
func ExampleProducer_Failing() {
	p, err := producer.New(producer.Config{Brokers: []string{"localhost:9092"}})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	ready := func() (bool, string) {
		if failing, why := p.Failing(); failing {
			return false, why
		}
		return true, "ok"
	}
	fmt.Println(ready())
	// Output: true ok
}
