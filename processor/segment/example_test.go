package segment_test

import (
	"context"
	"fmt"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/segment"
)

func ExampleProcessor_Process() {
	seg, err := segment.New(segment.Options{})
	if err != nil {
		panic(err)
	}
	a := &processor.Article{Text: `Mr. Mensah met the U.S. envoy. "We talked about the harbour," he said.`}
	if _, err := seg.Process(context.Background(), a); err != nil {
		panic(err)
	}
	for _, s := range a.Sentences {
		fmt.Printf("%q\n", a.SpanText(s.Span))
	}
	for _, t := range a.Tokens[:4] {
		fmt.Print(a.SpanText(t.Span), "|")
	}
	fmt.Println()
	// Output:
	// "Mr. Mensah met the U.S. envoy."
	// "\"We talked about the harbour,\" he said."
	// Mr.|Mensah|met|the|
}
