package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// fakeClaim is a consumer.Claim fed by the test.
type fakeClaim struct {
	topic string
	part  int
	recs  chan record.Record
	mu    sync.Mutex
	done  []int64
}

func (c *fakeClaim) Topic() string                 { return c.topic }
func (c *fakeClaim) Partition() int                { return c.part }
func (c *fakeClaim) Records() <-chan record.Record { return c.recs }
func (c *fakeClaim) Done(r record.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = append(c.done, r.Offset)
}

func (c *fakeClaim) doneOffsets() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.done...)
}

// fakeSource hands its claims to the engine and reports each handler's
// error; it implements SourceStatus.
type fakeSource struct {
	claims []*fakeClaim
	mu     sync.Mutex
	errs   []error
	joined bool
	lag    int64
}

func (s *fakeSource) Run(ctx context.Context, h consumer.Handler) error {
	var wg sync.WaitGroup
	for _, c := range s.claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := h.HandleClaim(ctx, c)
			s.mu.Lock()
			s.errs = append(s.errs, err)
			s.mu.Unlock()
			for range c.recs {
			}
		}()
	}
	wg.Wait()
	return nil
}

func (s *fakeSource) Joined() (bool, string) { return s.joined, "test says so" }
func (s *fakeSource) FetchFailing() bool     { return false }
func (s *fakeSource) Lag() int64             { return s.lag }

func (s *fakeSource) handlerErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []error
	for _, e := range s.errs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// fakeSink records every write; write, if set, decides each call's fate.
type fakeSink struct {
	mu      sync.Mutex
	calls   [][]record.Record
	write   func(call int, recs []record.Record) error
	failing string
}

func (s *fakeSink) Write(ctx context.Context, recs []record.Record) error {
	s.mu.Lock()
	n := len(s.calls)
	s.calls = append(s.calls, append([]record.Record(nil), recs...))
	w := s.write
	s.mu.Unlock()
	if w != nil {
		return w(n, recs)
	}
	return nil
}

func (s *fakeSink) Failing() (bool, string) { return s.failing != "", s.failing }

func (s *fakeSink) all() []record.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []record.Record
	for _, c := range s.calls {
		out = append(out, c...)
	}
	return out
}

func (s *fakeSink) ok(topic string) []record.Record {
	var out []record.Record
	for _, r := range s.all() {
		if r.Topic == topic {
			out = append(out, r)
		}
	}
	return out
}

func header(r record.Record, k string) string {
	v, _ := r.Header(k)
	return string(v)
}

func corePipeline(t *testing.T, extra ...processor.Processor) *processor.Pipeline {
	t.Helper()
	stages := []processor.Processor{processor.NewDecode(processor.DecodeOptions{MaxBytes: 4096}), processor.NewClean()}
	stages = append(stages, extra...)
	stages = append(stages, processor.NewStats())
	p, err := processor.NewPipeline(stages)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func article(id, body string) []byte {
	b, _ := json.Marshal(map[string]string{"id": id, "body": body})
	return b
}

// run feeds recs into one claim, runs the engine until the claim is
// drained (or stop returns true), and returns what happened.
type harness struct {
	src  *fakeSource
	sink *fakeSink
	eng  *Engine
	m    *Metrics
}

func newHarness(t *testing.T, pipe *processor.Pipeline, sink *fakeSink, mod func(*Config), recs ...record.Record) *harness {
	t.Helper()
	cl := &fakeClaim{topic: "in", part: 0, recs: make(chan record.Record, len(recs)+1)}
	for i, r := range recs {
		r.Topic, r.Partition, r.Offset = "in", 0, int64(i)
		if r.Time.IsZero() {
			r.Time = time.Now()
		}
		cl.recs <- r
	}
	src := &fakeSource{claims: []*fakeClaim{cl}, joined: true}
	m := newMetrics()
	cfg := Config{Inputs: []string{"in"}, Output: "out", DLQ: "dlq", Workers: 2, BatchSize: 3, MaxMessageBytes: 2000, Metrics: m}
	if mod != nil {
		mod(&cfg)
	}
	eng, err := New(cfg, pipe, src, sink)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{src: src, sink: sink, eng: eng, m: m}
}

// runUntilDone closes the claim once every record was offered and runs the
// engine to completion.
func (h *harness) runUntilDone(t *testing.T) {
	t.Helper()
	close(h.src.claims[0].recs)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.eng.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOrderedOutputsAndDoneOnlyAfterTheWrite(t *testing.T) {
	sink := &fakeSink{}
	var recs []record.Record
	for i := range 10 {
		recs = append(recs, record.Record{Key: []byte(fmt.Sprint(i)), Value: article(fmt.Sprintf("a%d", i), "Some text here.")})
	}
	h := newHarness(t, corePipeline(t), sink, nil, recs...)
	// Every Write must happen before the records it carries are Done.
	sink.write = func(call int, rs []record.Record) error {
		done := h.src.claims[0].doneOffsets()
		for _, r := range rs {
			var a struct {
				SourcePosition struct{ Offset int64 } `json:"source_position"`
			}
			_ = json.Unmarshal(r.Value, &a)
			for _, d := range done {
				if d == a.SourcePosition.Offset {
					t.Errorf("offset %d was Done before its output was written", d)
				}
			}
		}
		return nil
	}
	h.runUntilDone(t)
	out := sink.ok("out")
	if len(out) != 10 {
		t.Fatalf("wrote %d enriched records, want 10", len(out))
	}
	for i, r := range out {
		if string(r.Key) != fmt.Sprintf("a%d", i) {
			t.Errorf("output %d has key %s: order per partition broken", i, r.Key)
		}
		if header(r, HeaderSchema) != "1" || header(r, HeaderContentType) != "application/json" {
			t.Errorf("output headers = %v", r.Headers)
		}
	}
	if got := h.src.claims[0].doneOffsets(); len(got) != 10 {
		t.Errorf("done = %v", got)
	}
	if h.eng.Finished() != 10 || testutil.ToFloat64(h.m.Records.WithLabelValues(OutcomeEnriched)) != 10 {
		t.Errorf("finished %d, enriched metric %v", h.eng.Finished(), testutil.ToFloat64(h.m.Records.WithLabelValues(OutcomeEnriched)))
	}
	if testutil.ToFloat64(h.m.InFlight) != 0 {
		t.Errorf("in-flight gauge = %v after the end", testutil.ToFloat64(h.m.InFlight))
	}
}

func TestDeadLettersKeepTheOriginalBytes(t *testing.T) {
	sink := &fakeSink{}
	h := newHarness(t, corePipeline(t), sink, nil,
		record.Record{Key: []byte("e"), Value: []byte{}},
		record.Record{Key: []byte("n"), Value: nil},
		record.Record{Key: []byte("j"), Value: []byte(`{"id": broken`), Headers: []record.Header{{Key: "trace", Value: []byte("t1")}}},
	)
	h.runUntilDone(t)
	dl := sink.ok("dlq")
	if len(dl) != 3 {
		t.Fatalf("%d dead letters, want 3", len(dl))
	}
	if dl[0].Value == nil || len(dl[0].Value) != 0 {
		t.Errorf("empty value dead-lettered as %#v, want empty (not null)", dl[0].Value)
	}
	if dl[1].Value != nil {
		t.Errorf("null value dead-lettered as %#v, want null", dl[1].Value)
	}
	if string(dl[2].Value) != `{"id": broken` || header(dl[2], "trace") != "t1" {
		t.Errorf("dead letter lost the original value or headers: %q %v", dl[2].Value, dl[2].Headers)
	}
	for _, r := range dl {
		for _, k := range []string{HeaderError, HeaderErrorClass, HeaderStage, HeaderSourceTopic, HeaderSourcePart, HeaderSourceOffset, HeaderSourceTime} {
			if header(r, k) == "" {
				t.Errorf("dead letter %s lacks header %s", r.Key, k)
			}
		}
	}
	if c := header(dl[2], HeaderErrorClass); c != processor.ClassInvalidJSON {
		t.Errorf("class = %s", c)
	}
	if got := testutil.ToFloat64(h.m.DLQRecords.WithLabelValues(processor.ClassMissingBody)); got != 2 {
		t.Errorf("dlq missing_body = %v", got)
	}
}

func TestADeadLetterAlwaysFits(t *testing.T) {
	sink := &fakeSink{}
	big := bytes.Repeat([]byte("a"), 5000) // over the 4096 record limit and the 2000 output limit
	h := newHarness(t, corePipeline(t), sink, nil,
		record.Record{Key: []byte("big"), Value: big},
		record.Record{Key: []byte("ok"), Value: article("ok", "Fine.")},
	)
	h.runUntilDone(t)
	dl := sink.ok("dlq")
	if len(dl) != 1 {
		t.Fatalf("%d dead letters", len(dl))
	}
	if s := dl[0].Size(); s > 2000 {
		t.Errorf("dead letter of %d bytes over the 2000-byte limit", s)
	}
	if header(dl[0], HeaderTruncated) != "true" || header(dl[0], HeaderOriginalBytes) != "5000" || len(header(dl[0], HeaderOriginalSHA256)) != 64 {
		t.Errorf("truncation headers = %v", dl[0].Headers)
	}
	if !bytes.HasPrefix(big, dl[0].Value) || len(dl[0].Value) == 0 {
		t.Errorf("truncated value is not a prefix of the original")
	}
	if len(sink.ok("out")) != 1 {
		t.Errorf("the good record after the big one was not enriched: the partition stalled")
	}
	if testutil.ToFloat64(h.m.Truncated.WithLabelValues("dead_letter")) != 1 {
		t.Error("truncated dead letter not counted")
	}
}

func TestOversizeOutputIsCutToFit(t *testing.T) {
	sink := &fakeSink{}
	h := newHarness(t, corePipeline(t), sink, func(c *Config) { c.MaxMessageBytes = 1200 },
		record.Record{Key: []byte("long"), Value: article("long", strings.Repeat("A sentence of news text. ", 150))})
	h.runUntilDone(t)
	out := sink.ok("out")
	if len(out) != 1 {
		t.Fatalf("%d outputs, dead letters %d", len(out), len(sink.ok("dlq")))
	}
	if s := out[0].Size(); s > 1200 {
		t.Errorf("output of %d bytes over the limit", s)
	}
	var a struct {
		Text      string
		Truncated struct {
			Fields             []string
			OriginalCharacters int `json:"original_characters"`
		}
	}
	if err := json.Unmarshal(out[0].Value, &a); err != nil {
		t.Fatal(err)
	}
	if a.Truncated.OriginalCharacters == 0 || len(a.Text) >= a.Truncated.OriginalCharacters {
		t.Errorf("truncated = %+v, text %d chars", a.Truncated, len(a.Text))
	}
}

func TestRejectedOutputIsDeadLetteredWithTheProducersClass(t *testing.T) {
	sink := &fakeSink{}
	sink.write = func(call int, rs []record.Record) error {
		if call != 0 {
			return nil
		}
		errs := make([]error, len(rs))
		errs[1] = &producer.WriteError{Topic: "out", Class: producer.ClassInvalidRecord, Err: errors.New("broker says no")}
		return &producer.RejectedError{Errs: errs}
	}
	h := newHarness(t, corePipeline(t), sink, nil,
		record.Record{Value: article("a", "One.")}, record.Record{Value: article("b", "Two.")}, record.Record{Value: article("c", "Three.")})
	h.runUntilDone(t)
	dl := sink.ok("dlq")
	if len(dl) != 1 || header(dl[0], HeaderErrorClass) != producer.ClassInvalidRecord || header(dl[0], HeaderStage) != "produce" {
		t.Fatalf("dead letters = %+v", dl)
	}
	if len(h.src.claims[0].doneOffsets()) != 3 {
		t.Errorf("done = %v, want all 3", h.src.claims[0].doneOffsets())
	}
}

func TestRefusedDeadLetterStopsTheClaimWithNothingDone(t *testing.T) {
	sink := &fakeSink{}
	sink.write = func(call int, rs []record.Record) error {
		errs := make([]error, len(rs))
		for i, r := range rs {
			if r.Topic == "dlq" {
				errs[i] = &producer.WriteError{Topic: "dlq", Class: producer.ClassTooLarge, Err: errors.New("too large")}
			}
		}
		for _, e := range errs {
			if e != nil {
				return &producer.RejectedError{Errs: errs}
			}
		}
		return nil
	}
	h := newHarness(t, corePipeline(t), sink, nil,
		record.Record{Value: []byte("{bad")}, record.Record{Value: article("b", "Two.")}, record.Record{Value: article("c", "Three.")},
		record.Record{Value: article("d", "Four.")})
	h.runUntilDone(t)
	if errs := h.src.handlerErrors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "refused") {
		t.Fatalf("handler errors = %v, want the refused dead letter", errs)
	}
	if d := h.src.claims[0].doneOffsets(); len(d) != 0 {
		t.Errorf("done %v after a failed write: nothing of it or later may be committed", d)
	}
	if testutil.ToFloat64(h.m.WriteFailures) != 1 {
		t.Errorf("write failures = %v", testutil.ToFloat64(h.m.WriteFailures))
	}
}

func TestShutdownDeadlineLeavesUnwrittenRecordsUndone(t *testing.T) {
	sink := &fakeSink{}
	block := make(chan struct{})
	sink.write = func(int, []record.Record) error {
		<-block
		return errors.New("producer: unacknowledged at cancel: context canceled")
	}
	h := newHarness(t, corePipeline(t), sink, nil, record.Record{Value: article("a", "One.")}, record.Record{Value: article("b", "Two.")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(ctx) }()
	waitFor(t, func() bool { return len(sink.all()) > 0 })
	cancel()
	close(block)
	close(h.src.claims[0].recs)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := h.src.claims[0].doneOffsets(); len(d) != 0 {
		t.Errorf("done %v although nothing was acknowledged", d)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAStuckPartitionIsReportedAndNotReady(t *testing.T) {
	sink := &fakeSink{}
	release := make(chan struct{})
	sink.write = func(int, []record.Record) error { <-release; return nil }
	h := newHarness(t, corePipeline(t), sink, func(c *Config) { c.StuckTimeout = 50 * time.Millisecond },
		record.Record{Value: article("a", "One.")})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(ctx) }()
	waitFor(t, func() bool { ok, _ := h.eng.Ready(); return !ok })
	ok, why := h.eng.Ready()
	if ok || !strings.Contains(why, "stuck") || !strings.Contains(why, "in/0") {
		t.Errorf("Ready = %v %q", ok, why)
	}
	if testutil.ToFloat64(h.m.StuckPartitions) != 1 {
		t.Errorf("stuck gauge = %v", testutil.ToFloat64(h.m.StuckPartitions))
	}
	close(release)
	waitFor(t, func() bool { ok, _ := h.eng.Ready(); return ok })
	if testutil.ToFloat64(h.m.StuckPartitions) != 0 {
		t.Errorf("stuck gauge = %v after the write went through", testutil.ToFloat64(h.m.StuckPartitions))
	}
	close(h.src.claims[0].recs)
	cancel()
	<-done
}

func TestReadinessReasons(t *testing.T) {
	sink := &fakeSink{}
	h := newHarness(t, corePipeline(t), sink, func(c *Config) { c.StallTimeout = time.Millisecond })
	if ok, why := h.eng.Ready(); !ok {
		t.Errorf("fresh engine not ready: %s", why)
	}
	h.src.joined = false
	if ok, why := h.eng.Ready(); ok || !strings.Contains(why, "consumer-group") || !strings.Contains(why, "test says so") {
		t.Errorf("not joined: %v %q", ok, why)
	}
	h.src.joined = true
	sink.failing = "authorization: topic out"
	if ok, why := h.eng.Ready(); ok || !strings.Contains(why, "authorization") {
		t.Errorf("sink failing: %v %q", ok, why)
	}
	sink.failing = ""
	h.src.lag = 5
	time.Sleep(5 * time.Millisecond)
	if ok, why := h.eng.Ready(); ok || !strings.Contains(why, "stalled") {
		t.Errorf("stalled: %v %q", ok, why)
	}
}

func TestSideOutputsTravelBeforeTheirRecordInTheSameWrite(t *testing.T) {
	sink := &fakeSink{}
	emit := processor.Func("emit", func(_ context.Context, a *processor.Article) error {
		a.Emit(record.Record{Topic: "state", Key: []byte("fp:" + a.ID), Value: []byte("x")})
		if a.ID == "bad" {
			a.Emit(record.Record{Key: []byte("no topic")})
		}
		return nil
	})
	h := newHarness(t, corePipeline(t, emit), sink, nil,
		record.Record{Value: article("a", "One.")}, record.Record{Value: article("bad", "Two.")})
	h.runUntilDone(t)
	all := sink.all()
	if len(all) != 3 || all[0].Topic != "state" || string(all[0].Key) != "fp:a" || all[1].Topic != "out" || all[2].Topic != "dlq" {
		for _, r := range all {
			t.Logf("%s %s", r.Topic, r.Key)
		}
		t.Fatal("want state(a), out(a), dlq(bad)")
	}
	if len(sink.calls) != 1 {
		t.Errorf("%d writes, want one ordered write for the batch", len(sink.calls))
	}
	if testutil.ToFloat64(h.m.SideOutputs.WithLabelValues("state")) != 1 {
		t.Error("side output not counted")
	}
}

func TestConfigErrors(t *testing.T) {
	pipe := corePipeline(t)
	src, sink := &fakeSource{}, &fakeSink{}
	for _, c := range []Config{
		{Output: "o", DLQ: "d"},
		{Inputs: []string{"o"}, Output: "o", DLQ: "d"},
		{Inputs: []string{"i"}, Output: "o"},
	} {
		if _, err := New(c, pipe, src, sink); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
	if _, err := New(Config{Inputs: []string{"i"}, Output: "o", DLQ: "d"}, nil, src, sink); err == nil {
		t.Error("nil pipeline accepted")
	}
}

func TestPanicsTimeoutsAndFilteredRecords(t *testing.T) {
	sink := &fakeSink{}
	crash := processor.Func("crash", func(_ context.Context, a *processor.Article) error {
		if a.ID == "boom" {
			panic("processor bug")
		}
		return nil
	})
	drop := processor.Processor(dropper{})
	stages := []processor.Processor{processor.NewDecode(processor.DecodeOptions{}), crash, drop, processor.NewStats()}
	pipe, err := processor.NewPipeline(stages)
	if err != nil {
		t.Fatal(err)
	}
	var observed []string
	var mu sync.Mutex
	h := newHarness(t, pipe, sink, func(c *Config) {
		c.Observe = func(a *processor.Article) {
			mu.Lock()
			observed = append(observed, a.ID)
			mu.Unlock()
			if a.Tokens != nil || a.Raw != nil {
				t.Error("observer got the working buffers")
			}
		}
	},
		record.Record{Value: article("boom", "x")}, record.Record{Value: article("drop", "y")}, record.Record{Value: article("ok", "z")})
	h.runUntilDone(t)
	dl := sink.ok("dlq")
	if len(dl) != 1 || header(dl[0], HeaderErrorClass) != processor.ClassPanic || header(dl[0], HeaderStage) != "crash" {
		t.Fatalf("dead letters = %v", dl)
	}
	if got := testutil.ToFloat64(h.m.Records.WithLabelValues(OutcomeFiltered)); got != 1 {
		t.Errorf("filtered = %v", got)
	}
	if len(observed) != 1 || observed[0] != "ok" {
		t.Errorf("observed %v", observed)
	}
	if len(h.src.claims[0].doneOffsets()) != 3 {
		t.Errorf("done %v", h.src.claims[0].doneOffsets())
	}
}

type dropper struct{}

func (dropper) Name() string { return "drop" }
func (dropper) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	if a.ID == "drop" {
		return nil, nil
	}
	return []*processor.Article{a}, nil
}
func (dropper) Close(context.Context) error { return nil }

// hook records the order of claim events and processing.
type hook struct {
	mu     sync.Mutex
	events []string
	fail   error
}

func (h *hook) add(e string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e)
}

func (h *hook) BeginClaim(ctx context.Context, topic string, p int) error {
	time.Sleep(50 * time.Millisecond) // a restore takes a while
	h.add(fmt.Sprintf("begin %s/%d", topic, p))
	return h.fail
}

func (h *hook) EndClaim(topic string, p int) { h.add(fmt.Sprintf("end %s/%d", topic, p)) }

func TestClaimHooksRunBeforeTheFirstRecordAndAfterTheLastWrite(t *testing.T) {
	hk := &hook{}
	sink := &fakeSink{}
	sink.write = func(int, []record.Record) error {
		hk.add("write")
		return nil
	}
	h := newHarness(t, corePipeline(t), sink, func(c *Config) { c.ClaimHooks = []ClaimHook{hk} },
		record.Record{Value: article("a", "Text.")}, record.Record{Value: article("b", "Text.")})
	h.runUntilDone(t)
	if len(hk.events) < 3 || hk.events[0] != "begin in/0" || hk.events[len(hk.events)-1] != "end in/0" {
		t.Fatalf("events = %v: the restore must come first and the end last", hk.events)
	}

	// A failed restore ends the claim with its error and processes nothing.
	hk2 := &hook{fail: errors.New("changelog unreadable")}
	sink2 := &fakeSink{}
	h2 := newHarness(t, corePipeline(t), sink2, func(c *Config) { c.ClaimHooks = []ClaimHook{hk2} },
		record.Record{Value: article("a", "Text.")})
	close(h2.src.claims[0].recs)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = h2.eng.Run(ctx)
	errs := h2.src.handlerErrors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "changelog unreadable") {
		t.Fatalf("claim errors = %v", errs)
	}
	if len(sink2.all()) != 0 || len(h2.src.claims[0].doneOffsets()) != 0 {
		t.Fatal("records were processed after a failed restore")
	}
}

// A record the pipeline filters out is not published, but the side outputs
// its stages emitted before (state updates, repartitioned records) are, in
// the batch's ordered write.
func TestSideOutputsOfAFilteredRecordAreWritten(t *testing.T) {
	sink := &fakeSink{}
	emitThenDrop := &emitDropper{}
	h := newHarness(t, corePipeline(t, emitThenDrop), sink, nil,
		record.Record{Value: article("keep", "One.")}, record.Record{Value: article("drop", "Two.")})
	h.runUntilDone(t)
	var got []string
	for _, r := range sink.all() {
		got = append(got, r.Topic+":"+string(r.Key))
	}
	if strings.Join(got, " ") != "state:keep out:keep state:drop" {
		t.Fatalf("written %v, want the filtered record's side output and no output of it", got)
	}
	if testutil.ToFloat64(h.m.Records.WithLabelValues(OutcomeFiltered)) != 1 || testutil.ToFloat64(h.m.SideOutputs.WithLabelValues("state")) != 2 {
		t.Error("filtered outcome or side outputs not counted")
	}
	if len(h.src.claims[0].doneOffsets()) != 2 {
		t.Error("both records must be done")
	}
}

type emitDropper struct{}

func (emitDropper) Name() string                { return "emitDropper" }
func (emitDropper) Close(context.Context) error { return nil }
func (emitDropper) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	a.Emit(record.Record{Topic: "state", Key: []byte(a.ID)})
	if a.ID == "drop" {
		return nil, nil
	}
	return []*processor.Article{a}, nil
}
