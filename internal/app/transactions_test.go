package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/newsflow/newsflow/internal/testkafka"
)

// Issue "transactional input": a transactional producer (commit, abort,
// commit, and a second producer interleaved, on three partitions) writes
// into the input topic. With read_committed (the default) the committed
// articles are enriched, the aborted never, no marker is dead-lettered,
// offsets reach the end of every partition and lag reaches 0; with
// read_uncommitted the aborted ones are enriched too.
func TestTransactionalInput(t *testing.T) {
	for _, iso := range []string{"read_committed", "read_uncommitted"} {
		t.Run(iso, func(t *testing.T) {
			tp := newTopics(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			producers := make([]*kgo.Client, 2)
			for i := range producers {
				cl, err := kgo.NewClient(kgo.SeedBrokers(tp.brokers...), kgo.DefaultProduceTopic(tp.in),
					kgo.TransactionalID(testkafka.Name(t, fmt.Sprint("tx", i))), kgo.RecordPartitioner(kgo.ManualPartitioner()))
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				producers[i] = cl
			}
			committed, aborted := map[string]bool{}, map[string]bool{}
			n := 0
			for round := range 6 {
				cl := producers[round%2]
				commit := round%3 != 1 // rounds 1 and 4 abort
				if err := cl.BeginTransaction(); err != nil {
					t.Fatal(err)
				}
				for p := range int32(3) {
					for range 2 {
						id := fmt.Sprintf("tx-%d", n)
						n++
						v, _ := json.Marshal(map[string]string{"id": id, "body": "A transactional article about the harbour of Lisbon, number " + id + "."})
						if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(id), Value: v, Partition: p}).FirstErr(); err != nil {
							t.Fatal(err)
						}
						if commit {
							committed[id] = true
						} else {
							aborted[id] = true
						}
					}
				}
				if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
					t.Fatal(err)
				}
			}
			s := tp.settings("tx-" + iso)
			s.Isolation = iso
			r := start(t, s)
			want := map[string]bool{}
			for id := range committed {
				want[id] = true
			}
			if iso == "read_uncommitted" {
				for id := range aborted {
					want[id] = true
				}
			}
			out := testkafka.ReadUntil(t, tp.brokers, tp.out, 180*time.Second, coversAll(want))
			waitCommitted(t, tp) // the end offsets include the markers
			deadline := time.Now().Add(30 * time.Second)
			for r.Lag() != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("lag stayed %v", r.Lag())
				}
				time.Sleep(100 * time.Millisecond)
			}
			got := outputIDs(t, out)
			var extra []string
			for id, c := range got {
				if !want[id] {
					extra = append(extra, id)
				}
				if c != 1 {
					t.Errorf("%s enriched %d times", id, c)
				}
			}
			sort.Strings(extra)
			if len(extra) > 0 {
				t.Errorf("enriched records of aborted transactions: %s", strings.Join(extra, ","))
			}
			// No marker may reach the DLQ: there is nothing else to dead-letter.
			if dl := readAll(t, tp.brokers, tp.dlq); len(dl) != 0 {
				t.Errorf("%d dead letters, want none (transaction markers must not be processed)", len(dl))
			}
		})
	}
}

// readAll reads what the topic holds now.
func readAll(t *testing.T, brokers []string, topic string) []kafka.Message {
	t.Helper()
	end := testkafka.EndOffsets(t, brokers, topic)
	var total int64
	for _, e := range end {
		total += e
	}
	if total == 0 {
		return nil
	}
	return testkafka.ReadUntil(t, brokers, topic, 10*time.Second, func(ms []kafka.Message) bool { return int64(len(ms)) >= total })
}
