package consumer_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// stableBrokers returns the brokers of the test tier and, on the embedded
// broker, its cluster (for counting requests), nil on a real broker.
func stableBrokers(t *testing.T) ([]string, *kfake.Cluster) {
	t.Helper()
	if testkafka.Real() {
		return testkafka.Brokers(t), nil
	}
	b, err := broker.Start(broker.Options{Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addrs(), b.Cluster()
}

// countKey counts the requests of key the embedded cluster c sees (0
// forever on a real broker, c nil).
func countKey(c *kfake.Cluster, key kmsg.Key) *atomic.Int64 {
	n := &atomic.Int64{}
	if c != nil {
		c.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
			n.Add(1)
			return nil, nil, false // observe only: the broker answers
		})
	}
	return n
}

// plainCommit commits offs (partition -> offset) of topic for group with a
// plain OffsetCommit outside any generation.
func plainCommit(t testing.TB, brokers []string, group, topic string, offs map[int]int64) {
	t.Helper()
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	req := &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{}}
	for p, o := range offs {
		req.Topics[topic] = append(req.Topics[topic], kafka.OffsetCommit{Partition: p, Offset: o})
	}
	// A real broker answers NOT_COORDINATOR and the like while it
	// creates and loads __consumer_offsets.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := func() error {
			resp, err := cl.OffsetCommit(context.Background(), req)
			if err != nil {
				return err
			}
			for _, ps := range resp.Topics {
				for _, p := range ps {
					if p.Error != nil {
						return fmt.Errorf("partition %d: %w", p.Partition, p.Error)
					}
				}
			}
			return nil
		}()
		if err == nil {
			return
		}
		if time.Now().After(deadline) || !(errors.Is(err, kafka.NotCoordinatorForGroup) || errors.Is(err, kafka.GroupCoordinatorNotAvailable) || errors.Is(err, kafka.GroupLoadInProgress)) {
			t.Fatalf("offset commit: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pendingTxn is a transaction of the project's TxnProducer, with a record
// written, to which offsets of a group were sent (AddOffsetsToTxn and
// TxnOffsetCommit, with the producer's id and epoch): they stay pending
// until the test commits or aborts it.
type pendingTxn struct {
	p *producer.TxnProducer
}

func beginPendingTxn(t *testing.T, brokers []string, group, topic, out string, offs map[int32]int64) *pendingTxn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tid := testkafka.Name(t, "tx")
	p, err := producer.NewTxn(ctx, producer.TxnConfig{Brokers: brokers, TransactionalID: tid, TransactionTimeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("transactional producer: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	if err := p.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := p.Write(ctx, []record.Record{{Topic: out, Key: []byte("k"), Value: []byte("in the transaction")}}); err != nil {
		t.Fatalf("transactional write: %v", err)
	}
	pid, epoch := p.ProducerID()
	cl := kgoClient(t, brokers)
	ao := kmsg.NewPtrAddOffsetsToTxnRequest()
	ao.TransactionalID, ao.ProducerID, ao.ProducerEpoch, ao.Group = tid, pid, epoch, group
	aresp, err := ao.RequestWith(ctx, cl)
	if err != nil || aresp.ErrorCode != 0 {
		t.Fatalf("AddOffsetsToTxn: %v (code %d)", err, errCode(aresp))
	}
	// The topic by name (up to v5) and by id (v6 on).
	mreq := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(topic)
	mreq.Topics = append(mreq.Topics, mt)
	mresp, err := mreq.RequestWith(ctx, cl)
	if err != nil || len(mresp.Topics) != 1 {
		t.Fatalf("metadata of %s: %v", topic, err)
	}
	oc := kmsg.NewPtrTxnOffsetCommitRequest()
	oc.TransactionalID, oc.Group, oc.ProducerID, oc.ProducerEpoch, oc.Generation = tid, group, pid, epoch, -1
	rt := kmsg.NewTxnOffsetCommitRequestTopic()
	rt.Topic, rt.TopicID = topic, mresp.Topics[0].TopicID
	for p, o := range offs {
		rp := kmsg.NewTxnOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, o, -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	oc.Topics = append(oc.Topics, rt)
	oresp, err := oc.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("TxnOffsetCommit: %v", err)
	}
	for _, rt := range oresp.Topics {
		for _, rp := range rt.Partitions {
			if rp.ErrorCode != 0 {
				t.Fatalf("TxnOffsetCommit of partition %d: code %d", rp.Partition, rp.ErrorCode)
			}
		}
	}
	return &pendingTxn{p: p}
}

func errCode(r *kmsg.AddOffsetsToTxnResponse) int16 {
	if r == nil {
		return -1
	}
	return r.ErrorCode
}

// end commits (EndTxn) or aborts the transaction.
func (x *pendingTxn) end(t *testing.T, commit bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	if commit {
		err = x.p.Commit(ctx, nil) // EndTxn(commit): the offsets sent commit with it
	} else {
		err = x.p.Abort(ctx)
	}
	if err != nil {
		t.Fatalf("end transaction (commit %v): %v", commit, err)
	}
}

// A transactional offset commit that is pending (TxnOffsetCommit accepted,
// no EndTxn yet) is invisible to kafka-go's OffsetFetch (v5 at most, no
// require_stable), which reads the previous offset; OffsetFetcher (v7,
// require_stable) gets UNSTABLE_OFFSET_COMMIT and keeps asking until the
// transaction ends, then returns its offset (commit) or the previous one
// (abort). Runs on the embedded broker, and on real Kafka with
// $NEWSFLOW_TEST_BROKERS.
func TestOffsetFetcherWaitsForAPendingTransactionalCommit(t *testing.T) {
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
			brokers, cluster := stableBrokers(t)
			topic, out, group := testkafka.Name(t, "in"), testkafka.Name(t, "out"), testkafka.Name(t, "g")
			testkafka.CreateTopics(t, brokers, 3, topic, out)
			plainCommit(t, brokers, group, topic, map[int]int64{0: 1, 1: 7})
			f := consumer.OffsetFetcher{Brokers: brokers, Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
			parts := map[string][]int{topic: {0, 1, 2}}

			got, err := f.Fetch(t.Context(), group, parts)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[int]int64{0: 1, 1: 7, 2: -1}; !mapsEqual(got[topic], want) {
				t.Fatalf("before the transaction: %v, want %v", got[topic], want)
			}

			x := beginPendingTxn(t, brokers, group, topic, out, map[int32]int64{0: 5})
			// kafka-go's OffsetFetch reads the previous offset: the gap.
			old, err := (&kafka.Client{Addr: kafka.TCP(brokers...)}).OffsetFetch(t.Context(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: {0}}})
			if err != nil {
				t.Fatal(err)
			}
			if o := old.Topics[topic][0].CommittedOffset; o != 1 {
				t.Errorf("kafka-go's OffsetFetch during the transaction: %d, want 1 (the last stable offset)", o)
			}

			fetches := countKey(cluster, kmsg.OffsetFetch)
			ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
			_, err = f.Fetch(ctx, group, parts)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, kafka.UnstableOffsetCommit) {
				t.Fatalf("Fetch during the transaction: %v, want a deadline error wrapping UNSTABLE_OFFSET_COMMIT", err)
			}
			t.Logf("during the transaction: %v", err)
			if cluster != nil && fetches.Load() < 3 {
				t.Errorf("%d OffsetFetch requests in 1.5 s, want retries", fetches.Load())
			}

			type result struct {
				offs map[string]map[int]int64
				err  error
				at   time.Time
			}
			res := make(chan result, 1)
			go func() {
				offs, err := f.Fetch(t.Context(), group, parts)
				res <- result{offs, err, time.Now()}
			}()
			time.Sleep(500 * time.Millisecond)
			select {
			case r := <-res:
				t.Fatalf("Fetch returned before the transaction ended: %v %v", r.offs, r.err)
			default:
			}
			ended := time.Now()
			x.end(t, commit)
			var r result
			select {
			case r = <-res:
			case <-time.After(30 * time.Second):
				t.Fatal("Fetch did not return within 30 s of the end of the transaction")
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			want := map[int]int64{0: 1, 1: 7, 2: -1}
			if commit {
				want[0] = 5
			}
			if !mapsEqual(r.offs[topic], want) {
				t.Fatalf("after the transaction: %v, want %v", r.offs[topic], want)
			}
			t.Logf("Fetch returned %v %v after the transaction ended (commit %v)", r.offs[topic], r.at.Sub(ended).Round(time.Millisecond), commit)
		})
	}
}

func mapsEqual(a, b map[int]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// The retry path, with answers injected into the embedded broker's
// OffsetFetch: UNSTABLE_OFFSET_COMMIT on a partition, then
// NOT_COORDINATOR (the coordinator is looked up again), then
// COORDINATOR_LOAD_IN_PROGRESS and COORDINATOR_NOT_AVAILABLE are retried;
// any other error code fails at once with the code wrapped; ctx bounds the
// retries.
func TestOffsetFetcherRetriesAndFails(t *testing.T) {
	b, err := broker.Start(broker.Options{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c := b.Cluster()
	brokers := b.Addrs()
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 2, topic)
	plainCommit(t, brokers, group, topic, map[int]int64{0: 3, 1: 4})
	parts := map[string][]int{topic: {0, 1}}
	f := consumer.OffsetFetcher{Brokers: brokers, Backoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}

	// answer makes the next OffsetFetch requests fail: a code > 0 on
	// partition 1, a code < 0 for the whole request (its negation).
	answer := func(codes ...int16) (seen *atomic.Int64) {
		seen = &atomic.Int64{}
		var at atomic.Int64
		c.ControlKey(int16(kmsg.OffsetFetch), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
			seen.Add(1)
			i := int(at.Add(1)) - 1
			if i >= len(codes) {
				return nil, nil, false // from now on the broker answers
			}
			c.KeepControl()
			req := kreq.(*kmsg.OffsetFetchRequest)
			if !req.RequireStable || req.Version < 7 {
				t.Errorf("OffsetFetch v%d require_stable %v, want v7+ with require_stable", req.Version, req.RequireStable)
			}
			resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
			if codes[i] < 0 {
				resp.ErrorCode = -codes[i]
				return resp, nil, true
			}
			for _, rt := range req.Topics {
				st := kmsg.NewOffsetFetchResponseTopic()
				st.Topic = rt.Topic
				for _, p := range rt.Partitions {
					sp := kmsg.NewOffsetFetchResponseTopicPartition()
					sp.Partition, sp.Offset, sp.LeaderEpoch = p, 99, -1
					if p == 1 {
						sp.ErrorCode, sp.Offset = codes[i], -1
					}
					st.Partitions = append(st.Partitions, sp)
				}
				resp.Topics = append(resp.Topics, st)
			}
			return resp, nil, true
		})
		return seen
	}

	t.Run("retriable", func(t *testing.T) {
		finds := countKey(c, kmsg.FindCoordinator)
		seen := answer(88, 88, 88, -16, -14, -15, 88)
		got, err := f.Fetch(t.Context(), group, parts)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int64{0: 3, 1: 4}; !mapsEqual(got[topic], want) {
			t.Fatalf("got %v, want %v", got[topic], want)
		}
		if n := seen.Load(); n != 8 {
			t.Errorf("%d OffsetFetch requests, want 8 (7 refused, 1 answered)", n)
		}
		// The first lookup, and one after NOT_COORDINATOR and after
		// COORDINATOR_NOT_AVAILABLE each.
		if n := finds.Load(); n != 3 {
			t.Errorf("%d FindCoordinator requests, want 3", n)
		}
	})
	t.Run("fatal", func(t *testing.T) {
		for _, code := range []int16{30, -30, 3} { // GROUP_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION
			seen := answer(code)
			_, err := f.Fetch(t.Context(), group, parts)
			abs := max(code, -code)
			if !errors.Is(err, kafka.Error(abs)) {
				t.Errorf("code %d: %v, want an error wrapping %v", code, err, kafka.Error(abs))
			}
			if n := seen.Load(); n != 1 {
				t.Errorf("code %d: %d requests, want 1 (no retry)", code, n)
			}
		}
	})
	t.Run("bounded by ctx", func(t *testing.T) {
		codes := make([]int16, 1000)
		for i := range codes {
			codes[i] = 88
		}
		answer(codes...)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := f.Fetch(ctx, group, parts)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, kafka.UnstableOffsetCommit) {
			t.Errorf("%v, want a deadline error wrapping UNSTABLE_OFFSET_COMMIT", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("took %v with a 300 ms deadline", took)
		}
	})
	t.Run("no brokers answering", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, err = consumer.OffsetFetcher{Brokers: []string{addr}}.Fetch(t.Context(), group, parts)
		if err == nil || !strings.Contains(err.Error(), addr) {
			t.Errorf("%v, want an error naming %s", err, addr)
		}
	})
}

// The fetcher opens its connections as the consumer's kafka.Dialer says:
// TLS, and SASL PLAIN or SCRAM, against the embedded broker; a wrong
// password fails at once with a SASL error.
func TestOffsetFetcherOverTLSAndSASL(t *testing.T) {
	serverTLS, clientTLS := tlsPair(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(serverTLS), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "newsflow", "s3cret"), kfake.Superuser("SCRAM-SHA-256", "newsflow", "s3cret"),
		kfake.SeedTopics(2, "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	scramGood, err := scram.Mechanism(scram.SHA256, "newsflow", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	plainGood := plain.Mechanism{Username: "newsflow", Password: "s3cret"}
	// A committed offset to read back, through a client of the same
	// settings.
	tr := &kafka.Transport{TLS: clientTLS, SASL: plainGood}
	_, err = (&kafka.Client{Addr: kafka.TCP(brokers...), Transport: tr}).OffsetCommit(t.Context(), &kafka.OffsetCommitRequest{
		GroupID: "g", GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{"in": {{Partition: 1, Offset: 42}}}})
	tr.CloseIdleConnections()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		mech sasl.Mechanism
		want string // error substring, "" = success
	}{
		{"plain", plainGood, ""},
		{"scram-sha-256", scramGood, ""},
		{"wrong password", plain.Mechanism{Username: "newsflow", Password: "wrong"}, "SASL PLAIN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := consumer.OffsetFetcher{Brokers: brokers, Dialer: &kafka.Dialer{Timeout: 5 * time.Second, TLS: clientTLS, SASLMechanism: tt.mech}}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got, err := f.Fetch(ctx, "g", map[string][]int{"in": {0, 1}})
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want == "" && !mapsEqual(got["in"], map[int]int64{0: -1, 1: 42}):
				t.Fatalf("got %v", got)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("%v, want an error containing %q", err, tt.want)
			case err != nil:
				t.Logf("as expected: %v", err)
			}
		})
	}
	t.Run("plaintext to the TLS listener", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_, err := consumer.OffsetFetcher{Brokers: brokers, Dialer: &kafka.Dialer{Timeout: time.Second}}.Fetch(ctx, "g", map[string][]int{"in": {0}})
		if err == nil {
			t.Fatal("no error")
		}
		t.Logf("as expected: %v", err)
	})
}

// tlsPair returns a server configuration with a certificate for 127.0.0.1
// and a client configuration that trusts it.
func tlsPair(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "offset fetch test broker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// E1 at the consumer: a group member whose partition has a pending
// transactional offset commit (a zombie's transaction between its
// TxnOffsetCommit and its EndTxn) hands no record of it over until the
// transaction ends, then starts at the offset the transaction committed,
// not at the previous one (which kafka-go's ConsumerGroup reports).
func TestConsumerStartsAtTheOffsetOfAPendingTransaction(t *testing.T) {
	brokers, _ := stableBrokers(t)
	topic, out, group := testkafka.Name(t, "in"), testkafka.Name(t, "out"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 3, topic, out)
	cl := kgoClient(t, brokers, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var recs []*kgo.Record
	for i := range 10 {
		recs = append(recs, &kgo.Record{Partition: 0, Value: fmt.Appendf(nil, "v%d", i)})
	}
	produce(t, cl, recs...)
	plainCommit(t, brokers, group, topic, map[int]int64{0: 1})
	x := beginPendingTxn(t, brokers, group, topic, out, map[int32]int64{0: 5})

	h := &collector{}
	r := start(t, brokers, group, []string{topic}, h, nil)
	waitFor(t, "the partitions assigned", func() bool { return strings.Contains(r.logs.String(), "partitions assigned") })
	time.Sleep(1500 * time.Millisecond)
	if got := h.values(); len(got) > 0 {
		t.Fatalf("records handed over while the transaction holding the offsets is open: %v", got)
	}
	x.end(t, true)
	waitFor(t, "the records from offset 5", func() bool { return len(h.seen()) >= 5 })
	time.Sleep(300 * time.Millisecond)
	var offs []int64
	for _, rec := range h.seen() {
		offs = append(offs, rec.Offset)
	}
	if want := []int64{5, 6, 7, 8, 9}; !slices.Equal(offs, want) {
		t.Fatalf("offsets handed over %v, want %v", offs, want)
	}
	if !strings.Contains(r.logs.String(), "after waiting for pending transactional offset commits") {
		t.Errorf("no log line about the wait:\n%s", r.logs.String())
	}
}

// BenchmarkOffsetFetcher measures one Fetch of 6 partitions (connect,
// ApiVersions, FindCoordinator, OffsetFetch v7): the cost added to the
// start of every generation.
func BenchmarkOffsetFetcher(b *testing.B) {
	brokers := testkafka.Brokers(b)
	topic, group := testkafka.Name(b, "in"), testkafka.Name(b, "g")
	testkafka.CreateTopics(b, brokers, 6, topic)
	plainCommit(b, brokers, group, topic, map[int]int64{0: 1})
	f := consumer.OffsetFetcher{Brokers: brokers}
	parts := map[string][]int{topic: {0, 1, 2, 3, 4, 5}}
	for b.Loop() {
		if _, err := f.Fetch(b.Context(), group, parts); err != nil {
			b.Fatal(err)
		}
	}
}

// The same over the SASL, TLS and SASL_SSL listeners of the real broker of
// scripts/kafka.sh, with the consumer's Dialer built by kafkasec as
// `newsflow run` builds it. Skipped without that broker.
func TestOffsetFetcherRealKafkaSecurity(t *testing.T) {
	saslAddr, tlsAddr, saslSSL := os.Getenv("NEWSFLOW_TEST_KAFKA_SASL"), os.Getenv("NEWSFLOW_TEST_KAFKA_TLS"), os.Getenv("NEWSFLOW_TEST_KAFKA_SASL_SSL")
	if !testkafka.Real() || saslAddr == "" || tlsAddr == "" {
		t.Skip("no SASL/TLS broker: run scripts/kafka.sh start and eval \"$(scripts/kafka.sh env)\"")
	}
	user, pass, ca := os.Getenv("NEWSFLOW_TEST_KAFKA_SASL_USER"), os.Getenv("NEWSFLOW_TEST_KAFKA_SASL_PASSWORD"), os.Getenv("NEWSFLOW_TEST_KAFKA_TLS_CA")
	brokers := testkafka.Brokers(t)
	topic, group := testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 2, topic)
	plainCommit(t, brokers, group, topic, map[int]int64{1: 42})
	cases := []struct {
		name, addr string
		sec        kafkasec.Options
		want       string // error substring, "" = success
	}{
		{"sasl plain", saslAddr, kafkasec.Options{SASLMechanism: "plain", Username: user, Password: pass}, ""},
		{"sasl scram-sha-256", saslAddr, kafkasec.Options{SASLMechanism: "scram-sha-256", Username: user, Password: pass}, ""},
		{"sasl scram-sha-512", saslAddr, kafkasec.Options{SASLMechanism: "scram-sha-512", Username: user, Password: pass}, ""},
		{"tls", tlsAddr, kafkasec.Options{TLS: true, TLSCAFile: ca}, ""},
		{"sasl_ssl scram-sha-512", saslSSL, kafkasec.Options{SASLMechanism: "scram-sha-512", Username: user, Password: pass, TLS: true, TLSCAFile: ca}, ""},
		{"wrong password", saslAddr, kafkasec.Options{SASLMechanism: "scram-sha-512", Username: user, Password: "wrong"}, "SASL SCRAM-SHA-512"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.addr == "" {
				t.Skip("listener not configured")
			}
			d, err := c.sec.Dialer(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			start := time.Now()
			got, err := consumer.OffsetFetcher{Brokers: []string{c.addr}, Dialer: d}.Fetch(ctx, group, map[string][]int{topic: {0, 1}})
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want == "" && !mapsEqual(got[topic], map[int]int64{0: -1, 1: 42}):
				t.Fatalf("got %v", got[topic])
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("%v, want an error containing %q", err, c.want)
			}
			t.Logf("%v in %v", err, time.Since(start).Round(100*time.Microsecond))
		})
	}
}
