package producer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// pinned returns records pinned to partition p, with keys that murmur2
// would mostly place elsewhere.
func pinned(topic string, p, n int) []record.Record {
	out := make([]record.Record, n)
	for i := range out {
		s := fmt.Sprintf("pinned-%d-%d", p, i)
		out[i] = record.Record{Topic: topic, Partition: p, Pinned: true, Key: []byte(s), Value: []byte(s)}
	}
	return out
}

func TestPinnedRecordsGoToTheirPartition(t *testing.T) {
	e := start(t, []string{"pin"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	recs := append(pinned("pin", 2, 20), pinned("pin", 0, 20)...)
	if err := e.p.Write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.read("pin", 40) {
		var want int
		if _, err := fmt.Sscanf(string(m.Key), "pinned-%d-", &want); err != nil {
			t.Fatal(err)
		}
		if m.Partition != want {
			t.Errorf("%s landed on partition %d", m.Key, m.Partition)
		}
	}
}

func TestTxnPinnedRecordsGoToTheirPartition(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := txnTopic(t, brokers, "txn-pin")
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)
	inTxn(t, p, true, nil, append(pinned(topic, 1, 20), sentinels(topic)...)...)
	got := readAll(t, brokers, topic, true)
	if len(got) != 20 {
		t.Fatalf("read %d records, want 20", len(got))
	}
	for _, r := range got {
		if r.Partition != 1 {
			t.Errorf("%s landed on partition %d", r.Key, r.Partition)
		}
	}

	// A partition the topic does not have is refused for good; the rest
	// of the transaction commits.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.Begin(); err != nil {
		t.Fatal(err)
	}
	err := p.Write(ctx, pinned(topic, 99, 1))
	var rej *producer.RejectedError
	if !errors.As(err, &rej) || rej.Errs[0] == nil {
		t.Fatalf("write to partition 99: %v, want a RejectedError", err)
	}
	if err := p.Commit(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
