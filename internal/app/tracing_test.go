package app_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// otlpReceiver is an OTLP/HTTP trace receiver on loopback that keeps every
// span it is sent, with its resource's service.name.
type otlpReceiver struct {
	mu       sync.Mutex
	spans    []*tracepb.Span
	services map[string]bool
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want protobuf on /v1/traces", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.Key == "service.name" {
				o.services[a.GetValue().GetStringValue()] = true
			}
		}
		for _, ss := range rs.ScopeSpans {
			o.spans = append(o.spans, ss.Spans...)
		}
	}
	o.mu.Unlock()
	resp, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(resp)
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.GetValue().GetStringValue()
		}
	}
	return ""
}

// traceparentOf is the traceparent naming span s.
func traceparentOf(s *tracepb.Span) string {
	return "00-" + hex.EncodeToString(s.TraceId) + "-" + hex.EncodeToString(s.SpanId) + "-01"
}

// With --otlp-endpoint, an instance on the embedded broker exports a span
// per record with a child per stage and the write; a record's traceparent
// is continued; enriched records, dead letters and side outputs carry the
// record span's traceparent.
func TestTracingEndToEnd(t *testing.T) {
	recv := &otlpReceiver{services: map[string]bool{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()

	tp := newTopics(t)
	s := tp.settings("a")
	s.OTLPEndpoint = srv.URL
	in, ids := articles(t, 3)
	const (
		pubTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		pubSpan  = "00f067aa0ba902b7"
	)
	pub := []kafka.Header{{Key: "traceparent", Value: []byte("00-" + pubTrace + "-" + pubSpan + "-01")}}
	in[0].Headers = pub
	bad := kafka.Message{Key: []byte("bad"), Value: []byte(`{"id": "bad", "body": `), Headers: pub}
	r := start(t, s)
	testkafka.Produce(t, tp.brokers, tp.in, append(in, bad)...)
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, coversAll(ids))
	dlq := testkafka.ReadUntil(t, tp.brokers, tp.dlq, 30*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 1 })
	mentions := testkafka.ReadUntil(t, tp.brokers, s.Mentions(), 30*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 1 })
	stages := r.Stages()
	if err := r.Shutdown(); err != nil { // flushes the spans
		t.Fatal(err)
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if !recv.services["newsflow"] {
		t.Errorf("service names %v, want newsflow", recv.services)
	}
	process := map[string]*tracepb.Span{}       // by span id
	children := map[string]map[string]bool{}    // record span id -> child names
	byArticle := map[string]*tracepb.Span{}     // article id -> record span
	byTraceparent := map[string]*tracepb.Span{} // traceparent -> record span
	mentionSpans := 0
	for _, sp := range recv.spans {
		if sp.Name == "newsflow.process" && spanAttr(sp, "messaging.source.name") == s.Mentions() {
			// The trends stage's span of a mention record: in the trace
			// of the article it came from.
			mentionSpans++
			id := hex.EncodeToString(sp.SpanId)
			children[id] = map[string]bool{}
			continue
		}
		if sp.Name == "newsflow.process" {
			id := hex.EncodeToString(sp.SpanId)
			process[id] = sp
			children[id] = map[string]bool{}
			byTraceparent[traceparentOf(sp)] = sp
			if a := spanAttr(sp, "newsflow.article.id"); a != "" {
				byArticle[a] = sp
			}
		}
	}
	for _, sp := range recv.spans {
		if c := children[hex.EncodeToString(sp.ParentSpanId)]; c != nil {
			c[sp.Name] = true
		}
	}
	t.Logf("%d spans received; %d enriched, %d dead letters, %d mentions read", len(recv.spans), len(out), len(dlq), len(mentions))
	if len(process) != 4 {
		t.Fatalf("%d record spans of the input, want 4 (3 articles, 1 malformed)", len(process))
	}
	if mentionSpans == 0 {
		t.Error("the trends stage traced no mention record")
	}
	for _, sp := range recv.spans {
		if sp.Name == "newsflow.process" && spanAttr(sp, "messaging.source.name") == s.Mentions() && process[hex.EncodeToString(sp.ParentSpanId)] == nil {
			t.Errorf("a mention record's span is not under the span of the article it came from")
			break
		}
	}
	for id := range ids {
		sp := byArticle[id]
		if sp == nil {
			t.Fatalf("no record span for article %s", id)
		}
		c := children[hex.EncodeToString(sp.SpanId)]
		for _, st := range append(stages, "newsflow.write") {
			if !c[st] {
				t.Errorf("article %s: no %q span under the record's span (has %v)", id, st, c)
			}
		}
	}
	first := byArticle[string(in[0].Key)]
	if hex.EncodeToString(first.TraceId) != pubTrace || hex.EncodeToString(first.ParentSpanId) != pubSpan {
		t.Errorf("the traced record's span is in trace %x under %x, want the publisher's %s under %s", first.TraceId, first.ParentSpanId, pubTrace, pubSpan)
	}

	// Every output names its record's span.
	for _, m := range out {
		if sp := byTraceparent[testkafka.Header(m, "traceparent")]; sp == nil || spanAttr(sp, "newsflow.article.id") != string(m.Key) {
			t.Errorf("enriched %s: traceparent %q names no record span of it", m.Key, testkafka.Header(m, "traceparent"))
		}
	}
	for _, m := range append(dlq, mentions...) {
		tpar := testkafka.Header(m, "traceparent")
		if byTraceparent[tpar] == nil {
			t.Errorf("%s record %q: traceparent %q names no record span", m.Topic, m.Key, tpar)
		}
	}
	if tpar := testkafka.Header(dlq[0], "traceparent"); !strings.Contains(tpar, pubTrace) {
		t.Errorf("dead letter traceparent %q is not in the publisher's trace", tpar)
	}
}

// --otlp-endpoint takes an http(s) base URL; spans go to its /v1/traces.
func TestOTLPEndpointSetting(t *testing.T) {
	for _, tt := range []struct {
		v   string
		ok  bool
		url string
	}{
		{"http://localhost:4318", true, "http://localhost:4318/v1/traces"},
		{"https://otel.example:4318/base/", true, "https://otel.example:4318/base/v1/traces"},
		{"localhost:4318", false, ""},
		{"grpc://localhost:4317", false, ""},
		{"http://", false, ""},
	} {
		s := app.DefaultSettings()
		s.Brokers = []string{"127.0.0.1:9092"}
		s.OTLPEndpoint = tt.v
		err := s.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%q: Validate() = %v, want ok %v", tt.v, err, tt.ok)
		}
		if tt.ok && s.OTLPTracesURL() != tt.url {
			t.Errorf("%q: traces URL %q, want %q", tt.v, s.OTLPTracesURL(), tt.url)
		}
	}
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	s := app.DefaultSettings()
	if s.TracingOn(getenv) {
		t.Error("tracing on by default")
	}
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4318"
	if !s.TracingOn(getenv) {
		t.Error("OTEL_EXPORTER_OTLP_ENDPOINT does not turn tracing on")
	}
	env["OTEL_SDK_DISABLED"] = "true"
	if s.TracingOn(getenv) {
		t.Error("OTEL_SDK_DISABLED=true does not turn tracing off")
	}
}
