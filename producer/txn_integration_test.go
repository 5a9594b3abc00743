package producer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// These tests talk to a broker over TCP with kafka-go (no mocks): the
// embedded one, or the real Kafka named by $NEWSFLOW_TEST_BROKERS. The
// records are read back by franz-go (kgo), an independent client, with
// isolation level read_committed (or read_uncommitted, to prove aborted
// records were written and then hidden).

const txnPartitions = 3

// txnTopic creates a topic with 3 partitions unique to the test.
func txnTopic(t *testing.T, brokers []string, base string) string {
	t.Helper()
	topic := testkafka.Name(t, base)
	testkafka.CreateTopics(t, brokers, txnPartitions, topic)
	return topic
}

// newTxnProducer creates a transactional producer with a private transport
// (so that kafka-go's pools do not outlive the test's broker) and short
// backoffs.
func newTxnProducer(t *testing.T, brokers []string, id string, adjust func(*producer.TxnConfig)) *producer.TxnProducer {
	t.Helper()
	tr := &kafka.Transport{MetadataTTL: 200 * time.Millisecond}
	cfg := producer.TxnConfig{
		Brokers:         brokers,
		Transport:       tr,
		TransactionalID: id,
		RetryBackoffMin: 5 * time.Millisecond,
		RetryBackoffMax: 100 * time.Millisecond,
	}
	if testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if adjust != nil {
		adjust(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	p, err := producer.NewTxn(ctx, cfg)
	if err != nil {
		t.Fatalf("NewTxn(%s): %v", id, err)
	}
	t.Cleanup(func() { _ = p.Close(); tr.CloseIdleConnections() })
	return p
}

// inTxn runs Begin, Write(recs) and Commit(g) or Abort, failing the test on
// any error.
func inTxn(t *testing.T, p *producer.TxnProducer, commit bool, g *producer.GroupOffsets, recs ...record.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.Begin(); err != nil {
		t.Fatalf("begin: %v", err)
	}
	if err := p.Write(ctx, recs); err != nil {
		t.Fatalf("write: %v", err)
	}
	if commit {
		if err := p.Commit(ctx, g); err != nil {
			t.Fatalf("commit: %v", err)
		}
	} else if err := p.Abort(ctx); err != nil {
		t.Fatalf("abort: %v", err)
	}
}

// vals makes records for topic with key prefix-i and value prefix-i.
func vals(topic, prefix string, n int) []record.Record {
	out := make([]record.Record, n)
	for i := range out {
		s := fmt.Sprintf("%s-%d", prefix, i)
		out[i] = record.Record{Topic: topic, Key: []byte(s), Value: []byte(s)}
	}
	return out
}

// sentinels returns one record per partition of topic (keys chosen by the
// producer's murmur2 placement), to be committed last: a read_committed
// reader that has seen all of them has seen everything committed before.
func sentinels(topic string) []record.Record {
	var out []record.Record
	seen := map[int]bool{}
	parts := []int{0, 1, 2}
	for i := 0; len(seen) < txnPartitions; i++ {
		k := fmt.Sprintf("sentinel-%d", i)
		p := (&kafka.Murmur2Balancer{}).Balance(kafka.Message{Key: []byte(k)}, parts...)
		if !seen[p] {
			seen[p] = true
			out = append(out, record.Record{Topic: topic, Key: []byte(k), Value: []byte("sentinel")})
		}
	}
	return out
}

// readAll reads topic from the start with kgo at the isolation level until
// it has seen the value "sentinel" txnPartitions times (bounded by wait),
// and returns the records before that, sentinels excluded, in partition
// and offset order.
func readAll(t *testing.T, brokers []string, topic string, committed bool) []*kgo.Record {
	t.Helper()
	iso := kgo.ReadUncommitted()
	if committed {
		iso = kgo.ReadCommitted()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(iso), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var out []*kgo.Record
	got := 0
	for got < txnPartitions {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: saw %d of %d sentinels within %v (%d records)", topic, got, txnPartitions, wait, len(out))
		}
		for _, e := range fs.Errors() {
			t.Logf("fetch %s/%d: %v", e.Topic, e.Partition, e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if string(r.Value) == "sentinel" {
				got++
				return
			}
			out = append(out, r)
		})
	}
	sortRecords(out)
	return out
}

func sortRecords(rs []*kgo.Record) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && (rs[j].Partition < rs[j-1].Partition || rs[j].Partition == rs[j-1].Partition && rs[j].Offset < rs[j-1].Offset); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

func valueSet(rs []*kgo.Record) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		out[string(r.Value)]++
	}
	return out
}

func TestTxnCommittedVisibleAbortedNot(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := txnTopic(t, brokers, "txn-out")
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)

	inTxn(t, p, true, nil, vals(topic, "committed", 30)...)
	inTxn(t, p, false, nil, vals(topic, "aborted", 30)...)
	inTxn(t, p, true, nil, vals(topic, "again", 30)...)
	inTxn(t, p, true, nil, sentinels(topic)...)

	got := valueSet(readAll(t, brokers, topic, true))
	if len(got) != 60 {
		t.Errorf("read_committed saw %d distinct values, want 60", len(got))
	}
	for v, n := range got {
		if n != 1 || !strings.HasPrefix(v, "committed-") && !strings.HasPrefix(v, "again-") {
			t.Errorf("read_committed saw %q %d time(s)", v, n)
		}
	}
	// The aborted records were written, and are hidden.
	all := valueSet(readAll(t, brokers, topic, false))
	if len(all) != 90 || all["aborted-7"] != 1 {
		t.Errorf("read_uncommitted saw %d distinct values (aborted-7: %d), want 90 (1)", len(all), all["aborted-7"])
	}
	if s := p.State(); s != producer.TxnReady {
		t.Errorf("state = %v, want ready", s)
	}
}

func TestTxnConcurrentWritersInOneTransaction(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := txnTopic(t, brokers, "txn-out")
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for round := range 3 {
		if err := p.Begin(); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for w := range 4 {
			wg.Go(func() {
				for b := range 5 {
					if err := p.Write(ctx, vals(topic, fmt.Sprintf("r%d-w%d-b%d", round, w, b), 10)); err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("write: %v", err)
			}
		}
		if err := p.Commit(ctx, nil); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	inTxn(t, p, true, nil, sentinels(topic)...)
	got := readAll(t, brokers, topic, true)
	if len(got) != 3*4*5*10 {
		t.Fatalf("read %d records, want %d", len(got), 3*4*5*10)
	}
	// Per writer and batch, the records of one key prefix on one
	// partition keep their order.
	last := map[string]int{}
	for _, r := range got {
		v := string(r.Value)
		i := strings.LastIndexByte(v, '-')
		var n int
		fmt.Sscan(v[i+1:], &n)
		k := fmt.Sprintf("%s@%d", v[:i], r.Partition)
		if prev, ok := last[k]; ok && n < prev {
			t.Errorf("%s: %d after %d on partition %d", v[:i], n, prev, r.Partition)
		}
		last[k] = n
	}
}

func TestTxnSequencesContinueAcrossTransactions(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := txnTopic(t, brokers, "txn-out")
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)
	pid, epoch := p.ProducerID()
	// The same keys, so the same partitions, in every transaction; an
	// abort in the middle does not reset the sequence numbers either.
	for i := range 6 {
		recs := make([]record.Record, 20)
		for j := range recs {
			recs[j] = record.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", j%4), Value: fmt.Appendf(nil, "t%d-%02d", i, j)}
		}
		inTxn(t, p, i != 3, nil, recs...)
	}
	inTxn(t, p, true, nil, sentinels(topic)...)
	if p2, e2 := p.ProducerID(); p2 != pid || e2 != epoch {
		t.Errorf("producer id/epoch changed from %d/%d to %d/%d without an uncertain write", pid, epoch, p2, e2)
	}
	got := readAll(t, brokers, topic, true)
	if len(got) != 100 {
		t.Fatalf("read %d records, want 100", len(got))
	}
	byKey := map[string][]string{}
	for _, r := range got {
		if r.ProducerID != pid || r.ProducerEpoch != epoch {
			t.Errorf("record %s: producer %d/%d, want %d/%d", r.Value, r.ProducerID, r.ProducerEpoch, pid, epoch)
		}
		byKey[string(r.Key)] = append(byKey[string(r.Key)], string(r.Value))
	}
	for k, vs := range byKey {
		for i := 1; i < len(vs); i++ {
			if vs[i] < vs[i-1] {
				t.Errorf("key %s: %s after %s", k, vs[i], vs[i-1])
			}
		}
		for _, v := range vs {
			if strings.HasPrefix(v, "t3-") {
				t.Errorf("aborted record %s visible", v)
			}
		}
	}
}

func TestTxnRecordsRoundTripByteForByte(t *testing.T) {
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		t.Run(codec, func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			topic := txnTopic(t, brokers, "txn-bytes")
			p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), func(c *producer.TxnConfig) { c.Compression = codec })
			big := bytes.Repeat([]byte{0, 1, 2, 0xff, 'x'}, 40_000)
			want := []record.Record{
				{Topic: topic, Key: []byte("k-nil-value"), Value: nil},
				{Topic: topic, Key: []byte("k-empty-value"), Value: []byte{}},
				{Topic: topic, Key: nil, Value: []byte("nil key")},
				{Topic: topic, Key: []byte{}, Value: []byte("empty key")},
				{Topic: topic, Key: []byte{0, 0xff, 0x80}, Value: []byte{0xde, 0xad, 0xbe, 0xef, 0}, Headers: []record.Header{
					{Key: "a", Value: []byte("1")}, {Key: "a", Value: []byte("2")}, {Key: "nil", Value: nil},
					{Key: "empty", Value: []byte{}}, {Key: "", Value: []byte("empty key")}, {Key: "bin", Value: []byte{0, 1, 0xff}},
				}},
				{Topic: topic, Key: []byte("big"), Value: big, Headers: []record.Header{{Key: "h", Value: big[:1000]}}},
			}
			inTxn(t, p, true, nil, want...)
			inTxn(t, p, true, nil, sentinels(topic)...)
			got := readAll(t, brokers, topic, true)
			if len(got) != len(want) {
				t.Fatalf("read %d records, want %d", len(got), len(want))
			}
			byValue := map[string]*kgo.Record{}
			for _, r := range got {
				byValue[string(r.Value)+fmt.Sprint(r.Value == nil)] = r
			}
			for _, w := range want {
				r := byValue[string(w.Value)+fmt.Sprint(w.Value == nil)]
				if r == nil {
					t.Errorf("record with key %q not read", w.Key)
					continue
				}
				if !sameBytes(r.Key, w.Key) || !sameBytes(r.Value, w.Value) {
					t.Errorf("record %q: key %#v value %d bytes (nil %v), want key %#v value %d bytes (nil %v)",
						w.Key, r.Key, len(r.Value), r.Value == nil, w.Key, len(w.Value), w.Value == nil)
				}
				if len(r.Headers) != len(w.Headers) {
					t.Errorf("record %q: %d headers, want %d", w.Key, len(r.Headers), len(w.Headers))
					continue
				}
				for i, h := range w.Headers {
					if r.Headers[i].Key != h.Key || !sameBytes(r.Headers[i].Value, h.Value) {
						t.Errorf("record %q header %d = %q:%#v, want %q:%#v", w.Key, i, r.Headers[i].Key, r.Headers[i].Value, h.Key, h.Value)
					}
				}
				if !r.Attrs.IsTransactional() {
					t.Errorf("record %q not in a transactional batch", w.Key)
				}
			}
		})
	}
}

// sameBytes compares contents and nil-ness.
func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

func TestTxnZombieIsFenced(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := txnTopic(t, brokers, "txn-out")
	id := testkafka.Name(t, "tx")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	zombie := newTxnProducer(t, brokers, id, nil)
	_, e1 := zombie.ProducerID()
	if err := zombie.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.Write(ctx, vals(topic, "zombie-before", 10)); err != nil {
		t.Fatalf("zombie write: %v", err)
	}

	// A new instance with the same transactional id bumps the epoch and
	// aborts the zombie's open transaction.
	fresh := newTxnProducer(t, brokers, id, nil)
	if _, e2 := fresh.ProducerID(); e2 <= e1 {
		t.Errorf("new epoch %d, want above %d", e2, e1)
	}
	err := zombie.Write(ctx, vals(topic, "zombie-after", 10))
	if !errors.Is(err, producer.ErrFenced) {
		t.Fatalf("zombie write after the new instance started: %v, want ErrFenced", err)
	}
	if err := zombie.Commit(ctx, nil); !errors.Is(err, producer.ErrFenced) {
		t.Errorf("zombie commit: %v, want ErrFenced", err)
	}
	if err := zombie.Begin(); !errors.Is(err, producer.ErrFenced) {
		t.Errorf("zombie begin: %v, want ErrFenced", err)
	}
	if err := zombie.Abort(ctx); !errors.Is(err, producer.ErrFenced) {
		t.Errorf("zombie abort: %v, want ErrFenced", err)
	}
	if s := zombie.State(); s != producer.TxnFenced {
		t.Errorf("zombie state = %v", s)
	}

	inTxn(t, fresh, true, nil, vals(topic, "fresh", 10)...)

	// A zombie whose transaction is open but has not written yet is
	// fenced at its first write (AddPartitionsToTxn).
	zombie2 := fresh
	if err := zombie2.Begin(); err != nil {
		t.Fatal(err)
	}
	third := newTxnProducer(t, brokers, id, nil)
	if err := zombie2.Write(ctx, vals(topic, "zombie2", 5)); !errors.Is(err, producer.ErrFenced) {
		t.Fatalf("second zombie write: %v, want ErrFenced", err)
	}
	inTxn(t, third, true, nil, sentinels(topic)...)

	got := valueSet(readAll(t, brokers, topic, true))
	if len(got) != 10 {
		t.Errorf("read_committed saw %d values, want the 10 of the new instance: %v", len(got), got)
	}
	for v := range got {
		if !strings.HasPrefix(v, "fresh-") {
			t.Errorf("zombie record %q visible", v)
		}
	}
}

// joinGroup joins group on topic with kafka-go's ConsumerGroup and returns
// its generation (closed when the test ends).
func joinGroup(t *testing.T, brokers []string, group, topic string) *kafka.Generation {
	t.Helper()
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: group, Brokers: brokers, Topics: []string{topic},
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 10 * time.Second, RebalanceTimeout: 5 * time.Second,
		Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cg.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		// A fresh real broker answers GroupCoordinatorNotAvailable while
		// it creates __consumer_offsets; the group keeps trying.
		gen, err := cg.Next(ctx)
		if err == nil {
			return gen
		}
		if ctx.Err() != nil {
			t.Fatalf("join group: %v", err)
		}
		t.Logf("join group (retrying): %v", err)
	}
}

func TestTxnOffsetsCommittedOnlyWithTheTransaction(t *testing.T) {
	brokers := testkafka.Brokers(t)
	in, out := txnTopic(t, brokers, "txn-in"), txnTopic(t, brokers, "txn-out")
	group := testkafka.Name(t, "g")
	gen := joinGroup(t, brokers, group, in)
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)
	offsets := func(base int64) *producer.GroupOffsets {
		return &producer.GroupOffsets{GroupID: group, GenerationID: gen.ID, MemberID: gen.MemberID,
			Offsets: map[string]map[int]int64{in: {0: base, 1: base + 1, 2: base + 2}}}
	}
	if got := testkafka.Committed(t, brokers, group, in); got[0] != -1 {
		t.Fatalf("committed before any transaction: %v", got)
	}

	// Offsets committed in a transaction become visible once the
	// coordinator has written its markers, a moment after EndTxn returns
	// on Apache Kafka: wait for them (bounded).
	committedBecomes := func(what string, want int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got := testkafka.Committed(t, brokers, group, in)
			if got[0] == want && got[1] == want+1 && got[2] == want+2 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("committed after %s = %v, want %d %d %d", what, got, want, want+1, want+2)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	inTxn(t, p, true, offsets(10), vals(out, "first", 5)...)
	committedBecomes("the first commit", 10)

	// Offsets only, nothing written: still a transaction.
	inTxn(t, p, true, offsets(20), nil...)
	committedBecomes("an offsets-only commit", 20)

	// A stale generation is a fencing (KIP-447): the commit fails, the
	// offsets stay, Abort still aborts the transaction.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, vals(out, "stale", 5)); err != nil {
		t.Fatal(err)
	}
	stale := offsets(30)
	stale.GenerationID = gen.ID + 7
	if err := p.Commit(ctx, stale); !errors.Is(err, producer.ErrFenced) {
		t.Fatalf("commit with a stale generation: %v, want ErrFenced", err)
	}
	if err := p.Abort(ctx); err != nil {
		t.Errorf("abort after a group fencing: %v", err)
	}
	if s := p.State(); s != producer.TxnFenced {
		t.Errorf("state after a group fencing and abort = %v, want fenced", s)
	}
	if err := p.Begin(); !errors.Is(err, producer.ErrFenced) {
		t.Errorf("begin after a group fencing: %v, want ErrFenced", err)
	}
	if got := testkafka.Committed(t, brokers, group, in); got[0] != 20 {
		t.Errorf("committed after the fenced commit = %v, want 20 21 22", got)
	}

	p2 := newTxnProducer(t, brokers, testkafka.Name(t, "tx2"), nil)
	inTxn(t, p2, true, nil, sentinels(out)...)
	got := valueSet(readAll(t, brokers, out, true))
	if len(got) != 5 || got["first-0"] != 1 {
		t.Errorf("read_committed saw %v, want first-0..4", got)
	}
}

// TestTxnOffsetsHiddenUntilCommit fails the EndTxn of a commit on the
// embedded broker, after the offsets were sent: they stay invisible, and
// the Abort that follows drops them.
func TestTxnOffsetsHiddenUntilCommit(t *testing.T) {
	if testkafka.Real() {
		t.Skip("needs the embedded broker's fault injection")
	}
	b, err := broker.Start(broker.Options{Partitions: txnPartitions})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	brokers := b.Addrs()
	in, out := txnTopic(t, brokers, "txn-in"), txnTopic(t, brokers, "txn-out")
	group := testkafka.Name(t, "g")
	gen := joinGroup(t, brokers, group, in)
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)
	g := &producer.GroupOffsets{GroupID: group, GenerationID: gen.ID, MemberID: gen.MemberID,
		Offsets: map[string]map[int]int64{in: {0: 5, 1: 6, 2: 7}}}

	// The next EndTxn (the commit's) is answered INVALID_TXN_STATE
	// without being applied.
	failed := make(chan struct{})
	b.Cluster().ControlKey(int16(kmsg.EndTxn), func(req kmsg.Request) (kmsg.Response, error, bool) {
		resp := req.(*kmsg.EndTxnRequest).ResponseKind().(*kmsg.EndTxnResponse)
		resp.ErrorCode = 48 // INVALID_TXN_STATE
		close(failed)
		return resp, nil, true
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, vals(out, "lost", 5)); err != nil {
		t.Fatal(err)
	}
	err = p.Commit(ctx, g)
	<-failed
	if !errors.Is(err, producer.ErrAbortRequired) {
		t.Fatalf("commit with a failing EndTxn: %v, want ErrAbortRequired", err)
	}
	if got := testkafka.Committed(t, brokers, group, in); got[0] != -1 {
		t.Errorf("offsets visible before the transaction committed: %v", got)
	}
	if err := p.Write(ctx, vals(out, "x", 1)); !errors.Is(err, producer.ErrAbortRequired) {
		t.Errorf("write in a failed transaction: %v, want ErrAbortRequired", err)
	}
	if err := p.Abort(ctx); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if got := testkafka.Committed(t, brokers, group, in); got[0] != -1 {
		t.Errorf("offsets of an aborted transaction visible: %v", got)
	}
	inTxn(t, p, true, g, sentinels(out)...)
	if got := testkafka.Committed(t, brokers, group, in); got[0] != 5 || got[1] != 6 || got[2] != 7 {
		t.Errorf("committed = %v, want 5 6 7", got)
	}
	if got := readAll(t, brokers, out, true); len(got) != 0 {
		t.Errorf("read_committed saw %d records of the aborted transaction", len(got))
	}
}

func TestTxnRecordsTooLargeAreRejectedOthersCommitted(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Name(t, "txn-small")
	// The topic refuses batches over 20,000 bytes; the producer's own
	// limit (BatchBytes) is 60,000.
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	resp, err := c.CreateTopics(context.Background(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: topic, NumPartitions: txnPartitions, ReplicationFactor: 1,
		ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: "20000"}},
	}}})
	if err != nil || resp.Errors[topic] != nil {
		t.Fatalf("create topic: %v %v", err, resp.Errors)
	}
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), func(c *producer.TxnConfig) {
		c.BatchBytes = 60_000
		c.Compression = "none"
	})
	recs := make([]record.Record, 12)
	for i := range recs {
		n := 4000 // same key: one partition, so the batches carry several records
		switch i {
		case 3:
			n = 100_000 // over BatchBytes: refused before sending
		case 8:
			n = 30_000 // under BatchBytes, over the topic's limit: refused by the broker
		}
		recs[i] = record.Record{Topic: topic, Key: []byte("same"), Value: append(fmt.Appendf(nil, "v%02d:", i), bytes.Repeat([]byte{'x'}, n)...)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := p.Begin(); err != nil {
		t.Fatal(err)
	}
	err = p.Write(ctx, recs)
	var rej *producer.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("write: %v, want a *RejectedError", err)
	}
	for i, e := range rej.Errs {
		var we *producer.WriteError
		switch {
		case i == 3 || i == 8:
			if !errors.As(e, &we) || we.Class != producer.ClassTooLarge || we.Topic != topic {
				t.Errorf("record %d: %v, want a too_large WriteError", i, e)
			}
		case e != nil:
			t.Errorf("record %d: %v, want acknowledged", i, e)
		}
	}
	if err := p.Commit(ctx, nil); err != nil {
		t.Fatalf("commit after rejected records: %v", err)
	}
	inTxn(t, p, true, nil, sentinels(topic)...)
	got := readAll(t, brokers, topic, true)
	if len(got) != 10 {
		t.Fatalf("read %d records, want 10", len(got))
	}
	for i, r := range got {
		want := i
		if i >= 3 {
			want++
		}
		if i >= 7 {
			want++
		}
		if !bytes.HasPrefix(r.Value, fmt.Appendf(nil, "v%02d:", want)) {
			t.Errorf("record %d is %q…, want v%02d", i, r.Value[:4], want)
		}
	}
}

// TestTxnRetriesCoordinatorErrors injects retriable coordinator errors on
// the embedded broker: each call retries through them.
func TestTxnRetriesCoordinatorErrors(t *testing.T) {
	if testkafka.Real() {
		t.Skip("needs the embedded broker's fault injection")
	}
	b, err := broker.Start(broker.Options{Partitions: txnPartitions})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	brokers := b.Addrs()
	topic := txnTopic(t, brokers, "txn-out")
	// Each transactional request fails twice first.
	for _, k := range []struct {
		key  kmsg.Key
		code int16
	}{{kmsg.InitProducerID, 14}, {kmsg.AddPartitionsToTxn, 51}, {kmsg.EndTxn, 16}, {kmsg.Produce, 6}} {
		n := 0
		b.Cluster().ControlKey(int16(k.key), func(req kmsg.Request) (kmsg.Response, error, bool) {
			b.Cluster().KeepControl()
			if n++; n > 2 {
				return nil, nil, false
			}
			return errorResponse(req, k.code), nil, true
		})
	}
	p := newTxnProducer(t, brokers, testkafka.Name(t, "tx"), nil)
	inTxn(t, p, true, nil, vals(topic, "v", 20)...)
	inTxn(t, p, true, nil, sentinels(topic)...)
	if got := readAll(t, brokers, topic, true); len(got) != 20 {
		t.Errorf("read %d records, want 20", len(got))
	}
}

// errorResponse answers req with code in every error field.
func errorResponse(req kmsg.Request, code int16) kmsg.Response {
	switch r := req.(type) {
	case *kmsg.InitProducerIDRequest:
		resp := r.ResponseKind().(*kmsg.InitProducerIDResponse)
		resp.ErrorCode = code
		return resp
	case *kmsg.EndTxnRequest:
		resp := r.ResponseKind().(*kmsg.EndTxnResponse)
		resp.ErrorCode = code
		return resp
	case *kmsg.AddPartitionsToTxnRequest:
		resp := r.ResponseKind().(*kmsg.AddPartitionsToTxnResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewAddPartitionsToTxnResponseTopic()
			st.Topic = rt.Topic
			for _, p := range rt.Partitions {
				sp := kmsg.NewAddPartitionsToTxnResponseTopicPartition()
				sp.Partition, sp.ErrorCode = p, code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp
	case *kmsg.ProduceRequest:
		resp := r.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range r.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, p := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition, sp.ErrorCode = p.Partition, code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp
	}
	panic(fmt.Sprintf("no error response for %T", req))
}

// BenchmarkTxnWriteCommit measures a transaction of one Write of 500
// records of about 3 KB (article-like JSON) and a Commit, against the
// embedded broker (in process, over loopback TCP, sharing the CPUs), and
// reports records/s. plain is the at-least-once Producer writing the same
// records, for the ratio.
//
//	go test -run '^$' -bench BenchmarkTxnWriteCommit -benchtime 5s ./producer/
func BenchmarkTxnWriteCommit(b *testing.B) {
	const perTxn = 500
	words := strings.Fields("the minister said on tuesday that talks with union leaders over the new budget would resume next week after a night of protests in the capital where police estimated that thousands had gathered")
	recs := make([]record.Record, perTxn)
	for i := range recs {
		var body strings.Builder
		rnd := rand.New(rand.NewPCG(uint64(i), 1))
		for body.Len() < 2800 {
			body.WriteString(words[rnd.IntN(len(words))])
			if rnd.IntN(12) == 0 {
				fmt.Fprintf(&body, " %d", rnd.IntN(100000))
			}
			body.WriteByte(' ')
		}
		recs[i] = record.Record{Topic: "out", Key: fmt.Appendf(nil, "article-%d", i),
			Value:   fmt.Appendf(nil, `{"id":"article-%d","lang":"en","title":"Budget talks %d","body":%q}`, i, i, body.String()),
			Headers: []record.Header{{Key: "source", Value: []byte("bench")}}}
	}
	var size int
	for _, r := range recs {
		size += len(r.Value)
	}
	for _, mode := range []string{"txn/none", "txn/lz4", "plain/none", "plain/lz4"} {
		b.Run(mode, func(b *testing.B) {
			brokers, topic := benchBroker(b)
			recs := slices.Clone(recs)
			for i := range recs {
				recs[i].Topic = topic
			}
			tr := &kafka.Transport{}
			defer tr.CloseIdleConnections()
			codec := mode[strings.IndexByte(mode, '/')+1:]
			ctx := context.Background()
			var step func() error
			if strings.HasPrefix(mode, "txn") {
				reg := prometheus.NewRegistry()
				m, err := producer.NewTxnMetrics(reg)
				if err != nil {
					b.Fatal(err)
				}
				defer func() { // every record was acknowledged
					if got, want := sumCounter(b, reg, "newsflow_producer_txn_records_total"), float64((b.N+1)*perTxn); got != want {
						b.Errorf("%v records acknowledged, want %v", got, want)
					}
				}()
				p, err := producer.NewTxn(ctx, producer.TxnConfig{Brokers: brokers, Transport: tr, TransactionalID: testkafka.Name(b, "bench"), Compression: codec, Metrics: m})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				step = func() error {
					if err := p.Begin(); err != nil {
						return err
					}
					if err := p.Write(ctx, recs); err != nil {
						return err
					}
					return p.Commit(ctx, nil)
				}
			} else {
				p, err := producer.New(producer.Config{Brokers: brokers, Transport: tr, Compression: codec})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				step = func() error { return p.Write(ctx, recs) }
			}
			if err := step(); err != nil { // warm up: connections, metadata
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			for b.Loop() {
				if err := step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*perTxn)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// benchBroker returns the brokers and a 3-partition topic for a
// benchmark: the real Kafka named by $NEWSFLOW_TEST_BROKERS, or an
// embedded broker that retains at most 4 MB per partition (it keeps
// records in memory: unbounded, its heap and GC cost would grow with the
// run).
func benchBroker(b *testing.B) ([]string, string) {
	if testkafka.Real() {
		brokers := testkafka.Brokers(b)
		topic := testkafka.Name(b, "bench")
		testkafka.CreateTopics(b, brokers, 3, topic)
		return brokers, topic
	}
	br, err := broker.Start(broker.Options{Topics: []string{"out"}, Partitions: 3,
		Extra: []kfake.Opt{kfake.BrokerConfigs(map[string]string{"log.retention.bytes": "4000000"})}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(br.Close)
	return br.Addrs(), "out"
}

// sumCounter sums the values of the counter name in reg.
func sumCounter(tb testing.TB, reg *prometheus.Registry, name string) float64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func TestTxnNewTxnWithItsOwnTransportAndNoBroker(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := txnTopic(t, brokers, "txn-out")
	// No Transport: the producer makes its own and closes it.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	p, err := producer.NewTxn(ctx, producer.TxnConfig{Brokers: brokers, TransactionalID: testkafka.Name(t, "tx")})
	if err != nil {
		t.Fatal(err)
	}
	inTxn(t, p, true, nil, vals(topic, "v", 3)...)
	inTxn(t, p, true, nil, sentinels(topic)...)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, brokers, topic, true); len(got) != 3 {
		t.Errorf("read %d records, want 3", len(got))
	}

	// Nothing listens: NewTxn retries until its ctx ends.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := producer.NewTxn(ctx, producer.TxnConfig{Brokers: []string{dead}, TransactionalID: "tx"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("NewTxn without a broker: %v, want the ctx error", err)
	}
}
