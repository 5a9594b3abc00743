package processor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/newsflow/newsflow/processor"
)

// Tracing gives every stage call a span, a child of the span in ctx, named
// after the stage; failures, timeouts and filters are on the span.
func TestTracingMiddleware(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	tracer := tp.Tracer("test")

	ok := processor.Func("ok", func(context.Context, *processor.Article) error { return nil })
	bad := processor.Func("bad", func(context.Context, *processor.Article) error {
		return processor.NewInputError(processor.ClassMissingBody, "no body in \xff")
	})
	hang := processor.Func("hang", func(ctx context.Context, _ *processor.Article) error {
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond)
		return nil
	})
	drop := &fake{name: "drop", fn: func(context.Context, *processor.Article) ([]*processor.Article, error) { return nil, nil }}

	for _, tt := range []struct {
		stage     processor.Processor
		wantClass string
		filtered  bool
	}{
		{ok, "", false},
		{bad, processor.ClassMissingBody, false},
		{hang, processor.ClassTimeout, false},
		{drop, "", true},
	} {
		exp.Reset()
		p, err := processor.NewPipeline([]processor.Processor{tt.stage}, processor.Tracing(tracer), processor.Timeout(time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		ctx, parent := tracer.Start(t.Context(), "record")
		_, _ = p.Process(ctx, &processor.Article{})
		parent.End()
		_ = p.Close(t.Context())
		spans := exp.GetSpans()
		if len(spans) != 2 {
			t.Fatalf("%s: %d spans, want the stage's and the parent", tt.stage.Name(), len(spans))
		}
		s := spans[0]
		if s.Name != tt.stage.Name() || s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q under %v, want %q under the record's span", s.Name, s.Parent.SpanID(), tt.stage.Name())
		}
		attrs := map[string]string{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.String()
		}
		if attrs["newsflow.stage"] != tt.stage.Name() || attrs["error.type"] != tt.wantClass || (attrs["newsflow.filtered"] == "true") != tt.filtered {
			t.Errorf("%s: attributes %v", tt.stage.Name(), attrs)
		}
		if (s.Status.Code == codes.Error) != (tt.wantClass != "") {
			t.Errorf("%s: status %v", tt.stage.Name(), s.Status)
		}
		if strings.Contains(s.Status.Description, "\xff") {
			t.Errorf("%s: status text is not valid UTF-8: %q", tt.stage.Name(), s.Status.Description)
		}
	}
}

// With a nil tracer, Tracing adds nothing: the stage is returned as is.
func TestTracingNilTracer(t *testing.T) {
	st := processor.Func("s", func(context.Context, *processor.Article) error { return nil })
	if got := processor.Tracing(nil)(st); fmt.Sprintf("%T", got) != fmt.Sprintf("%T", st) {
		t.Fatalf("Tracing(nil) wrapped the stage: %T", got)
	}
}
