package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/newsflow/newsflow/internal/apptest"
	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/schema"
)

// oneTopic is newTopics with one-partition topics.
func oneTopic(t *testing.T) topics {
	tp := topics{
		brokers: testkafka.Brokers(t),
		in:      testkafka.Name(t, "in"), out: testkafka.Name(t, "out"), dlq: testkafka.Name(t, "dlq"),
		grp: testkafka.Name(t, "group"),
	}
	testkafka.CreateTopics(t, tp.brokers, 1, tp.in, tp.out, tp.dlq)
	return tp
}

// produceBig writes values with a client whose batches may reach the
// broker's default limit (kafka-go's Writer stops at 1 MB).
func produceBig(t *testing.T, brokers []string, topic string, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic), kgo.ProducerBatchMaxBytes(1048576),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, r := range recs {
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("produce %s: %v", r.Key, err)
		}
	}
}

// Regression (issue "engine seams", bug 1): a record near 1 MB used to make
// its dead letter too large for the producer; the write loop then dropped
// every later batch of the partition in silence. Now its dead letter is cut
// to fit, and the records after it are enriched.
func TestANearMegabyteRecordNeverStallsItsPartition(t *testing.T) {
	tp := oneTopic(t)
	big := `{"id":"big","body":"` + strings.Repeat("a", 1_040_000-len(`{"id":"big","body":""}`)) + `"}`
	recs := []*kgo.Record{{Key: []byte("big"), Value: []byte(big)}}
	for i := range 5 {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint("good", i)), Value: []byte(fmt.Sprintf(`{"id":"good%d","body":"A small good article number %d."}`, i, i))})
	}
	produceBig(t, tp.brokers, tp.in, recs...)
	start(t, tp.settings("big")) // default limits: 512 KiB records, 1,000,000-byte messages
	dl := testkafka.ReadUntil(t, tp.brokers, tp.dlq, 60*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 1 })
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 5 })
	waitCommitted(t, tp)
	if len(out) != 5 {
		t.Errorf("%d enriched, want the 5 good records", len(out))
	}
	h := map[string]string{}
	for _, x := range dl[0].Headers {
		h[x.Key] = string(x.Value)
	}
	if h[engine.HeaderErrorClass] != processor.ClassTooLarge || h[engine.HeaderTruncated] != "true" || h[engine.HeaderOriginalBytes] != "1040000" {
		t.Errorf("dead letter headers = %v", h)
	}
	if !strings.HasPrefix(big, string(dl[0].Value)) || len(dl[0].Value) < 900_000 {
		t.Errorf("dead letter value is not a long prefix of the original (%d bytes)", len(dl[0].Value))
	}
}

// Regression (bug 4): valid English articles of 365–440 KB used to end in
// the DLQ at the produce stage because their enriched record was 2–6 times
// the input. Now they are enriched, cut to fit if need be.
func TestALargeValidArticleIsEnriched(t *testing.T) {
	tp := oneTopic(t)
	// News dense in names and quotes grows most when enriched: every
	// mention is a span, every quote is copied with its speaker.
	people := []string{"Anna Keller", "Tomas Reyes", "Mina Park", "Olu Adeyemi", "Sara Lind"}
	places := []string{"Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn"}
	var body strings.Builder
	for i := 0; body.Len() < 430_000; i++ {
		p, q := people[i%5], places[(i/5)%5]
		fmt.Fprintf(&body, "“We will keep working on this,” said %s of the Harbour Authority in %s. %s met officials from the Union Bank in %s on day %d.\n\n", p, q, p, q, i)
	}
	v, _ := json.Marshal(map[string]string{"id": "long-read", "title": "A very long read", "body": body.String(), "language": "en"})
	if len(v) > 512<<10 {
		t.Fatalf("test article of %d bytes over the default --max-record-bytes", len(v))
	}
	produceBig(t, tp.brokers, tp.in, &kgo.Record{Key: []byte("long-read"), Value: v})
	start(t, tp.settings("long"))
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 1 })
	if n := len(out[0].Value); n > 1_000_000 {
		t.Errorf("enriched record of %d bytes over --max-message-bytes", n)
	}
	v8r, err := schema.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := v8r.Validate(out[0].Value); err != nil {
		t.Errorf("output invalid: %v", err)
	}
	var a struct {
		Entities  []json.RawMessage `json:"entities"`
		Quotes    []json.RawMessage `json:"quotes"`
		Truncated *struct {
			Fields        []string `json:"fields"`
			OriginalBytes int      `json:"original_bytes"`
		} `json:"truncated"`
	}
	if err := json.Unmarshal(out[0].Value, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Entities) == 0 || len(a.Quotes) == 0 {
		t.Errorf("the long article came out with %d entities and %d quotes", len(a.Entities), len(a.Quotes))
	}
	if a.Truncated == nil || a.Truncated.OriginalBytes <= 1_000_000 {
		t.Fatalf("want a record cut to fit (the whole one is over 1 MB); truncated = %+v", a.Truncated)
	}
	t.Logf("input %d bytes → whole record %d bytes → written %d bytes, cut: %v", len(v), a.Truncated.OriginalBytes, len(out[0].Value), a.Truncated.Fields)
}

// Regression (bug 10): an unreachable broker used to mean 60 s of silence
// and then "Broker Not Available".
func TestRunFailsFastNamingUnreachableBrokers(t *testing.T) {
	s := apptest.Settings([]string{"127.0.0.1:1"}, "in", "out", "dlq", "g", "unreachable")
	s.ConnectTimeout = 2 * time.Second
	r := apptest.Start(t, s, nil)
	err := r.WaitFailure(20 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "cannot reach brokers 127.0.0.1:1") {
		t.Fatalf("err = %v", err)
	}
}

// Regression (bug 2): /readyz used to stay 200 while the broker was dead
// and the instance out of the group.
func TestNotReadyOnceTheBrokerDies(t *testing.T) {
	b, err := broker.Start(broker.Options{Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	testkafka.CreateTopics(t, b.Addrs(), 1, "in", "out", "dlq")
	s := apptest.Settings(b.Addrs(), "in", "out", "dlq", "g", "dies")
	r := apptest.Start(t, s, nil)
	waitReady := func(want bool) string {
		deadline := time.Now().Add(30 * time.Second)
		for {
			ok, why := r.Ready()
			if ok == want {
				return why
			}
			if time.Now().After(deadline) {
				t.Fatalf("Ready stayed %v (%s)", ok, why)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitReady(true)
	b.Close() // killed: no goodbye to the group
	why := waitReady(false)
	t.Logf("not ready: %s", why)
}
