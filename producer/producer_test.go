package producer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

func TestWriteAcknowledgesEveryRecord(t *testing.T) {
	e := start(t, []string{"out", "side"}, nil)
	recs := append(records("out", "", 40), records("side", "", 10)...)
	if err := e.p.Write(t.Context(), recs); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got := e.read("out", 40)
	if !slices.ContainsFunc(got, func(m kafka.Message) bool {
		return string(m.Key) == "key-7" && string(m.Value) == "value-7" && len(m.Headers) == 1 &&
			m.Headers[0].Key == "n" && string(m.Headers[0].Value) == "7"
	}) {
		t.Errorf("record key-7 missing or altered in %v", values(got))
	}
	e.read("side", 10)
	if got, want := e.metric("newsflow_producer_records_total", "out"), 40.0; got != want {
		t.Errorf("records_total{out} = %v, want %v", got, want)
	}
	if got, want := e.metric("newsflow_producer_bytes_total", "side"), float64(len("value-0")*10); got != want {
		t.Errorf("bytes_total{side} = %v, want %v", got, want)
	}
	if e.metric("newsflow_producer_write_duration_seconds", "out") == 0 || e.metric("newsflow_producer_batch_size_records", "out") == 0 {
		t.Error("no write duration or batch size observed")
	}
	if failing, why := e.p.Failing(); failing {
		t.Errorf("Failing after success: %s", why)
	}
	if e.p.Stats().Messages != 50 {
		t.Errorf("kafka-go stats: %+v", e.p.Stats())
	}
	if err := e.p.Write(t.Context(), nil); err != nil {
		t.Errorf("empty Write: %v", err)
	}
}

func TestWriteKeepsOrderPerKey(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	recs := records("out", "same-key", 200)
	for i := 0; i < len(recs); i += 50 {
		if err := e.p.Write(t.Context(), recs[i:i+50]); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	got := values(e.read("out", 200))
	for i, v := range got {
		if want := fmt.Sprintf("value-%d", i); v != want {
			t.Fatalf("record %d is %s, want %s", i, v, want)
		}
	}
}

func TestWriteRetriesTransientErrors(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	// kafka-go tries a batch three times itself: the fault outlasts that,
	// so Write's own loop must retry. One key: one partition, one batch.
	h := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "out", Err: kerr.NotEnoughReplicas, Count: 3})
	if err := e.p.Write(t.Context(), records("out", "k", 5)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if h.Hits() != 3 {
		t.Errorf("fault answered %d produce requests, want 3", h.Hits())
	}
	if got := values(e.read("out", 5)); !slices.Equal(got, []string{"value-0", "value-1", "value-2", "value-3", "value-4"}) {
		t.Errorf("read %v", got)
	}
	if e.metric("newsflow_producer_write_errors_total", "out") < 1 {
		t.Error("write_errors_total{out} not counted")
	}
	if len(e.log.lines("level=WARN", "topic=out", "class=transient")) == 0 {
		t.Errorf("no retry warning in log:\n%s", e.log)
	}
	if failing, why := e.p.Failing(); failing {
		t.Errorf("Failing after success: %s", why)
	}
}

func TestWriteRejectsRecordOverBatchBytes(t *testing.T) {
	e := start(t, []string{"out"}, func(c *producer.Config) { c.BatchBytes = 4096 })
	recs := records("out", "k", 3)
	recs[1].Value = bytes.Repeat([]byte("x"), 10_000)
	err := e.p.Write(t.Context(), recs)
	var rej *producer.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("Write = %v, want *RejectedError", err)
	}
	if len(rej.Errs) != 3 || rej.Errs[0] != nil || rej.Errs[2] != nil {
		t.Fatalf("Errs = %v, want only the second record refused", rej.Errs)
	}
	var werr *producer.WriteError
	if !errors.As(rej.Errs[1], &werr) || werr.Class != producer.ClassTooLarge || werr.Topic != "out" || !errors.Is(werr, kafka.MessageSizeTooLarge) {
		t.Errorf("Errs[1] = %#v, want a too_large *WriteError for out", rej.Errs[1])
	}
	if !errors.Is(err, kafka.MessageSizeTooLarge) {
		t.Errorf("Write = %v: want errors.Is to see the record's error through the *RejectedError", err)
	}
	if !strings.Contains(err.Error(), "1 record(s) rejected") {
		t.Errorf("error text: %v", err)
	}
	if got := values(e.read("out", 2)); !slices.Equal(got, []string{"value-0", "value-2"}) {
		t.Errorf("read %v", got)
	}
	if got := e.metric("newsflow_producer_rejected_records_total", producer.ClassTooLarge, "out"); got != 1 {
		t.Errorf("rejected_records_total{too_large,out} = %v, want 1", got)
	}
}

func TestWriteIsolatesRecordTheBrokerRefuses(t *testing.T) {
	const topic = "strict"
	for _, tc := range []struct {
		name, class string
		setup       func(t *testing.T, e *env)
		bad         []byte
	}{{
		// The broker checks its size limit on the whole batch: the small
		// records sharing a batch with the big one are refused too, and
		// must be resent alone.
		name: "too large for the topic", class: producer.ClassTooLarge,
		setup: func(t *testing.T, e *env) {
			c := &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: wait}
			resp, err := c.CreateTopics(t.Context(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
				Topic: topic, NumPartitions: 1, ReplicationFactor: 1,
				ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: "3000"}},
			}}})
			if err == nil {
				err = resp.Errors[topic]
			}
			if err != nil {
				t.Fatalf("create topic: %v", err)
			}
		},
		bad: randomBytes(5000), // over the topic's 3000 bytes even compressed
	}, {
		name: "invalid record", class: producer.ClassInvalidRecord,
		setup: func(t *testing.T, e *env) {
			testkafka.CreateTopics(t, e.brokers, 1, topic)
			e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerr.InvalidRecord, Count: -1,
				When: func(r kmsg.Request) bool { return produces(r, []byte("POISON")) }})
		},
		bad: []byte("POISON"),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, nil, func(c *producer.Config) { c.Compression = producer.CompressionNone })
			tc.setup(t, e)
			recs := records(topic, "k", 4)
			recs[1].Value = tc.bad
			err := e.p.Write(t.Context(), recs)
			var rej *producer.RejectedError
			if !errors.As(err, &rej) {
				t.Fatalf("Write = %v, want *RejectedError", err)
			}
			var werr *producer.WriteError
			if rej.Errs[0] != nil || rej.Errs[2] != nil || rej.Errs[3] != nil || !errors.As(rej.Errs[1], &werr) || werr.Class != tc.class {
				t.Fatalf("Errs = %v, want only record 1 refused as %s", rej.Errs, tc.class)
			}
			if got := values(e.read(topic, 3)); !slices.Equal(got, []string{"value-0", "value-2", "value-3"}) {
				t.Errorf("read %v, want the three good records in order", got)
			}
			if got := e.metric("newsflow_producer_rejected_records_total", tc.class, topic); got != 1 {
				t.Errorf("rejected_records_total = %v, want 1", got)
			}
		})
	}
}

func TestWriteWaitsForOperatorToFixAuthorization(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	h := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "out", Err: kerr.TopicAuthorizationFailed, Count: -1})
	done := writeAsync(t.Context(), e.p, records("out", "", 20))

	var why string
	eventually(t, "Failing to report the authorization error", func() (ok bool) {
		ok, why = e.p.Failing()
		return ok && strings.Contains(why, "(authorization)")
	})
	for _, want := range []string{`topic "out"`, "TOPIC_AUTHORIZATION_FAILED", `grant this client's principal WRITE and DESCRIBE on topic "out"`} {
		if !strings.Contains(why, want) {
			t.Errorf("Failing reason %q does not contain %q", why, want)
		}
	}
	eventually(t, "several retries", func() bool { return h.Hits() >= 5 })
	select {
	case err := <-done:
		t.Fatalf("Write returned %v while the topic was not writable; want it to keep retrying", err)
	default:
	}
	lines := e.log.lines("level=ERROR", "topic=out", "class=authorization", "fix=")
	if len(lines) != 1 {
		t.Errorf("want exactly one error line naming the topic and the fix (repeats are rate-limited), got %q", lines)
	}
	t.Logf("Failing: %s\nlog: %s", why, lines)
	if e.metric("newsflow_producer_operator_errors_total", producer.ClassAuthorization, "out") < 1 {
		t.Error("operator_errors_total{authorization,out} not counted")
	}
	if e.metric("newsflow_producer_rejected_records_total", producer.ClassAuthorization, "out") != 0 {
		t.Error("records rejected for an authorization error")
	}

	h.Remove() // the ACL is granted
	if err := result(t, done); err != nil {
		t.Fatalf("Write after the fix: %v", err)
	}
	if failing, why := e.p.Failing(); failing {
		t.Errorf("Failing after the fix: %s", why)
	}
	e.read("out", 20)
}

func TestWriteWaitsForMissingTopic(t *testing.T) {
	e := start(t, []string{"present"}, func(c *producer.Config) { c.UnknownTopicGrace = time.Millisecond })
	// One call for two topics: kafka-go fails all of it for the missing
	// one, and the producer must still name the right topic and write
	// the other.
	done := writeAsync(t.Context(), e.p, append(records("present", "", 5), records("missing", "", 5)...))
	var why string
	eventually(t, "Failing to report the missing topic", func() (ok bool) {
		ok, why = e.p.Failing()
		return ok && strings.Contains(why, "(unknown_topic)")
	})
	if !strings.Contains(why, `create topic "missing"`) || strings.Contains(why, `"present"`) {
		t.Errorf("Failing reason %q: want it to name the missing topic only", why)
	}
	eventually(t, "the present topic written meanwhile", func() bool {
		return e.metric("newsflow_producer_records_total", "present") == 5
	})
	if lines := e.log.lines("level=ERROR", "topic=missing", "class=unknown_topic"); len(lines) == 0 {
		t.Errorf("no error line for the missing topic:\n%s", e.log)
	}

	testkafka.CreateTopics(t, e.brokers, 1, "missing")
	if err := result(t, done); err != nil {
		t.Fatalf("Write after creating the topic: %v", err)
	}
	e.read("missing", 5)
}

func TestWriteReturnsWhenContextEndsMidRetry(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "out", Err: kerr.TopicAuthorizationFailed, Count: -1})
	ctx, cancel := context.WithCancel(t.Context())
	done := writeAsync(ctx, e.p, records("out", "", 3))
	eventually(t, "Failing", func() bool { ok, _ := e.p.Failing(); return ok })
	cancel()
	err := result(t, done)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want it to wrap context.Canceled", err)
	}
	var werr *producer.WriteError
	if !errors.As(err, &werr) || werr.Class != producer.ClassAuthorization || werr.Topic != "out" {
		t.Errorf("Write = %v, want it to wrap the last authorization error", err)
	}
	var rej *producer.RejectedError
	if errors.As(err, &rej) {
		t.Errorf("Write = %v: a canceled write must not reject records", err)
	}
	if !strings.Contains(err.Error(), "3 of 3 record(s) unacknowledged") {
		t.Errorf("error text: %v", err)
	}
	if failing, why := e.p.Failing(); failing {
		t.Errorf("Failing after the Write returned: %s", why)
	}
}

func TestWriteWithEndedContext(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := e.p.Write(ctx, records("out", "", 2)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
}

func TestWriteRefusesRecordWithoutTopic(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	recs := records("out", "", 2)
	recs[1].Topic = ""
	if err := e.p.Write(t.Context(), recs); err == nil || !strings.Contains(err.Error(), "record 1 of 2 has no topic") {
		t.Fatalf("Write = %v, want a missing-topic error", err)
	}
}

func TestConcurrentWritesAndFailing(t *testing.T) {
	e := start(t, []string{"out", "dlq"}, nil)
	h := e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "dlq", Err: kerr.TopicAuthorizationFailed, Count: -1})
	blocked := writeAsync(t.Context(), e.p, records("dlq", "", 3))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			recs := records("out", "", 25)
			for i := range recs {
				recs[i].Value = fmt.Appendf(nil, "g%d-%d", g, i)
			}
			if err := e.p.Write(t.Context(), recs); err != nil {
				t.Errorf("Write: %v", err)
			}
			e.p.Failing()
		})
	}
	wg.Wait()
	// Writes to out succeeding do not hide that dlq is still failing.
	eventually(t, "Failing to name dlq", func() bool {
		ok, why := e.p.Failing()
		return ok && strings.Contains(why, `topic "dlq"`)
	})
	h.Remove()
	if err := result(t, blocked); err != nil {
		t.Fatalf("blocked Write: %v", err)
	}
	e.read("out", 100)
}

func TestCompressionRoundTrip(t *testing.T) {
	vals := articleValues(20)
	for _, codec := range []string{"", producer.CompressionNone, producer.CompressionGzip, producer.CompressionSnappy, producer.CompressionLz4, producer.CompressionZstd} {
		t.Run("codec="+codec, func(t *testing.T) {
			e := start(t, []string{"out"}, func(c *producer.Config) { c.Compression = codec })
			recs := make([]record.Record, len(vals))
			for i, v := range vals {
				recs[i] = record.Record{Topic: "out", Key: []byte("same"), Value: v,
					Headers: []record.Header{{Key: "schema", Value: []byte("1")}}}
			}
			if err := e.p.Write(t.Context(), recs); err != nil {
				t.Fatalf("Write: %v", err)
			}
			got := e.read("out", len(vals))
			for i, m := range got {
				if !bytes.Equal(m.Value, vals[i]) || string(m.Key) != "same" || len(m.Headers) != 1 || string(m.Headers[0].Value) != "1" {
					t.Fatalf("record %d differs after the round trip (%d bytes, want %d)", i, len(m.Value), len(vals[i]))
				}
			}
		})
	}
}

func TestClose(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	if err := e.p.Write(t.Context(), records("out", "", 3)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := e.p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := e.p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := e.p.Write(t.Context(), records("out", "", 1)); !errors.Is(err, producer.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	e.read("out", 3)
}

func TestCloseEndsRetryingWrite(t *testing.T) {
	e := start(t, []string{"out"}, nil)
	e.cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "out", Err: kerr.TopicAuthorizationFailed, Count: -1})
	done := writeAsync(t.Context(), e.p, records("out", "", 3))
	eventually(t, "Failing", func() bool { ok, _ := e.p.Failing(); return ok })
	if err := e.p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := result(t, done); !errors.Is(err, producer.ErrClosed) {
		t.Fatalf("Write = %v, want ErrClosed", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	ok := producer.Config{Brokers: []string{"127.0.0.1:9092"}}
	for _, tc := range []struct {
		name   string
		change func(*producer.Config)
		want   string // "" for valid
	}{
		{"defaults", func(*producer.Config) {}, ""},
		{"every codec", func(c *producer.Config) { c.Compression = producer.CompressionZstd }, ""},
		{"no brokers", func(c *producer.Config) { c.Brokers = nil }, "no brokers"},
		{"unknown codec", func(c *producer.Config) { c.Compression = "brotli" }, `compression "brotli" is not one of none, gzip, snappy, lz4, zstd`},
		{"codec case", func(c *producer.Config) { c.Compression = "LZ4" }, "is not one of"},
		{"batch size", func(c *producer.Config) { c.BatchSize = -1 }, "batch size -1"},
		{"batch bytes", func(c *producer.Config) { c.BatchBytes = 100 }, "batch bytes 100"},
		{"batch timeout", func(c *producer.Config) { c.BatchTimeout = -time.Second }, "batch timeout"},
		{"backoff range", func(c *producer.Config) { c.RetryBackoffMin, c.RetryBackoffMax = time.Second, time.Millisecond }, "retry backoff"},
		{"grace", func(c *producer.Config) { c.UnknownTopicGrace = -time.Second }, "unknown-topic grace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.change(&cfg)
			verr := cfg.Validate()
			p, err := producer.New(cfg)
			if (verr == nil) != (err == nil) {
				t.Errorf("Validate = %v but New = %v", verr, err)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("New = %v, want an error containing %q", err, tc.want)
			}
			if p != nil {
				_ = p.Close()
			}
		})
	}
}

// produces reports whether a produce request carries needle in its
// (uncompressed) record bytes.
func produces(r kmsg.Request, needle []byte) bool {
	req, ok := r.(*kmsg.ProduceRequest)
	if !ok {
		return false
	}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			if bytes.Contains(p.Records, needle) {
				return true
			}
		}
	}
	return false
}
