package engine

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// Tracing (Config.Tracer set), in one place.
//
// Every input record gets a span "newsflow.process" (kind consumer) with
// messaging.system=kafka, messaging.operation.type=process, the topic
// (messaging.source.name and messaging.destination.name),
// messaging.destination.partition.id, messaging.kafka.offset, and, once
// known, newsflow.article.id and newsflow.outcome (enriched,
// dead_lettered, filtered or abandoned). When the record carries a W3C
// traceparent (and tracestate) header, the span continues that trace: same
// trace id, the publisher's span as parent. Its children are a span per
// pipeline stage (processor.Tracing, from the span in the context the
// engine passes to Pipeline.Process) and a span "newsflow.write" (kind
// producer).
//
// The write of a batch is one call for every output of up to BatchSize
// records; it is traced as one "newsflow.write" child under each record's
// span, all with the times of that one call and the batch's size
// (newsflow.batch.records, messaging.batch.message_count). Children rather
// than span links, so that the trace of any one record is whole in a trace
// viewer, write included.
//
// The record's span ends when the record is finished: after its outputs
// are acknowledged (so it spans processing, the wait for the batch's turn
// and the write), or when its batch is abandoned (status Error).
//
// Every output of the record — enriched records, side outputs, dead
// letters — carries a traceparent (and the tracestate, if any) naming the
// record's span, replacing any the record or a stage had set; so a
// subscriber continues the trace, and a dead letter replayed later joins
// it too.
//
// With a nil Tracer none of this runs: no span, no header, no allocation.

// The propagator: W3C Trace Context only, and no global otel state.
var propagator = propagation.TraceContext{}

// headerCarrier adapts record headers to the propagator: Get reads the
// last header of a key; Set replaces every header of the key.
type headerCarrier struct{ hs *[]record.Header }

func (c headerCarrier) Get(key string) string {
	hs := *c.hs
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i].Key == key {
			return string(hs[i].Value)
		}
	}
	return ""
}

func (c headerCarrier) Set(key, value string) {
	old := *c.hs
	hs := make([]record.Header, 0, len(old)+1)
	for _, h := range old {
		if h.Key != key {
			hs = append(hs, h)
		}
	}
	*c.hs = append(hs, record.Header{Key: key, Value: []byte(value)})
}

func (c headerCarrier) Keys() []string {
	keys := make([]string, len(*c.hs))
	for i, h := range *c.hs {
		keys[i] = h.Key
	}
	return keys
}

// traceFields are the headers the propagator owns.
var traceFields = propagator.Fields()

// startSpan starts the span of r's record, as a child of the trace its
// headers carry, and returns ctx with it.
func (e *Engine) startSpan(ctx context.Context, r *result) context.Context {
	m := &r.rec
	ctx = propagator.Extract(ctx, headerCarrier{&m.Headers})
	ctx, r.span = e.cfg.Tracer.Start(ctx, "newsflow.process",
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.source.name", m.Topic),
			attribute.String("messaging.destination.name", m.Topic),
			attribute.String("messaging.destination.partition.id", strconv.Itoa(m.Partition)),
			attribute.Int64("messaging.kafka.offset", m.Offset),
		))
	return ctx
}

// stampHeaders returns hs with the trace headers of r's span in place of
// any there (a new slice: hs may be shared). Without a span it returns hs.
func stampHeaders(r *result, hs []record.Header) []record.Header {
	if r.span == nil {
		return hs
	}
	out := make([]record.Header, 0, len(hs)+len(traceFields))
	for _, h := range hs {
		if !isTraceField(h.Key) {
			out = append(out, h)
		}
	}
	propagator.Inject(trace.ContextWithSpan(context.Background(), r.span), headerCarrier{&out})
	return out
}

func isTraceField(k string) bool {
	for _, f := range traceFields {
		if k == f {
			return true
		}
	}
	return false
}

// endSpan ends r's span with its outcome; a non-empty abandoned says why
// the record was not finished.
func endSpan(r *result, abandoned string) {
	if r.span == nil {
		return
	}
	switch {
	case abandoned != "":
		r.span.SetAttributes(attribute.String("newsflow.outcome", "abandoned"))
		r.span.SetStatus(codes.Error, processor.SpanText(abandoned))
	case r.class != "":
		r.span.SetAttributes(attribute.String("newsflow.outcome", OutcomeDeadLettered),
			attribute.String("error.type", r.class), attribute.String("newsflow.stage", r.stage))
		r.span.SetStatus(codes.Error, "dead-lettered: "+r.class+" at stage "+r.stage)
	case len(r.articles) == 0:
		r.span.SetAttributes(attribute.String("newsflow.outcome", OutcomeFiltered))
	default:
		r.span.SetAttributes(attribute.String("newsflow.outcome", OutcomeEnriched),
			attribute.String("newsflow.article.id", processor.SpanText(r.articles[0].ID)))
	}
	r.span.End()
	r.span = nil
}

// startWriteSpans starts the "newsflow.write" span of every record of b.
func (e *Engine) startWriteSpans(b *batch) []trace.Span {
	n := 0
	for i := range b.results {
		n += len(b.results[i].outs)
	}
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.operation.type", "send"),
			attribute.Int("newsflow.batch.records", len(b.results)),
			attribute.Int("messaging.batch.message_count", n),
		),
	}
	spans := make([]trace.Span, 0, len(b.results))
	for i := range b.results {
		r := &b.results[i]
		if r.span == nil {
			continue
		}
		_, s := e.cfg.Tracer.Start(trace.ContextWithSpan(context.Background(), r.span), "newsflow.write", opts...)
		spans = append(spans, s)
	}
	return spans
}

func endWriteSpans(spans []trace.Span, err error) {
	for _, s := range spans {
		if err != nil {
			s.SetStatus(codes.Error, processor.SpanText(err.Error()))
		}
		s.End()
	}
}
