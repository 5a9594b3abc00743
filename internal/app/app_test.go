package app_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/apptest"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/schema"
)

// topics names the topics and group of one test.
type topics struct {
	brokers           []string
	in, out, dlq, grp string
}

func newTopics(t *testing.T) topics {
	tp := topics{
		brokers: testkafka.Brokers(t),
		in:      testkafka.Name(t, "in"), out: testkafka.Name(t, "out"), dlq: testkafka.Name(t, "dlq"),
		grp: testkafka.Name(t, "group"),
	}
	testkafka.CreateTopics(t, tp.brokers, 3, tp.in, tp.out, tp.dlq)
	return tp
}

func (tp topics) settings(instance string) app.Settings {
	return apptest.Settings(tp.brokers, tp.in, tp.out, tp.dlq, tp.grp, instance)
}

// start runs an instance for the test; with -v its warnings go to the
// test log.
func start(t *testing.T, s app.Settings) *apptest.Running {
	t.Helper()
	var log *slog.Logger
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return apptest.Start(t, s, log)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// articles makes n distinct JSON articles from the bundled samples.
func articles(t *testing.T, n int) ([]kafka.Message, map[string]bool) {
	t.Helper()
	recs, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		var a map[string]any
		if err := json.Unmarshal(recs[i%len(recs)].Value, &a); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("%s-%d", a["id"], i)
		a["id"] = id
		v, _ := json.Marshal(a)
		msgs[i] = kafka.Message{Key: []byte(id), Value: v, Time: time.Now()}
		ids[id] = true
	}
	return msgs, ids
}

func outputIDs(t *testing.T, msgs []kafka.Message) (ids map[string]int) {
	t.Helper()
	ids = map[string]int{}
	for _, m := range msgs {
		var a struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatalf("output at %d/%d is not JSON: %v", m.Partition, m.Offset, err)
		}
		if string(m.Key) != a.ID {
			t.Errorf("output key %q differs from id %q", m.Key, a.ID)
		}
		ids[a.ID]++
	}
	return ids
}

func coversAll(want map[string]bool) func([]kafka.Message) bool {
	return func(ms []kafka.Message) bool {
		if len(ms) < len(want) {
			return false
		}
		seen := map[string]bool{}
		for _, m := range ms {
			seen[string(m.Key)] = true
		}
		for id := range want {
			if !seen[id] {
				return false
			}
		}
		return true
	}
}

// waitCommitted waits until the group's committed offsets reach the end of
// every input partition.
func waitCommitted(t *testing.T, tp topics) {
	t.Helper()
	end := testkafka.EndOffsets(t, tp.brokers, tp.in)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := testkafka.Committed(t, tp.brokers, tp.grp, tp.in)
		ok := true
		for p, e := range end {
			if e > 0 && c[p] != e {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("committed offsets %v never reached the end offsets %v", c, end)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Scenario 1: N articles in, exactly the N ids out, each valid against the
// output schema, keyed by id, with its source position.
func TestArticlesInEnrichedOut(t *testing.T) {
	tp := newTopics(t)
	const n = 300
	in, ids := articles(t, n)
	start(t, tp.settings("a"))
	testkafka.Produce(t, tp.brokers, tp.in, in...)

	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, coversAll(ids))
	got := outputIDs(t, out)
	if len(got) != n {
		t.Fatalf("got %d distinct ids out, want %d", len(got), n)
	}
	for id, c := range got {
		if !ids[id] {
			t.Errorf("unexpected id %q in output", id)
		}
		if c != 1 {
			t.Errorf("id %q appears %d times", id, c)
		}
	}
	v, err := schema.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out {
		if err := v.Validate(m.Value); err != nil {
			t.Fatalf("output %s does not match the schema: %v", m.Key, err)
		}
		var a processor.Article
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		if a.SourcePos.Topic != tp.in || a.Stats.Words == 0 || a.Text == "" {
			t.Fatalf("output %s lacks source position or text: %+v", m.Key, a.SourcePos)
		}
	}
	waitCommitted(t, tp)
}

// Scenario 2: every kind of malformed record goes to the DLQ once, with its
// reason; the good records around it are unaffected; commits reach the end.
func TestMalformedRecordsAreDeadLettered(t *testing.T) {
	tp := newTopics(t)
	s := tp.settings("a")
	s.MaxRecordBytes = 4096
	good, ids := articles(t, 6)
	for i := range good { // keep them under the test's size limit
		var a map[string]any
		_ = json.Unmarshal(good[i].Value, &a)
		a["body"] = fmt.Sprintf("Article number %d.\n\nIt has two paragraphs.", i)
		good[i].Value, _ = json.Marshal(a)
	}
	bad := []struct {
		key, value, class string
	}{
		{"bad-json", `{"id": "x", "body": "unterminated`, processor.ClassInvalidJSON},
		{"bad-nobody", `{"id": "y", "title": "no body"}`, processor.ClassMissingBody},
		{"bad-empty-body", `{"id": "z", "body": "   "}`, processor.ClassMissingBody},
		{"bad-empty", ``, processor.ClassMissingBody},
		{"bad-utf8", "text \xff\xfe broken", processor.ClassInvalidUTF8},
		{"bad-type", `{"body": ["not", "a", "string"]}`, processor.ClassInvalidField},
		{"bad-large", strings.Repeat("word ", 2000), processor.ClassTooLarge},
	}
	var msgs []kafka.Message
	for i, b := range bad {
		msgs = append(msgs, good[i%len(good)], kafka.Message{Key: []byte(b.key), Value: []byte(b.value), Time: time.Now()})
	}
	start(t, s)
	testkafka.Produce(t, tp.brokers, tp.in, msgs...)

	dlq := testkafka.ReadUntil(t, tp.brokers, tp.dlq, 60*time.Second, func(ms []kafka.Message) bool { return len(ms) >= len(bad) })
	if len(dlq) != len(bad) {
		t.Fatalf("got %d dead letters, want %d", len(dlq), len(bad))
	}
	byKey := map[string]kafka.Message{}
	for _, m := range dlq {
		byKey[string(m.Key)] = m
	}
	for _, b := range bad {
		m, ok := byKey[b.key]
		if !ok {
			t.Errorf("no dead letter for %s", b.key)
			continue
		}
		if string(m.Value) != b.value {
			t.Errorf("%s: dead letter value changed", b.key)
		}
		if got := testkafka.Header(m, engine.HeaderErrorClass); got != b.class {
			t.Errorf("%s: class %q, want %q (error: %s)", b.key, got, b.class, testkafka.Header(m, engine.HeaderError))
		}
		for _, h := range []string{engine.HeaderError, engine.HeaderStage, engine.HeaderSourceTopic, engine.HeaderSourcePart, engine.HeaderSourceOffset} {
			if testkafka.Header(m, h) == "" {
				t.Errorf("%s: header %s missing", b.key, h)
			}
		}
		if testkafka.Header(m, engine.HeaderSourceTopic) != tp.in {
			t.Errorf("%s: source topic header %q", b.key, testkafka.Header(m, engine.HeaderSourceTopic))
		}
	}
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 30*time.Second, coversAll(ids))
	if got := outputIDs(t, out); len(got) != len(ids) {
		t.Fatalf("good records: got %d ids out, want %d", len(got), len(ids))
	}
	waitCommitted(t, tp)
}

// Scenario 3: stop an instance mid-stream, start another in the same group:
// every id comes out at least once; duplicates are counted and reported.
func TestRestartMidStreamLosesNothing(t *testing.T) {
	tp := newTopics(t)
	const n = 3000
	in, ids := articles(t, n)
	testkafka.Produce(t, tp.brokers, tp.in, in...)

	// A small in-flight window, so most records are still unfetched when
	// the first instance stops.
	s1 := tp.settings("first")
	s1.MaxInFlight, s1.BatchSize = 50, 20
	first := start(t, s1)
	testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, func(ms []kafka.Message) bool { return len(ms) >= n/5 })
	if err := first.Shutdown(); err != nil {
		t.Fatalf("first instance: %v", err)
	}
	stoppedAt := len(testkafka.ReadUntil(t, tp.brokers, tp.out, 2*time.Second, func([]kafka.Message) bool { return false }))

	start(t, tp.settings("second"))
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 90*time.Second, coversAll(ids))
	got := outputIDs(t, out)
	dups := 0
	for id := range ids {
		if got[id] == 0 {
			t.Errorf("id %s never came out", id)
		}
		dups += max(0, got[id]-1)
	}
	t.Logf("%d articles; first instance finished %d before stopping; %d outputs in all, %d duplicates", n, stoppedAt, len(out), dups)
	if stoppedAt >= n {
		t.Errorf("the first instance finished everything: the test did not stop it mid-stream")
	}
	waitCommitted(t, tp)
}

// Scenario 4: two instances in one group split the partitions and together
// cover every id.
func TestTwoInstancesSplitPartitions(t *testing.T) {
	tp := newTopics(t)
	const n = 1500
	in, ids := articles(t, n)
	a := start(t, tp.settings("alpha"))
	b := start(t, tp.settings("beta"))
	// Let both join before the data arrives, so both get partitions.
	deadline := time.Now().Add(30 * time.Second)
	for !(assigned(a) > 0 && assigned(b) > 0) {
		if time.Now().After(deadline) {
			t.Fatalf("both instances never had partitions: alpha %v, beta %v", assigned(a), assigned(b))
		}
		time.Sleep(50 * time.Millisecond)
	}
	testkafka.Produce(t, tp.brokers, tp.in, in...)
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, coversAll(ids))
	got := outputIDs(t, out)
	byInstance := map[string]int{}
	var mu sync.Mutex
	for _, m := range out {
		var a processor.Article
		_ = json.Unmarshal(m.Value, &a)
		mu.Lock()
		byInstance[a.Processing.Instance]++
		mu.Unlock()
	}
	for id := range ids {
		if got[id] == 0 {
			t.Errorf("id %s never came out", id)
		}
	}
	if byInstance["alpha"] == 0 || byInstance["beta"] == 0 {
		t.Fatalf("work was not split: %v", byInstance)
	}
	t.Logf("outputs by instance: %v", byInstance)
}

func assigned(r *apptest.Running) float64 {
	mfs, _ := r.Registry.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "newsflow_consumer_assigned_partitions" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return 0
}

// Output order per key follows input order per partition: many versions of
// a few articles, interleaved, come out in the order they went in.
func TestOutputOrderPerKey(t *testing.T) {
	tp := newTopics(t)
	const keys, versions = 5, 200
	var in []kafka.Message
	for v := 0; v < versions; v++ {
		for k := 0; k < keys; k++ {
			id := fmt.Sprintf("story-%d", k)
			body, _ := json.Marshal(map[string]string{"id": id, "body": fmt.Sprintf("Version %d of the story.", v)})
			in = append(in, kafka.Message{Key: []byte(id), Value: body})
		}
	}
	start(t, tp.settings("a"))
	testkafka.Produce(t, tp.brokers, tp.in, in...)
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, func(ms []kafka.Message) bool { return len(ms) >= len(in) })
	if len(out) != len(in) {
		t.Fatalf("%d outputs, want %d", len(out), len(in))
	}
	next := map[string]int{}
	for _, m := range out { // ReadUntil sorts by partition and offset
		var a struct {
			ID   string `json:"id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		var v int
		if _, err := fmt.Sscanf(a.Text, "Version %d", &v); err != nil {
			t.Fatalf("text %q", a.Text)
		}
		if v != next[a.ID] {
			t.Fatalf("%s: version %d came after version %d", a.ID, v, next[a.ID]-1)
		}
		next[a.ID]++
	}
}

// Several input topics (--input a,b): one consumer group over both, every
// article of each out once, with its source topic.
func TestSeveralInputTopics(t *testing.T) {
	tp := newTopics(t)
	second := testkafka.Name(t, "in2")
	testkafka.CreateTopics(t, tp.brokers, 2, second)
	s := tp.settings("a")
	s.Input = tp.in + "," + second
	start(t, s)
	msgs, ids := articles(t, 40)
	testkafka.Produce(t, tp.brokers, tp.in, msgs[:25]...)
	testkafka.Produce(t, tp.brokers, second, msgs[25:]...)
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, coversAll(ids))
	from := map[string]int{}
	for _, m := range out {
		var a processor.Article
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		from[a.SourcePos.Topic]++
	}
	if from[tp.in] != 25 || from[second] != 15 {
		t.Fatalf("outputs by source topic %v, want 25 from %s and 15 from %s", from, tp.in, second)
	}
}
