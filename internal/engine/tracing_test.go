package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// tracedHarness is the harness with tracing on: an SDK provider recording
// into memory, its tracer given to the engine and, through
// processor.Tracing, to every stage.
func tracedHarness(t *testing.T, sink *fakeSink, recs ...record.Record) (*harness, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tracer := tp.Tracer("newsflow-test")
	stages := []processor.Processor{processor.NewDecode(processor.DecodeOptions{MaxBytes: 4096}), processor.NewClean(), emitter{}, processor.NewStats()}
	pipe, err := processor.NewPipeline(stages, processor.Tracing(tracer))
	if err != nil {
		t.Fatal(err)
	}
	return newHarness(t, pipe, sink, func(c *Config) { c.Tracer = tracer }, recs...), exp
}

// emitter emits one side output per article.
type emitter struct{}

func (emitter) Name() string                { return "emitter" }
func (emitter) Close(context.Context) error { return nil }
func (emitter) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	a.Emit(record.Record{Topic: "state", Key: []byte(a.ID)})
	return []*processor.Article{a}, nil
}

const (
	pubTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	pubSpan   = "00f067aa0ba902b7"
	pubParent = "00-" + pubTrace + "-" + pubSpan + "-01"
)

// spansByRecord groups the ended spans: each record's "newsflow.process"
// span with its children, by offset.
type recordTrace struct {
	process  tracetest.SpanStub
	children map[string]tracetest.SpanStub // by name
}

func traces(t *testing.T, exp *tracetest.InMemoryExporter) map[int64]*recordTrace {
	t.Helper()
	spans := exp.GetSpans()
	byID := map[trace.SpanID]*recordTrace{}
	out := map[int64]*recordTrace{}
	for _, s := range spans {
		if s.Name != "newsflow.process" {
			continue
		}
		rt := &recordTrace{process: s, children: map[string]tracetest.SpanStub{}}
		byID[s.SpanContext.SpanID()] = rt
		for _, a := range s.Attributes {
			if a.Key == "messaging.kafka.offset" {
				out[a.Value.AsInt64()] = rt
			}
		}
	}
	for _, s := range spans {
		if s.Name == "newsflow.process" {
			continue
		}
		rt := byID[s.Parent.SpanID()]
		if rt == nil {
			t.Errorf("span %q has no record span as parent", s.Name)
			continue
		}
		if s.SpanContext.TraceID() != rt.process.SpanContext.TraceID() {
			t.Errorf("span %q is in another trace than its record's", s.Name)
		}
		rt.children[s.Name] = s
	}
	return out
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// wantTraceparent checks that r carries exactly one traceparent, naming
// span sc.
func wantTraceparent(t *testing.T, r record.Record, sc trace.SpanContext) {
	t.Helper()
	n := 0
	for _, h := range r.Headers {
		if h.Key == "traceparent" {
			n++
		}
	}
	want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
	if got := header(r, "traceparent"); n != 1 || got != want {
		t.Errorf("%s record %q: %d traceparent headers, last %q; want one, %q", r.Topic, r.Key, n, got, want)
	}
}

// With a tracer, every record gets a span with a child per stage and one
// for the write; a record's traceparent header is continued; every output
// (enriched, side output, dead letter) carries the record span's
// traceparent.
func TestTracingSpansPerRecordStageAndWrite(t *testing.T) {
	sink := &fakeSink{}
	h, exp := tracedHarness(t, sink,
		record.Record{Value: article("plain", "No trace came with this one.")},
		record.Record{Value: article("continued", "The publisher traced this one."),
			Headers: []record.Header{{Key: "traceparent", Value: []byte(pubParent)}, {Key: "tracestate", Value: []byte("pub=1")}}},
		record.Record{Value: []byte(`{"id": "bad", "body": `),
			Headers: []record.Header{{Key: "x-app", Value: []byte("kept")}, {Key: "traceparent", Value: []byte(pubParent)}}},
	)
	h.runUntilDone(t)

	tr := traces(t, exp)
	if len(tr) != 3 {
		t.Fatalf("%d record spans, want 3", len(tr))
	}
	for off, rt := range tr {
		p := rt.process
		if p.SpanKind != trace.SpanKindConsumer || attr(p, "messaging.system") != "kafka" ||
			attr(p, "messaging.source.name") != "in" || attr(p, "messaging.destination.partition.id") != "0" {
			t.Errorf("offset %d: record span kind %v, attributes %v", off, p.SpanKind, p.Attributes)
		}
		if _, ok := rt.children["newsflow.write"]; !ok {
			t.Errorf("offset %d: no write span", off)
		}
		if w := rt.children["newsflow.write"]; w.EndTime.After(p.EndTime) || attr(w, "newsflow.batch.records") != "3" {
			t.Errorf("offset %d: write span ends %v after the record's %v, or batch records %q", off, w.EndTime, p.EndTime, attr(w, "newsflow.batch.records"))
		}
	}

	// Offsets 0 and 1: enriched, every stage traced.
	for _, off := range []int64{0, 1} {
		rt := tr[off]
		for _, st := range []string{"decode", "clean", "emitter", "stats"} {
			s, ok := rt.children[st]
			if !ok || attr(s, "newsflow.stage") != st || s.Status.Code == codes.Error {
				t.Errorf("offset %d: stage span %q missing or failed (%v)", off, st, s.Status)
			}
		}
		if got := attr(rt.process, "newsflow.outcome"); got != OutcomeEnriched {
			t.Errorf("offset %d: outcome %q", off, got)
		}
	}
	if attr(tr[0].process, "newsflow.article.id") != "plain" {
		t.Errorf("article id attribute %q", attr(tr[0].process, "newsflow.article.id"))
	}

	// Offset 0 started a trace; offsets 1 and 2 continue the publisher's.
	if tr[0].process.Parent.IsValid() {
		t.Error("a record without traceparent must start a new trace")
	}
	for _, off := range []int64{1, 2} {
		p := tr[off].process
		if p.SpanContext.TraceID().String() != pubTrace || p.Parent.SpanID().String() != pubSpan || !p.Parent.IsRemote() {
			t.Errorf("offset %d: trace %s parent %s, want the publisher's trace %s and span %s",
				off, p.SpanContext.TraceID(), p.Parent.SpanID(), pubTrace, pubSpan)
		}
	}
	if ts := tr[1].process.SpanContext.TraceState().String(); ts != "pub=1" {
		t.Errorf("tracestate %q not continued", ts)
	}

	// Offset 2: dead-lettered at decode; the stage span and the record
	// span say so.
	bad := tr[2]
	if d := bad.children["decode"]; d.Status.Code != codes.Error || attr(d, "error.type") != processor.ClassInvalidJSON {
		t.Errorf("decode span of the bad record: status %v, error.type %q", d.Status, attr(d, "error.type"))
	}
	if _, ok := bad.children["clean"]; ok {
		t.Error("a stage after the failure was traced")
	}
	if p := bad.process; p.Status.Code != codes.Error || attr(p, "newsflow.outcome") != OutcomeDeadLettered || attr(p, "error.type") != processor.ClassInvalidJSON {
		t.Errorf("bad record span: status %v, attributes %v", p.Status, p.Attributes)
	}

	// Outputs: each carries its record span's traceparent, once.
	outs := sink.all()
	if len(outs) != 5 {
		t.Fatalf("%d outputs, want 2 enriched, 2 side outputs, 1 dead letter", len(outs))
	}
	for _, o := range outs {
		switch string(o.Key) {
		case "plain":
			wantTraceparent(t, o, tr[0].process.SpanContext)
		case "continued":
			wantTraceparent(t, o, tr[1].process.SpanContext)
			if header(o, "tracestate") != "pub=1" {
				t.Errorf("%s output: tracestate %q", o.Topic, header(o, "tracestate"))
			}
		default:
			if o.Topic != "dlq" {
				t.Fatalf("unexpected output %s %q", o.Topic, o.Key)
			}
			wantTraceparent(t, o, tr[2].process.SpanContext)
			if header(o, "x-app") != "kept" || header(o, HeaderErrorClass) != processor.ClassInvalidJSON {
				t.Errorf("dead letter headers %v", o.Headers)
			}
		}
	}
}

// A batch whose write fails for good is abandoned: its records' spans end
// with an error, and so do the write spans.
func TestTracingAbandonedBatch(t *testing.T) {
	sink := &fakeSink{write: func(int, []record.Record) error { return errors.New("sink closed") }}
	h, exp := tracedHarness(t, sink, record.Record{Value: article("a", "Text.")})
	close(h.src.claims[0].recs)
	_ = h.eng.Run(t.Context())
	tr := traces(t, exp)
	if len(tr) != 1 {
		t.Fatalf("%d record spans, want 1", len(tr))
	}
	p, w := tr[0].process, tr[0].children["newsflow.write"]
	if p.Status.Code != codes.Error || attr(p, "newsflow.outcome") != "abandoned" {
		t.Errorf("record span status %v outcome %q", p.Status, attr(p, "newsflow.outcome"))
	}
	if w.Status.Code != codes.Error || !strings.Contains(w.Status.Description, "sink closed") {
		t.Errorf("write span status %v", w.Status)
	}
}

// Without a tracer the outputs carry no trace header of newsflow's, and a
// record's own traceparent reaches only its dead letter (unchanged).
func TestNoTracerNoTraceHeaders(t *testing.T) {
	sink := &fakeSink{}
	h := newHarness(t, corePipeline(t), sink, nil,
		record.Record{Value: article("a", "Text."), Headers: []record.Header{{Key: "traceparent", Value: []byte(pubParent)}}})
	h.runUntilDone(t)
	for _, o := range sink.all() {
		if _, ok := o.Header("traceparent"); ok {
			t.Errorf("%s output has a traceparent with tracing off", o.Topic)
		}
	}
}
