package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/record"
	"github.com/newsflow/newsflow/schema"
)

// datedArticles makes n articles from the samples with published times
// spread over span from base, each moved by up to ±jitter, in shuffled
// order.
func datedArticles(t *testing.T, prefix string, n int, base time.Time, span, jitter time.Duration, seed uint64) []kafka.Message {
	t.Helper()
	msgs, _ := articles(t, n)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range msgs {
		var a map[string]any
		if err := json.Unmarshal(msgs[i].Value, &a); err != nil {
			t.Fatal(err)
		}
		at := base.Add(span * time.Duration(i) / time.Duration(n)).Add(time.Duration(rng.Int64N(int64(2*jitter+1))) - jitter)
		id := fmt.Sprintf("%s-%d", prefix, i)
		a["id"], a["published"] = id, at.UTC().Format(time.RFC3339)
		msgs[i].Key = []byte(id)
		msgs[i].Value, _ = json.Marshal(a)
	}
	rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	return msgs
}

// bruteForce counts, from the enriched records, the distinct articles per
// entity (of the types trends counts) and window.
func bruteForce(t *testing.T, enriched []kafka.Message, window time.Duration) map[string]int {
	t.Helper()
	ids := map[string]map[string]bool{}
	for _, m := range enriched {
		var a processor.Article
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		start := processor.EventTime(&a).Truncate(window)
		for _, e := range a.Entities {
			if !strings.Contains(strings.Join(trends.DefaultTypes(), ","), e.Type) {
				continue
			}
			k := trends.TrendKey(e.Type, e.Name, start)
			if ids[k] == nil {
				ids[k] = map[string]bool{}
			}
			ids[k][a.ID] = true
		}
	}
	out := map[string]int{}
	for k, s := range ids {
		out[k] = len(s)
	}
	return out
}

// readCommittedMessages reads topic from the start, read_committed (with
// exactly-once, aborted transactions hold records that never counted, and
// the markers are no records), until done returns true for what was read
// (checked after each record) or timeout passes.
func readCommittedMessages(t *testing.T, brokers []string, topic string, timeout time.Duration, done func([]kafka.Message) bool) []kafka.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	var out []kafka.Message
	err := consumer.Read(ctx, consumer.ReadConfig{Brokers: brokers, Topic: topic, Partition: testkafka.Partitions(t, brokers, topic),
		FromBeginning: true, Isolation: consumer.ReadCommitted}, func(r record.Record) error {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, kafka.Message{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value})
		if done(out) {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return out
}

// latestTrends reads the trends topic and returns the latest value of
// each key, each validated against the trends schema.
func latestTrends(t *testing.T, brokers []string, topic string, want map[string]int) map[string]trends.Trend {
	t.Helper()
	v, err := schema.Trends()
	if err != nil {
		t.Fatal(err)
	}
	// A key lives in one partition, read in offset order: the last value
	// read is its latest.
	latest := map[string]trends.Trend{}
	parsed := 0
	readCommittedMessages(t, brokers, topic, 90*time.Second, func(ms []kafka.Message) bool {
		for _, m := range ms[parsed:] {
			var tr trends.Trend
			if err := json.Unmarshal(m.Value, &tr); err != nil {
				t.Errorf("trend %s: %v", m.Key, err) // not Fatal: another goroutine
				return true
			}
			latest[string(m.Key)] = tr
		}
		parsed = len(ms)
		for k, n := range want {
			if latest[k].Count != n {
				return false
			}
		}
		return true
	})
	for _, tr := range latest {
		b, _ := json.Marshal(tr)
		if err := v.Validate(b); err != nil {
			t.Fatalf("trend record does not match the schema: %v\n%s", err, b)
		}
	}
	return latest
}

func trendSettings(tp topics, instance, trendsTopic, guarantee string) app.Settings {
	s := tp.settings(instance)
	s.Guarantee = guarantee
	s.TrendsTopic = trendsTopic
	// Input partitions are consumed at different speeds: an article may be
	// processed hours (of event time) after later ones. The lateness is
	// set above the test's whole span so that none is late: this test is
	// about exact counts, the unit tests about lateness.
	s.AllowedLateness = 48 * time.Hour
	return s
}

// For every window, the latest trend record's count equals a brute-force
// count over articles.enriched: with shuffled input, two instances (a
// rebalance when the second joins), and after both are replaced by a new
// instance that restores the windows and counts more articles.
func TestTrendCountsAreExact(t *testing.T) {
	for _, g := range []string{"at-least-once", "exactly-once"} {
		t.Run(g, func(t *testing.T) {
			trendCountsAreExact(t, g)
		})
	}
}

func trendCountsAreExact(t *testing.T, guarantee string) {
	tp := newTopics(t)
	trendsTopic := testkafka.Name(t, "trends")
	base := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	first := datedArticles(t, "a", 240, base, 6*time.Hour, 8*time.Minute, 1)
	a := start(t, trendSettings(tp, "a", trendsTopic, guarantee))
	testkafka.Produce(t, tp.brokers, tp.in, first[:120]...)
	b := start(t, trendSettings(tp, "b", trendsTopic, guarantee))
	testkafka.Produce(t, tp.brokers, tp.in, first[120:]...)

	ids := map[string]bool{}
	for _, m := range first {
		ids[string(m.Key)] = true
	}
	t0 := time.Now()
	out := readCommittedMessages(t, tp.brokers, tp.out, 90*time.Second, coversAll(ids))
	t.Logf("enriched after %v", time.Since(t0))
	want := bruteForce(t, out, time.Hour)
	if len(want) < 20 {
		t.Fatalf("only %d entity windows: the test needs more", len(want))
	}
	got := latestTrends(t, tp.brokers, trendsTopic, want)
	check := func(want map[string]int, got map[string]trends.Trend) {
		t.Helper()
		for k, n := range want {
			if got[k].Count != n {
				t.Errorf("%s: latest count %d, brute force %d", k, got[k].Count, n)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("trend %s has no article", k)
			}
		}
	}
	t.Logf("trends after %v", time.Since(t0))
	check(want, got)
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}

	// A new instance restores the windows from the changelog and goes on
	// counting: articles in the same windows, and some already counted
	// (published again: not counted twice).
	t.Logf("shut down after %v", time.Since(t0))
	start(t, trendSettings(tp, "c", trendsTopic, guarantee))
	more := datedArticles(t, "b", 90, base, 6*time.Hour, 8*time.Minute, 2)
	more = append(more, first[:30]...)
	testkafka.Produce(t, tp.brokers, tp.in, more...)
	for _, m := range more {
		ids[string(m.Key)] = true
	}
	out = readCommittedMessages(t, tp.brokers, tp.out, 90*time.Second, coversAll(ids))
	want = bruteForce(t, out, time.Hour)
	check(want, latestTrends(t, tp.brokers, trendsTopic, want))
}
