package consumer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/record"
)

// collector is a Handler that marks every record done at once and keeps
// what it saw.
type collector struct {
	mu   sync.Mutex
	recs []record.Record
	hold bool // never call Done
}

func (h *collector) HandleClaim(ctx context.Context, c consumer.Claim) error {
	for r := range c.Records() {
		h.mu.Lock()
		h.recs = append(h.recs, r)
		h.mu.Unlock()
		if !h.hold {
			c.Done(r)
		}
	}
	return nil
}

func (h *collector) seen() []record.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]record.Record(nil), h.recs...)
}

func (h *collector) values() []string {
	var out []string
	for _, r := range h.seen() {
		out = append(out, string(r.Value))
	}
	return out
}

type running struct {
	c    *consumer.Consumer
	m    *consumer.Metrics
	reg  *prometheus.Registry
	stop func()
	done chan error
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, brokers []string, group string, topics []string, h consumer.Handler, mod func(*consumer.Config)) *running {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := consumer.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg := consumer.Config{Brokers: brokers, GroupID: group, Topics: topics, Metrics: m,
		CommitInterval: 100 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 3 * time.Second, MaxWait: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.MultiWriter(logs), &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if mod != nil {
		mod(&cfg)
	}
	c, err := consumer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{c: c, m: m, reg: reg, stop: cancel, done: make(chan error, 1), logs: logs}
	go func() { r.done <- c.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("consumer did not stop within 30 s")
		}
	})
	return r
}

// waitFor polls cond every 50 ms until it holds or 30 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func kgoClient(t *testing.T, brokers []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produce(t *testing.T, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// committed returns the group's committed offsets of topic (partition ->
// offset) as the broker reports them.
func committed(t *testing.T, cl *kgo.Client, group, topic string) map[int32]int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic = topic
	rt.Partitions = []int32{0, 1, 2, 3, 4, 5, 6, 7}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	out := map[int32]int64{}
	for _, tp := range resp.Topics {
		for _, p := range tp.Partitions {
			if p.Offset >= 0 {
				out[p.Partition] = p.Offset
			}
		}
	}
	return out
}

func TestConsumesEveryRecordCommitsToTheEndAndLagReachesZero(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 3, topic)
	cl := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
	var recs []*kgo.Record
	for i := range 300 {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf("v%d", i))})
	}
	produce(t, cl, recs...)
	h := &collector{}
	r := start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "300 records", func() bool { return len(h.seen()) >= 300 })
	waitFor(t, "commits at the end of every partition", func() bool {
		var sum int64
		for _, o := range committed(t, cl, group, topic) {
			sum += o
		}
		return sum == 300
	})
	waitFor(t, "lag 0 exported for every partition", func() bool {
		if testutil.CollectAndCount(r.m.Lag) != 3 {
			return false
		}
		return r.c.Lag() == 0 && testutil.ToFloat64(r.m.Lag.WithLabelValues(topic, "0")) == 0
	})
	if n := len(h.seen()); n != 300 {
		t.Errorf("saw %d records, want 300 (no duplicates in one run)", n)
	}
	if got := testutil.ToFloat64(r.m.Joined); got != 1 {
		t.Errorf("group_joined = %v, want 1", got)
	}
}

func TestNullAndEmptyValuesStayDistinct(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 1, topic)
	cl := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
	produce(t, cl,
		&kgo.Record{Key: []byte("null"), Value: nil},
		&kgo.Record{Key: []byte("empty"), Value: []byte{}},
		&kgo.Record{Key: nil, Value: []byte("x"), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("1")}}},
	)
	h := &collector{}
	start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "3 records", func() bool { return len(h.seen()) >= 3 })
	got := h.seen()
	if got[0].Value != nil {
		t.Errorf("null value came as %q, want nil", got[0].Value)
	}
	if got[1].Value == nil || len(got[1].Value) != 0 {
		t.Errorf("empty value came as %#v, want an empty non-nil slice", got[1].Value)
	}
	if got[2].Key != nil || string(got[2].Value) != "x" || len(got[2].Headers) != 1 || got[2].Headers[0].Key != "h" {
		t.Errorf("third record = %+v", got[2])
	}
	for i, r := range got {
		if r.Topic != topic || r.Partition != 0 || r.Offset != int64(i) || r.Time.IsZero() {
			t.Errorf("record %d position = %s/%d@%d time %v", i, r.Topic, r.Partition, r.Offset, r.Time)
		}
	}
}

// txnProducer writes values in one transaction and commits or aborts it.
func txnProducer(t *testing.T, brokers []string, id, topic string) *kgo.Client {
	return kgoClient(t, brokers, kgo.DefaultProduceTopic(topic), kgo.TransactionalID(id), kgo.RecordPartitioner(kgo.ManualPartitioner()))
}

func inTxn(t *testing.T, cl *kgo.Client, commit bool, partition int32, values ...string) {
	t.Helper()
	ctx := context.Background()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		produce(t, cl, &kgo.Record{Value: []byte(v), Partition: partition})
	}
	if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
		t.Fatalf("end transaction: %v", err)
	}
}

func TestTransactionalInput(t *testing.T) {
	for _, iso := range []consumer.Isolation{consumer.ReadCommitted, consumer.ReadUncommitted} {
		t.Run(iso.String(), func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
			testkafka.CreateTopics(t, brokers, 1, topic)
			// Two transactional producers interleaved on one partition,
			// an abort between two commits, and an aborted transaction
			// larger than one fetch.
			a := txnProducer(t, brokers, testkafka.Name(t, "txa"), topic)
			b := txnProducer(t, brokers, testkafka.Name(t, "txb"), topic)
			inTxn(t, a, true, 0, "a1", "a2")
			inTxn(t, b, false, 0, "B-aborted-1")
			inTxn(t, a, true, 0, "a3")
			big := make([]string, 40)
			for i := range big {
				big[i] = "B-aborted-big-" + strings.Repeat("x", 4096) + fmt.Sprint(i)
			}
			inTxn(t, b, false, 0, big...)
			inTxn(t, b, true, 0, "b1")
			plain := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
			produce(t, plain, &kgo.Record{Value: []byte("plain")})

			h := &collector{}
			r := start(t, brokers, group, []string{topic}, h, func(c *consumer.Config) {
				c.Isolation = iso
				c.MaxFetchBytes = 16 << 10 // aborted data spans several fetches
				c.FetchBudgetBytes = 16 << 10
			})
			want := 5 // a1 a2 a3 b1 plain
			if iso == consumer.ReadUncommitted {
				want += 1 + len(big)
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(h.seen()) < want && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if len(h.seen()) < want {
				t.Fatalf("got %d of %d: %.30q\n%s", len(h.seen()), want, h.values(), r.logs.String())
			}
			ctl := kgoClient(t, brokers)
			// 5 transactions → 5 markers; the log ends after "plain".
			end := int64(want)
			if iso == consumer.ReadCommitted {
				end += 1 + int64(len(big))
			}
			end += 5
			waitFor(t, "commit at the end of the partition, past every marker", func() bool {
				return committed(t, ctl, group, topic)[0] == end
			})
			waitFor(t, "lag 0", func() bool { return r.c.Lag() == 0 })
			vals := h.values()
			if len(vals) != want {
				t.Fatalf("got %d records, want %d: %q", len(vals), want, vals)
			}
			for _, v := range vals {
				if iso == consumer.ReadCommitted && strings.HasPrefix(v, "B-aborted") {
					t.Errorf("read_committed handed over aborted record %.20q", v)
				}
				if v == "" {
					t.Errorf("a control record was handed over")
				}
			}
			if iso == consumer.ReadCommitted {
				if got := testutil.ToFloat64(r.m.Aborted.WithLabelValues(topic)); got != float64(1+len(big)) {
					t.Errorf("aborted_records_total = %v, want %d", got, 1+len(big))
				}
			}
			if got := testutil.ToFloat64(r.m.Control.WithLabelValues(topic)); got != 5 {
				t.Errorf("control_records_total = %v, want 5", got)
			}
		})
	}
}

func TestOpenTransactionHoldsReadCommittedAtTheLastStableOffset(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 1, topic)
	plain := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
	produce(t, plain, &kgo.Record{Value: []byte("before")})
	tx := txnProducer(t, brokers, testkafka.Name(t, "tx"), topic)
	if err := tx.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(t, tx, &kgo.Record{Value: []byte("open")})
	produce(t, plain, &kgo.Record{Value: []byte("after")})

	h := &collector{}
	r := start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "the record before the open transaction", func() bool { return len(h.seen()) >= 1 })
	// Nothing past the last stable offset may come while the transaction
	// is open: give the consumer a dozen fetches to misbehave.
	time.Sleep(1500 * time.Millisecond)
	if v := h.values(); len(v) != 1 || v[0] != "before" {
		t.Fatalf("with the transaction open got %q, want only \"before\"", v)
	}
	if err := tx.EndTransaction(context.Background(), kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rest once the transaction commits", func() bool { return len(h.seen()) >= 3 })
	if v := h.values(); strings.Join(v, ",") != "before,open,after" {
		t.Errorf("order = %q", v)
	}
	waitFor(t, "lag 0", func() bool { return r.c.Lag() == 0 })
}

// TestMarkersDoNotCommitPastUnfinishedRecords: a transaction's records and
// its commit marker come in one fetch; the marker must not make the
// records before it committable while they are still unfinished (it did:
// the marker was registered before the records, so a commit passed over
// them and a rebalance lost them — finding E6, the trend counts that fell
// short under exactly-once, where the mentions topic is transactional).
func TestMarkersDoNotCommitPastUnfinishedRecords(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 1, topic)
	tx := txnProducer(t, brokers, testkafka.Name(t, "tx"), topic)
	vals := make([]string, 20)
	for i := range vals {
		vals[i] = fmt.Sprint("v", i)
	}
	inTxn(t, tx, true, 0, vals...)
	inTxn(t, tx, false, 0, "aborted-1", "aborted-2")
	h := &collector{hold: true} // never finishes a record
	start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "the committed records handed over", func() bool { return len(h.seen()) == len(vals) })
	// A dozen commit intervals: nothing is finished, so nothing may be
	// committed.
	time.Sleep(1200 * time.Millisecond)
	if got, ok := committed(t, kgoClient(t, brokers), group, topic)[0]; ok && got > 0 {
		t.Fatalf("committed offset %d with no record finished: the records below it would be lost by a rebalance", got)
	}
}

// TestReadUntilEndWaitsForOpenTransactions: a state restore (Read with
// UntilEnd, read_committed) must not stop at the last stable offset while
// a transaction is open on the partition: if it did, the updates of a
// transaction that commits a moment later (a previous owner's last one,
// whose input offsets the next owner starts after) would be missing from
// the restored table for good. It ends once the transaction ends, with
// its records if it committed and without them if it aborted.
func TestReadUntilEndWaitsForOpenTransactions(t *testing.T) {
	for _, commit := range []bool{true, false} {
		t.Run(map[bool]string{true: "commit", false: "abort"}[commit], func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			topic := testkafka.Name(t, "changelog")
			testkafka.CreateTopics(t, brokers, 1, topic)
			plain := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
			produce(t, plain, &kgo.Record{Value: []byte("before")})
			tx := txnProducer(t, brokers, testkafka.Name(t, "tx"), topic)
			if err := tx.BeginTransaction(); err != nil {
				t.Fatal(err)
			}
			produce(t, tx, &kgo.Record{Value: []byte("open")})

			var mu sync.Mutex
			var got []string
			done := make(chan error, 1)
			go func() {
				done <- consumer.Read(t.Context(), consumer.ReadConfig{
					Brokers: brokers, Topic: topic, Partition: []int{0}, FromBeginning: true,
					Isolation: consumer.ReadCommitted, UntilEnd: true,
				}, func(r record.Record) error {
					mu.Lock()
					got = append(got, string(r.Value))
					mu.Unlock()
					return nil
				})
			}()
			select {
			case err := <-done:
				t.Fatalf("Read returned (%v) with a transaction open on the partition; it read %q", err, got)
			case <-time.After(1500 * time.Millisecond):
			}
			if err := tx.EndTransaction(context.Background(), kgo.TransactionEndTry(commit)); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Read did not return within 20 s of the transaction's end")
			}
			want := "before"
			if commit {
				want = "before,open"
			}
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(got, ",") != want {
				t.Errorf("read %q, want %s", got, want)
			}
		})
	}
}

func TestRecordsLostToRetentionAreCountedAndLogged(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 1, topic)
	cl := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
	for i := range 300 {
		produce(t, cl, &kgo.Record{Value: []byte(fmt.Sprint(i))})
	}
	// Commit offset 100 for the group, as if it had stopped there.
	kc := &kafka.Client{Addr: kafka.TCP(brokers...)}
	ocr, err := kc.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: 100}}}})
	if err != nil || ocr.Topics[topic][0].Error != nil {
		t.Fatalf("offset commit: %v %+v", err, ocr)
	}
	if got := committed(t, cl, group, topic)[0]; got != 100 {
		t.Fatalf("committed offset = %d after committing 100", got)
	}
	// Retention (here DeleteRecords) removes everything below 250.
	dr := kmsg.NewPtrDeleteRecordsRequest()
	dt := kmsg.NewDeleteRecordsRequestTopic()
	dt.Topic = topic
	dp := kmsg.NewDeleteRecordsRequestTopicPartition()
	dp.Partition, dp.Offset = 0, 250
	dt.Partitions = append(dt.Partitions, dp)
	dr.Topics = append(dr.Topics, dt)
	dr.TimeoutMillis = 5000
	resp, err := dr.RequestWith(context.Background(), cl)
	if err != nil || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("delete records: %v %+v", err, resp)
	}

	h := &collector{}
	r := start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "50 records", func() bool { return len(h.seen()) >= 50 })
	if first := h.seen()[0].Offset; first != 250 {
		t.Errorf("first offset = %d, want 250", first)
	}
	if got := testutil.ToFloat64(r.m.Skipped.WithLabelValues(topic, "0")); got != 150 {
		t.Errorf("skipped_records_total = %v, want 150", got)
	}
	log := r.logs.String()
	for _, want := range []string{"records lost before they were consumed", "from_offset=100", "to_offset=250", "records=150", "partition=0", topic} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestInFlightBudgetIsSharedByEveryPartition(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 48, topic)
	cl := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
	var recs []*kgo.Record
	for i := range 48 * 40 {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: bytes.Repeat([]byte("a"), 1000)})
	}
	produce(t, cl, recs...)
	h := &collector{hold: true}
	r := start(t, brokers, group, []string{topic}, h, func(c *consumer.Config) {
		c.MaxInFlight = 100
		c.MaxInFlightBytes = 1 << 30
	})
	waitFor(t, "the budget to fill", func() bool { return len(h.seen()) >= 100 })
	time.Sleep(time.Second) // let every fetcher try to push more
	if n := len(h.seen()); n != 100 {
		t.Errorf("handed over %d records with nothing done, want exactly the budget of 100", n)
	}
	if got := testutil.ToFloat64(r.m.InFlight); got != 100 {
		t.Errorf("inflight_records = %v, want 100", got)
	}

	// The byte budget binds too.
	h2 := &collector{hold: true}
	r2 := start(t, brokers, testkafka.Name(t, "g2"), []string{topic}, h2, func(c *consumer.Config) {
		c.MaxInFlight = 100000
		c.MaxInFlightBytes = 50 * 1100
	})
	waitFor(t, "the byte budget to fill", func() bool { return len(h2.seen()) >= 40 })
	time.Sleep(time.Second)
	var held int64
	for _, r := range h2.seen() {
		held += r.Size()
	}
	if held > 50*1100 {
		t.Errorf("handed over %d records of %d bytes in all under a %d-byte budget", len(h2.seen()), held, 50*1100)
	}
	if got := testutil.ToFloat64(r2.m.InFlightBytes); got > 50*1100 {
		t.Errorf("inflight_bytes = %v over the budget", got)
	}
}

func TestNotJoinedWhileTheBrokerIsGone(t *testing.T) {
	b, err := broker.Start(broker.Options{Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	brokers := b.Addrs()
	topic := "in"
	testkafka.CreateTopics(t, brokers, 1, topic)
	h := &collector{}
	r := start(t, brokers, "g", []string{topic}, h, func(c *consumer.Config) {
		c.SessionTimeout, c.HeartbeatInterval = 6*time.Second, 300*time.Millisecond
	})
	waitFor(t, "joined", func() bool { ok, _ := r.c.Joined(); return ok })
	b.Close() // the broker dies without a goodbye
	waitFor(t, "not joined after the broker died", func() bool { ok, _ := r.c.Joined(); return !ok })
	if got := testutil.ToFloat64(r.m.Joined); got != 0 {
		t.Errorf("group_joined = %v, want 0", got)
	}
	waitFor(t, "a reason", func() bool { _, why := r.c.Joined(); return why != "" })
}

// failOnce fails its first claim that sees a record, then behaves.
type failOnce struct {
	collector
	failed sync.Once
	didF   chan struct{}
}

func (h *failOnce) HandleClaim(ctx context.Context, c consumer.Claim) error {
	fail := false
	for r := range c.Records() {
		h.failed.Do(func() { fail = true; close(h.didF) })
		if fail {
			return fmt.Errorf("write failed for good")
		}
		h.mu.Lock()
		h.recs = append(h.recs, r)
		h.mu.Unlock()
		c.Done(r)
	}
	return nil
}

func TestAFailedHandlerRejoinsAndTheRecordsComeAgain(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 1, topic)
	cl := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic))
	for i := range 20 {
		produce(t, cl, &kgo.Record{Value: []byte(fmt.Sprint(i))})
	}
	h := &failOnce{didF: make(chan struct{})}
	r := start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "all 20 after the rejoin", func() bool { return len(h.seen()) >= 20 })
	if v := h.values(); v[0] != "0" {
		t.Errorf("after the rejoin reading resumed at %q, want the committed offset (record 0)", v[0])
	}
	if !strings.Contains(r.logs.String(), "partition handler failed") {
		t.Errorf("no error line for the failed handler:\n%s", r.logs.String())
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  consumer.Config
		want string
	}{
		{consumer.Config{GroupID: "g", Topics: []string{"t"}}, "no brokers"},
		{consumer.Config{Brokers: []string{"x:1"}, Topics: []string{"t"}}, "group id"},
		{consumer.Config{Brokers: []string{"x:1"}, GroupID: "g"}, "no input topic"},
		{consumer.Config{Brokers: []string{"x:1"}, GroupID: "g", Topics: []string{"t", "t"}}, "twice"},
		{consumer.Config{Brokers: []string{"x:1"}, GroupID: "g", Topics: []string{"t"}, MaxInFlight: -1}, "max in-flight"},
		{consumer.Config{Brokers: []string{"x:1"}, GroupID: "g", Topics: []string{"t"}, HeartbeatInterval: time.Minute}, "heartbeat"},
		{consumer.Config{Brokers: []string{"x:1"}, GroupID: "g", Topics: []string{"t"}, MaxFetchBytes: 10}, "fetch bytes"},
	} {
		_, err := consumer.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want one mentioning %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := consumer.ParseIsolation("serializable"); err == nil {
		t.Error("ParseIsolation accepted nonsense")
	}
}
