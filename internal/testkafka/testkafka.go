// Package testkafka gives integration tests a Kafka to talk to over TCP:
// the real broker named by $NEWSFLOW_TEST_BROKERS when it is set (the real
// Apache Kafka tier), else a fresh embedded broker for the test. It also
// has the small produce/read/offset helpers those tests share. It is for
// tests only.
package testkafka

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/broker"
)

// EnvBrokers names the variable that points the tests at a real broker.
const EnvBrokers = "NEWSFLOW_TEST_BROKERS"

// Brokers returns broker addresses for t: $NEWSFLOW_TEST_BROKERS, or an
// embedded broker started now and closed when t ends.
func Brokers(t testing.TB) []string {
	t.Helper()
	if v := os.Getenv(EnvBrokers); v != "" {
		return strings.Split(v, ",")
	}
	b, err := broker.Start(broker.Options{Partitions: 3})
	if err != nil {
		t.Fatalf("start embedded broker: %v", err)
	}
	t.Cleanup(b.Close)
	return b.Addrs()
}

// Real reports whether the tests run against a real broker.
func Real() bool { return os.Getenv(EnvBrokers) != "" }

var unsafe = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// Name returns a topic or group name unique to this test run, so that runs
// against a shared real broker never see each other's data.
func Name(t testing.TB, base string) string {
	return fmt.Sprintf("%s.%s.%d", base, unsafe.ReplaceAllString(t.Name(), "_"), time.Now().UnixNano()%1e9)
}

// CreateTopics creates topics with the given partitions.
func CreateTopics(t testing.TB, brokers []string, partitions int, topics ...string) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for _, tp := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: tp, NumPartitions: partitions, ReplicationFactor: 1})
	}
	resp, err := c.CreateTopics(context.Background(), req)
	if err != nil {
		t.Fatalf("create topics: %v", err)
	}
	for tp, err := range resp.Errors {
		if err != nil {
			t.Fatalf("create topic %s: %v", tp, err)
		}
	}
}

// Produce writes messages (acks=all) to topic.
func Produce(t testing.TB, brokers []string, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 2 * time.Millisecond, BatchSize: 1000}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for len(msgs) > 0 {
		n := min(1000, len(msgs))
		if err := w.WriteMessages(ctx, msgs[:n]...); err != nil {
			t.Fatalf("produce to %s: %v", topic, err)
		}
		msgs = msgs[n:]
	}
}

// ReadUntil reads every partition of topic from the beginning until done
// returns true for the messages read so far (checked after each message) or
// timeout passes, and returns the messages.
func ReadUntil(t testing.TB, brokers []string, topic string, timeout time.Duration, done func([]kafka.Message) bool) []kafka.Message {
	t.Helper()
	parts := Partitions(t, brokers, topic)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var mu sync.Mutex
	var out []kafka.Message
	finished := false
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range parts {
		g.Go(func() error {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p, MaxWait: 100 * time.Millisecond})
			defer r.Close()
			for {
				m, err := r.ReadMessage(gctx)
				if err != nil {
					return nil
				}
				mu.Lock()
				out = append(out, m)
				if !finished && done(out) {
					finished = true
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	_ = g.Wait()
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Offset < out[j].Offset
	})
	return out
}

// Partitions lists a topic's partition ids.
func Partitions(t testing.TB, brokers []string, topic string) []int {
	t.Helper()
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	ids := make([]int, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	sort.Ints(ids)
	return ids
}

// EndOffsets returns each partition's high watermark.
func EndOffsets(t testing.TB, brokers []string, topic string) map[int]int64 {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	var reqs []kafka.OffsetRequest
	for _, p := range Partitions(t, brokers, topic) {
		reqs = append(reqs, kafka.LastOffsetOf(p))
	}
	// A topic created a moment ago may not have its leaders known yet
	// (NotLeaderForPartition, LeaderNotAvailable on a real broker): retry
	// for a few seconds.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := c.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
		if err == nil {
			out := map[int]int64{}
			for _, po := range resp.Topics[topic] {
				if po.Error != nil {
					err = fmt.Errorf("list offsets %s/%d: %w", topic, po.Partition, po.Error)
					break
				}
				out[po.Partition] = po.LastOffset
			}
			if err == nil {
				return out
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("list offsets: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Committed returns the group's committed offsets for topic (-1 where none).
func Committed(t testing.TB, brokers []string, group, topic string) map[int]int64 {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	resp, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group,
		Topics: map[string][]int{topic: Partitions(t, brokers, topic)}})
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out
}

// Header returns the value of a message header, or "".
func Header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
