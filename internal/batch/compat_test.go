package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/batch"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// claim is one partition whose records are all there from the start.
type claim struct {
	topic string
	recs  chan record.Record
}

func (c *claim) Topic() string                 { return c.topic }
func (c *claim) Partition() int                { return 0 }
func (c *claim) Records() <-chan record.Record { return c.recs }
func (c *claim) Done(record.Record)            {}

type source struct{ c *claim }

func (s source) Run(ctx context.Context, h consumer.Handler) error { return h.HandleClaim(ctx, s.c) }

type sink struct {
	mu   sync.Mutex
	recs []record.Record
}

func (s *sink) Write(_ context.Context, recs []record.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, recs...)
	return nil
}

// viaEngine runs the records through `newsflow run`'s engine, reading
// them as partition 0 of topic (offset = line number) and returns the
// values it writes to its output topic.
func viaEngine(t *testing.T, topic string, at time.Time, values [][]byte, maxMessageBytes int64) [][]byte {
	t.Helper()
	c := &claim{topic: topic, recs: make(chan record.Record, len(values))}
	for i, v := range values {
		var in struct{ ID string }
		_ = json.Unmarshal(v, &in) // publish keys a JSON line by its id
		c.recs <- record.Record{Topic: topic, Offset: int64(i + 1), Key: []byte(in.ID), Value: v, Time: at}
	}
	close(c.recs)
	out := &sink{}
	eng, err := engine.New(engine.Config{Inputs: []string{topic}, Output: "out", DLQ: "dlq", MaxMessageBytes: maxMessageBytes,
		Workers: 1, Instance: "here", Version: "test"}, fullPipeline(t), source{c}, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	var vals [][]byte
	for _, r := range out.recs {
		if r.Topic == "out" {
			vals = append(vals, r.Value)
		}
	}
	return vals
}

// fields splits an encoded article into its top-level fields.
func fields(t *testing.T, v []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// What enrich writes for a record is what run writes to its output topic
// for the same record: every field byte for byte, save the processing
// time and duration; with the topic named as the file and the offsets as
// line numbers, source_position too. Both run on one worker: keyphrase
// scores depend on the document frequencies of the articles processed
// before, so only the same order gives the same bytes.
func TestOutputIsWhatRunWrites(t *testing.T) {
	recs, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	values := make([][]byte, len(recs))
	var jsonl strings.Builder
	for i, r := range recs {
		values[i] = r.Value
		jsonl.Write(r.Value)
		jsonl.WriteByte('\n')
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		maxBytes int // --max-message-bytes: small enough to make both cut the larger articles
	}{{"default limit", 1_000_000}, {"cut to a small limit", 8000}} {
		// Below --max-message-bytes, as run requires; above every sample.
		maxRecord := min(processor.DefaultMaxRecordBytes, tc.maxBytes-1000)
		t.Run(tc.name, func(t *testing.T) {
			ran := viaEngine(t, "samples.jsonl", at, values, int64(tc.maxBytes))
			in := input("samples.jsonl", jsonl.String())
			in.Time = at
			var out, dlq bytes.Buffer
			if _, err := batch.Run(t.Context(), fullPipeline(t), []batch.Input{in},
				batch.Options{Out: &out, DLQ: &dlq, Workers: 1, MaxRecordBytes: maxRecord, MaxMessageBytes: tc.maxBytes, Version: "test", Instance: "here"}); err != nil {
				t.Fatal(err)
			}
			enriched := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
			if len(enriched) != len(ran) || dlq.Len() != 0 {
				t.Fatalf("enrich wrote %d articles (dead letters %q), run %d", len(enriched), dlq.String(), len(ran))
			}
			cut := 0
			for i := range ran {
				a, b := fields(t, ran[i]), fields(t, enriched[i])
				if _, ok := a["truncated"]; ok {
					cut++
				}
				if len(enriched[i]) > tc.maxBytes {
					t.Errorf("article %d: %d bytes, over the limit %d", i, len(enriched[i]), tc.maxBytes)
				}
				var pa, pb map[string]json.RawMessage
				_ = json.Unmarshal(a["processing"], &pa)
				_ = json.Unmarshal(b["processing"], &pb)
				for _, k := range []string{"processed_at", "duration_ms"} {
					delete(pa, k)
					delete(pb, k)
				}
				delete(a, "processing")
				delete(b, "processing")
				if ja, jb := mustJSON(t, pa), mustJSON(t, pb); ja != jb {
					t.Errorf("article %d: processing %s, run's %s", i, jb, ja)
				}
				if tc.maxBytes < 1_000_000 {
					// The cut text depends on the length of the processing
					// time, which differs between any two runs: compare
					// what was cut, not where.
					compareCut(t, i, a, b)
					continue
				}
				if len(a) != len(b) {
					t.Errorf("article %d: fields %v, run's %v", i, keys(b), keys(a))
				}
				for k, va := range a {
					if !bytes.Equal(va, b[k]) {
						t.Errorf("article %d: %s differs:\nrun:    %.300s\nenrich: %.300s", i, k, va, b[k])
					}
				}
			}
			t.Logf("%d articles, %d of them cut to %d bytes", len(ran), cut, tc.maxBytes)
			if tc.maxBytes < 1_000_000 && cut == 0 {
				t.Errorf("no article was cut to %d bytes: the limit does not test the cut", tc.maxBytes)
			}
		})
	}
}

func compareCut(t *testing.T, i int, run, enrich map[string]json.RawMessage) {
	t.Helper()
	var tr, te struct {
		Fields []string `json:"fields"`
	}
	_ = json.Unmarshal(run["truncated"], &tr)
	_ = json.Unmarshal(enrich["truncated"], &te)
	if strings.Join(tr.Fields, ",") != strings.Join(te.Fields, ",") {
		t.Errorf("article %d: cut %v, run cut %v", i, te.Fields, tr.Fields)
	}
	for _, k := range []string{"id", "title", "language", "stats", "summary", "tone"} {
		if !bytes.Equal(run[k], enrich[k]) {
			t.Errorf("article %d: %s differs: %.200s vs run's %.200s", i, k, enrich[k], run[k])
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
