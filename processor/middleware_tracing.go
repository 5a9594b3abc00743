package processor

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Tracing returns middleware that wraps every call of the stage in a span
// of tracer, named after the stage ("decode", "entities", …) with the
// attribute newsflow.stage. The span's parent is the span in the call's
// ctx: the engine puts each record's span there, so a record's trace has
// one child per stage. A failed call sets the span's status to Error with
// the error's text (see SpanText), error.type to its class (ClassOf) and
// newsflow.abandoned when Timeout gave up on the call; a call that filters
// the article out sets newsflow.filtered.
//
// With a nil tracer, Tracing returns next unchanged: tracing that is off
// costs nothing.
func Tracing(tracer trace.Tracer) Middleware {
	return func(next Processor) Processor {
		if tracer == nil {
			return next
		}
		name := next.Name()
		return &traced{Processor: next, tracer: tracer, name: name,
			opts: []trace.SpanStartOption{trace.WithAttributes(attribute.String("newsflow.stage", name))}}
	}
}

type traced struct {
	Processor
	tracer trace.Tracer
	name   string
	opts   []trace.SpanStartOption
}

func (t *traced) Process(ctx context.Context, a *Article) ([]*Article, error) {
	ctx, span := t.tracer.Start(ctx, t.name, t.opts...)
	defer span.End()
	out, err := t.Processor.Process(ctx, a)
	if err != nil {
		span.SetStatus(codes.Error, SpanText(err.Error()))
		span.SetAttributes(attribute.String("error.type", ClassOf(err)),
			attribute.Bool("newsflow.abandoned", errors.Is(err, ErrAbandoned)))
	} else if len(out) == 0 {
		span.SetAttributes(attribute.Bool("newsflow.filtered", true))
	}
	return out, err
}

// maxSpanText is the most bytes of an error's text a span carries.
const maxSpanText = 2048

// SpanText makes s fit for a span: valid UTF-8 (an OTLP exporter refuses
// a whole batch over one invalid string, and errors may quote the input)
// and at most 2 KiB.
func SpanText(s string) string {
	if len(s) > maxSpanText {
		s = s[:maxSpanText]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
