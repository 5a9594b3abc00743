package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/apptest"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/faults"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/internal/testbin"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/state"
)

// env names the broker, topics and group of one test.
type env struct {
	brokers           []string
	in, out, dlq, grp string
	// tr carries the test's admin requests. kafka-go's default transport
	// is shared with the instances under test and caches metadata
	// (errors included) and connections (to a broker that restarted).
	tr *kafka.Transport
}

func newEnv(t *testing.T, brokers []string, partitions int) env {
	t.Helper()
	e := env{
		brokers: brokers,
		in:      testkafka.Name(t, "in"), out: testkafka.Name(t, "out"), dlq: testkafka.Name(t, "dlq"),
		grp: testkafka.Name(t, "group"),
		tr:  &kafka.Transport{MetadataTTL: time.Second, IdleTimeout: 5 * time.Second},
	}
	t.Cleanup(e.tr.CloseIdleConnections)
	testkafka.CreateTopics(t, brokers, partitions, e.in, e.out, e.dlq)
	// The topics of the near-duplicate table and of trending entities, as
	// `run --create-topics` makes them.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := e.settings("topics")
	compact := state.ChangelogConfigs()
	if err := engine.EnsureTopicSpecs(ctx, brokers, e.tr,
		engine.TopicSpec{Name: s.ChangelogTopic(), Partitions: partitions, Replication: -1, Configs: compact},
		engine.TopicSpec{Name: s.Mentions(), Partitions: partitions, Replication: -1},
		engine.TopicSpec{Name: s.TrendsTopic, Partitions: partitions, Replication: -1, Configs: compact},
		engine.TopicSpec{Name: s.TrendsChangelog(), Partitions: partitions, Replication: -1, Configs: compact}); err != nil {
		t.Fatal(err)
	}
	return e
}

// settings returns instance settings for the env: the common test
// settings plus a short stall timeout (so readiness reacts within the test)
// and no topic creation (the env made them).
func (e env) settings(instance string) app.Settings {
	s := apptest.Settings(e.brokers, e.in, e.out, e.dlq, e.grp, instance)
	s.StallTimeout = 2 * time.Second
	s.CreateTopics = false
	return s
}

// running is an instance running in this process.
type running struct{ *apptest.Running }

func start(t *testing.T, s app.Settings) running {
	t.Helper()
	var log *slog.Logger
	if testing.Verbose() && os.Getenv("NEWSFLOW_FAULTS_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return running{apptest.Start(t, s, log)}
}

// shutdown stops the instance and waits for Run to return.
func (r running) shutdown() error { return r.Shutdown() }

// ready asks the instance's /readyz.
func (r running) ready() bool {
	resp, err := http.Get("http://" + r.HTTPAddr() + "/readyz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// articles makes n distinct JSON articles from the bundled samples, with
// ids prefix-0…; every badEvery-th record (if badEvery > 0) is malformed
// JSON and must be dead-lettered. Keys are the ids.
func articles(t testing.TB, prefix string, n, badEvery int) (msgs []kafka.Message, ids []string) {
	t.Helper()
	recs, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	msgs = make([]kafka.Message, n)
	ids = make([]string, n)
	for i := range msgs {
		id := fmt.Sprintf("%s-%06d", prefix, i)
		var v []byte
		if badEvery > 0 && i%badEvery == badEvery-1 {
			id = "bad-" + id
			v = []byte(`{"id": "` + id + `", "body": "unterminated`)
		} else {
			var a map[string]any
			if err := json.Unmarshal(recs[i%len(recs)].Value, &a); err != nil {
				t.Fatal(err)
			}
			a["id"] = id
			v, _ = json.Marshal(a)
		}
		msgs[i] = kafka.Message{Key: []byte(id), Value: v, Time: time.Now()}
		ids[i] = id
	}
	return msgs, ids
}

// produce writes msgs with acks=all, returning an error instead of failing
// the test (for use from goroutines).
func produce(ctx context.Context, brokers []string, topic string, batchBytes int64, msgs ...kafka.Message) error {
	if batchBytes <= 0 {
		batchBytes = 1 << 20
	}
	// An own transport: kafka-go's default one is shared by every writer
	// in the process, including the instance under test, and caches
	// metadata (errors too) for 6 s.
	tr := &kafka.Transport{MetadataTTL: time.Second}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 2 * time.Millisecond, BatchSize: 500, BatchBytes: batchBytes,
		Transport: tr}
	defer w.Close()
	// The test's own input is retried for up to a minute: a fault test
	// may have left the broker recovering.
	deadline := time.Now().Add(time.Minute)
	for len(msgs) > 0 {
		n := min(500, len(msgs))
		err := w.WriteMessages(ctx, msgs[:n]...)
		if err != nil {
			if ctx.Err() != nil || time.Now().After(deadline) {
				return fmt.Errorf("produce to %s: %w", topic, err)
			}
			time.Sleep(200 * time.Millisecond)
			continue
		}
		msgs = msgs[n:]
	}
	return nil
}

// client is a kafka-go client for admin requests.
func (e env) client() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 10 * time.Second, Transport: e.tr}
}

// partitions lists the partitions of topic.
func (e env) partitions(ctx context.Context, topic string) ([]int, error) {
	md, err := e.client().Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	for _, tp := range md.Topics {
		if tp.Name == topic {
			if tp.Error != nil {
				return nil, tp.Error
			}
			ids := make([]int, len(tp.Partitions))
			for i, p := range tp.Partitions {
				ids[i] = p.ID
			}
			return ids, nil
		}
	}
	return nil, fmt.Errorf("topic %s not in metadata", topic)
}

// endOffsets returns each partition's high watermark.
func (e env) endOffsets(ctx context.Context, topic string) (map[int]int64, error) {
	ps, err := e.partitions(ctx, topic)
	if err != nil {
		return nil, err
	}
	reqs := make([]kafka.OffsetRequest, len(ps))
	for i, p := range ps {
		reqs[i] = kafka.LastOffsetOf(p)
	}
	resp, err := e.client().ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, err
	}
	out := map[int]int64{}
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, po.Error
		}
		out[po.Partition] = po.LastOffset
	}
	return out, nil
}

// committed returns the group's committed offsets of topic (-1: none).
func (e env) committed(ctx context.Context) (map[int]int64, error) {
	topic := e.in
	ps, err := e.partitions(ctx, topic)
	if err != nil {
		return nil, err
	}
	resp, err := e.client().OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: e.grp, Topics: map[string][]int{topic: ps}})
	if err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, p.Error
		}
		out[p.Partition] = p.CommittedOffset
	}
	return out, nil
}

func total(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += max(v, 0)
	}
	return n
}

// waitCommittedToEnd waits until the group has committed the end of every
// input partition, polling; it returns how long that took.
func waitCommittedToEnd(t *testing.T, e env, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	ctx := t.Context()
	var end, c map[int]int64
	var err error
	for time.Since(start) < timeout {
		if end == nil {
			end, err = e.endOffsets(ctx, e.in)
		}
		if end != nil {
			c, err = e.committed(ctx)
		}
		if end != nil && err == nil {
			done := true
			for p, off := range end {
				if off > 0 && c[p] < off {
					done = false
				}
			}
			if done {
				return time.Since(start)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("committed offsets %v never reached the end offsets %v within %v (last error %v)", c, end, timeout, err)
	return 0
}

// readToEnd reads every partition of topic from the start to its current
// end offset.
func readToEnd(t *testing.T, e env, topic string) []kafka.Message {
	t.Helper()
	brokers := e.brokers
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	var end map[int]int64
	var err error
	if !waitFor(30*time.Second, func() bool {
		end, err = e.endOffsets(ctx, topic)
		return err == nil
	}) {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	var mu sync.Mutex
	var out []kafka.Message
	g, gctx := errgroup.WithContext(ctx)
	for p, e := range end {
		if e <= 0 {
			continue
		}
		g.Go(func() error {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p,
				MaxWait: 100 * time.Millisecond, MaxBytes: 64 << 20})
			defer r.Close()
			for {
				m, err := r.FetchMessage(gctx)
				if err != nil {
					return fmt.Errorf("read %s/%d: %w", topic, p, err)
				}
				mu.Lock()
				out = append(out, m)
				mu.Unlock()
				if m.Offset >= e-1 {
					return nil
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pos is a record's position.
type pos struct {
	topic     string
	partition int
	offset    int64
}

// output is one record read from the output or dead-letter topic, with the
// input record it came from.
type output struct {
	id     string
	at     pos // where the output is
	source pos // the input record it came from
	dlq    bool
	class  string
}

// outputs reads the output and dead-letter topics to their end and
// decodes each record's id and source position.
func outputs(t *testing.T, e env) []output {
	t.Helper()
	var res []output
	for _, m := range readToEnd(t, e, e.out) {
		var a struct {
			ID  string `json:"id"`
			Pos struct {
				Topic     string `json:"topic"`
				Partition int    `json:"partition"`
				Offset    int64  `json:"offset"`
			} `json:"source_position"`
		}
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatalf("output %s/%d/%d is not JSON: %v", m.Topic, m.Partition, m.Offset, err)
		}
		res = append(res, output{id: a.ID, at: pos{m.Topic, m.Partition, m.Offset},
			source: pos{a.Pos.Topic, a.Pos.Partition, a.Pos.Offset}})
	}
	for _, m := range readToEnd(t, e, e.dlq) {
		p, _ := strconv.Atoi(testkafka.Header(m, engine.HeaderSourcePart))
		o, _ := strconv.ParseInt(testkafka.Header(m, engine.HeaderSourceOffset), 10, 64)
		res = append(res, output{id: string(m.Key), at: pos{m.Topic, m.Partition, m.Offset},
			source: pos{testkafka.Header(m, engine.HeaderSourceTopic), p, o}, dlq: true,
			class: testkafka.Header(m, engine.HeaderErrorClass)})
	}
	return res
}

// account reads every output and dead letter of e and tallies them against
// ids.
func account(t *testing.T, e env, ids []string) (faults.Tally, []output) {
	t.Helper()
	l := faults.NewLedger()
	l.In(ids...)
	outs := outputs(t, e)
	for _, o := range outs {
		l.Out(o.id)
	}
	return l.Tally(), outs
}

// checkTally fails the test on any loss or unexpected id.
func checkTally(t *testing.T, tally faults.Tally) {
	t.Helper()
	if len(tally.Lost) > 0 {
		t.Errorf("LOST %d records, e.g. %v", len(tally.Lost), tally.Lost[:min(10, len(tally.Lost))])
	}
	if len(tally.Unexpected) > 0 {
		t.Errorf("%d unexpected ids came out, e.g. %v", len(tally.Unexpected), tally.Unexpected[:min(10, len(tally.Unexpected))])
	}
}

// commitWatch polls the group's committed offsets and, whenever they move,
// snapshots the end offsets of the output and dead-letter topics right
// after. Since an offset may only be committed once every output of the
// records below it is acknowledged, each of those outputs must lie below
// the snapshot taken after the commit was seen; check verifies that.
type commitWatch struct {
	e      env
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	seen []commitSeen
	errs int
}

type commitSeen struct {
	committed map[int]int64
	ends      map[string]map[int]int64
}

func watchCommits(e env) *commitWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &commitWatch{e: e, cancel: cancel, done: make(chan struct{})}
	go w.loop(ctx)
	return w
}

func (w *commitWatch) loop(ctx context.Context) {
	defer close(w.done)
	last := map[int]int64{}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c, err := w.e.committed(ctx)
		if err != nil {
			w.mu.Lock()
			w.errs++
			w.mu.Unlock()
			continue
		}
		moved := false
		for p, off := range c {
			if off > last[p] {
				moved = true
			}
		}
		if !moved {
			continue
		}
		ends := map[string]map[int]int64{}
		ok := true
		for _, topic := range []string{w.e.out, w.e.dlq} {
			end, err := w.e.endOffsets(ctx, topic)
			if err != nil {
				ok = false
				break
			}
			ends[topic] = end
		}
		if !ok {
			continue // try again next tick; last is not advanced
		}
		last = c
		w.mu.Lock()
		w.seen = append(w.seen, commitSeen{committed: c, ends: ends})
		w.mu.Unlock()
	}
}

func (w *commitWatch) stop() {
	w.cancel()
	<-w.done
}

// check verifies every observed commit against the outputs: for each
// committed offset c of partition p, every input record of p below c has
// an output that was already in its topic when the commit was seen. It
// returns the number of observations and of violations.
func (w *commitWatch) check(t *testing.T, inputEnd map[int]int64, outs []output) (observed, violations int) {
	t.Helper()
	// first[p][o]: the earliest output of input record (p, o).
	first := map[int]map[int64]pos{}
	for _, o := range outs {
		if o.source.topic != w.e.in {
			continue
		}
		m := first[o.source.partition]
		if m == nil {
			m = map[int64]pos{}
			first[o.source.partition] = m
		}
		if prev, ok := m[o.source.offset]; !ok || (prev.topic == o.at.topic && o.at.offset < prev.offset) {
			m[o.source.offset] = o.at
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	reported := 0
	for _, s := range w.seen {
		for p, c := range s.committed {
			for off := int64(0); off < min(c, inputEnd[p]); off++ {
				at, ok := first[p][off]
				if ok && at.offset < s.ends[at.topic][at.partition] {
					continue
				}
				violations++
				if reported < 5 {
					reported++
					t.Errorf("offset %d committed on partition %d while input offset %d had no acknowledged output (output %+v, ends %v)", c, p, off, at, s.ends)
				}
			}
		}
	}
	return len(w.seen), violations
}

// readiness samples an instance's /readyz every 100 ms and records the
// not-ready periods.
type readiness struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	notReady int // samples that answered 503 or failed
	samples  int
}

func watchReadiness(r running) *readiness {
	ctx, cancel := context.WithCancel(context.Background())
	w := &readiness{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			ok := r.ready()
			w.mu.Lock()
			w.samples++
			if !ok {
				w.notReady++
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// stop ends sampling and returns how many samples were not ready.
func (w *readiness) stop() (notReady, samples int) {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.notReady, w.samples
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// full reports whether the full-size fault tests were asked for.
func full() bool { return os.Getenv("NEWSFLOW_FAULTS_FULL") == "1" }

// bins builds newsflow once for this package's tests.
var bins testbin.Builder

func TestMain(m *testing.M) {
	code := m.Run()
	bins.Cleanup()
	os.Exit(code)
}
