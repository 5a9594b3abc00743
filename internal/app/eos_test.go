package app_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/record"
)

// readCommitted reads every partition of topic from the start with an
// independent read_committed reader until done holds or timeout passes.
func readCommitted(t *testing.T, brokers []string, topic string, timeout time.Duration, done func([]record.Record) bool) []record.Record {
	t.Helper()
	parts := testkafka.Partitions(t, brokers, topic)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	var out []record.Record
	err := consumer.Read(ctx, consumer.ReadConfig{Brokers: brokers, Topic: topic, Partition: parts, FromBeginning: true},
		func(r record.Record) error {
			mu.Lock()
			defer mu.Unlock()
			out = append(out, r)
			if done(out) {
				cancel()
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Exactly-once on the embedded broker: N articles in (and malformed ones),
// each id exactly once in the output or the DLQ as a read_committed reader
// sees them, and the group's offsets at the end of the input.
func TestExactlyOnceEndToEnd(t *testing.T) {
	tp := newTopics(t)
	msgs, ids := articles(t, 300)
	testkafka.Produce(t, tp.brokers, tp.in, msgs...)
	s := tp.settings("eos")
	s.Guarantee = "exactly-once"
	r := start(t, s)
	out := readCommitted(t, tp.brokers, tp.out, 60*time.Second, func(rs []record.Record) bool { return len(rs) >= len(ids) })
	waitCommitted(t, tp)
	seen := map[string]int{}
	for _, r := range out {
		var a struct{ ID string }
		if err := json.Unmarshal(r.Value, &a); err != nil {
			t.Fatal(err)
		}
		seen[a.ID]++
	}
	for id := range ids {
		if seen[id] != 1 {
			t.Errorf("%s seen %d times", id, seen[id])
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("%d distinct ids out, want %d", len(seen), len(ids))
	}
	// The outputs went through transactions.
	mfs, err := r.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	commits := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "newsflow_producer_txn_transactions_total" {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "outcome" && l.GetValue() == "commit" {
						commits += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	if commits == 0 {
		t.Error("no transaction committed")
	}
	t.Logf("%d articles in %v transactions", len(ids), commits)
}
