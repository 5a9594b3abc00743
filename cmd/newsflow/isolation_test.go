package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/newsflow/newsflow/internal/testkafka"
)

// subscribe reads transactional topics as run does: markers never printed,
// aborted records only with --isolation read_uncommitted.
func TestSubscribeIsolation(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Name(t, "tx")
	testkafka.CreateTopics(t, brokers, 1, topic)
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic), kgo.TransactionalID(testkafka.Name(t, "txid")))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tx := range []struct {
		val    string
		commit bool
	}{{"committed-1", true}, {"aborted", false}, {"committed-2", true}} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(tx.val)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(tx.commit)); err != nil {
			t.Fatal(err)
		}
	}
	b := strings.Join(brokers, ",")
	r := newsflow(t, "subscribe", "--brokers", b, "--topic", topic, "--from-beginning", "--format", "raw", "--max", "2")
	if r.code != 0 || r.stdout != "committed-1\ncommitted-2\n" {
		t.Errorf("read_committed: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = newsflow(t, "subscribe", "--brokers", b, "--topic", topic, "--from-beginning", "--format", "raw", "--max", "3", "--isolation", "read_uncommitted")
	if r.code != 0 || r.stdout != "committed-1\naborted\ncommitted-2\n" {
		t.Errorf("read_uncommitted: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = newsflow(t, "subscribe", "--brokers", b, "--topic", topic, "--isolation", "serializable")
	if r.code != 2 || !strings.Contains(r.stderr, "isolation") {
		t.Errorf("bad isolation: exit %d, stderr %q", r.code, r.stderr)
	}
}
