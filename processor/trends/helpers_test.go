package trends_test

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/record"
	"github.com/newsflow/newsflow/schema"
)

const (
	mentionsTopic  = "newsflow.mentions"
	trendsTopic    = "newsflow.trends"
	changelogTopic = "newsflow.trends-changelog"
)

// memStore is an in-memory trends.Store with state.Store's semantics: Put
// and Delete change the map and return the changelog record, pinned to the
// store's partition; Log returns the record and keeps nothing in memory;
// Forget drops entries from memory. It also keeps what the changelog
// holds (compacted): snapshot returns that, and a restore is apply over it.
type memStore struct {
	partition int
	mu        sync.Mutex
	m         map[string][]byte // in memory
	log       map[string][]byte // in the changelog
}

func newMemStore(p int) *memStore {
	return &memStore{partition: p, m: map[string][]byte{}, log: map[string][]byte{}}
}

func (s *memStore) Get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok
}

func (s *memStore) Put(key string, value []byte) record.Record {
	if value == nil {
		value = []byte{}
	}
	s.apply(key, value)
	return record.Record{Topic: changelogTopic, Partition: s.partition, Pinned: true, Key: []byte(key), Value: value}
}

func (s *memStore) Log(key string, value []byte) record.Record {
	if value == nil {
		value = []byte{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	s.log[key] = value
	return record.Record{Topic: changelogTopic, Partition: s.partition, Pinned: true, Key: []byte(key), Value: value}
}

func (s *memStore) Delete(key string) record.Record {
	s.apply(key, nil)
	return record.Record{Topic: changelogTopic, Partition: s.partition, Pinned: true, Key: []byte(key)}
}

func (s *memStore) Forget(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			delete(s.m, k)
		}
	}
}

func (s *memStore) Range(fn func(key string, value []byte) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if !fn(k, v) {
			return
		}
	}
}

// apply is what a restore does with one changelog record.
func (s *memStore) apply(key string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		delete(s.m, key)
		delete(s.log, key)
	} else {
		s.m[key] = value
		s.log[key] = value
	}
}

// restore is what a restore does with one changelog record, given take
// (see state.Partitioned.Restore): a record take returns true for is in
// the changelog and not in memory.
func (s *memStore) restore(key string, value []byte, take func(string, []byte) bool) {
	if take == nil || !take(key, value) {
		s.apply(key, value)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		delete(s.log, key)
	} else {
		s.log[key] = value
	}
}

// snapshot is what the changelog holds, compacted.
func (s *memStore) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.log {
		out[k] = string(v)
	}
	return out
}

// clock is a settable wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// in is one input record of the aggregator.
type in struct {
	partition int
	m         trends.Mention
}

// step is one processed record and what it emitted.
type step struct {
	in   in
	outs []record.Record
}

// harness runs an Aggregator as the aggregation engine would (one record
// at a time), keeps every output in order, and restarts it from the
// changelog it wrote.
type harness struct {
	t          testing.TB
	opt        trends.Options
	partitions int
	clock      *clock
	validate   bool
	v          *schema.Validator
	// restoreByRange: restarts restore the whole changelog into the
	// stores and call Restored, instead of indexing memberships as the
	// changelog is read (Restoring.Take, as the claim hook does).
	restoreByRange bool

	agg     *trends.Aggregator
	metrics *trends.Metrics
	stores  map[int]*memStore
	log     []step
}

func newHarness(t testing.TB, opt trends.Options, partitions int) *harness {
	t.Helper()
	v, err := schema.Trends()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, opt: opt, partitions: partitions, clock: &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, validate: true, v: v}
	h.start()
	return h
}

// start creates a new aggregator and restores every partition from the
// changelog records in the log (a restart).
func (h *harness) start() {
	h.t.Helper()
	opt := h.opt
	opt.TrendsTopic = trendsTopic
	opt.Now = h.clock.Now
	h.metrics = trends.NewMetrics()
	opt.Metrics = h.metrics
	agg, err := trends.NewAggregator(opt)
	if err != nil {
		h.t.Fatal(err)
	}
	h.agg = agg
	h.stores = map[int]*memStore{}
	restoring := map[int]*trends.Restoring{}
	for p := range h.partitions {
		h.stores[p] = newMemStore(p)
		if !h.restoreByRange {
			restoring[p] = agg.Restoring(p)
		}
	}
	for _, s := range h.log {
		for _, r := range s.outs {
			if r.Topic == changelogTopic {
				if !r.Pinned {
					h.t.Fatalf("changelog record %q not pinned", r.Key)
				}
				var take func(string, []byte) bool
				if rs := restoring[r.Partition]; rs != nil {
					take = rs.Take
				}
				h.stores[r.Partition].restore(string(r.Key), r.Value, take)
			}
		}
	}
	for p := range h.partitions {
		if h.restoreByRange {
			h.agg.Restored(p, h.stores[p])
		} else {
			restoring[p].Done(h.stores[p])
		}
	}
}

// crash forgets the outputs of every record from the n-th on (a kill -9
// before they were written; their offsets were not committed either) and
// restarts from the changelog of the rest.
func (h *harness) crash(n int) {
	h.t.Helper()
	h.log = h.log[:n]
	h.start()
}

// crashMidWrite is a kill -9 in the middle of the write of the batch of
// records from the n-th on, under at-least-once: of the batch's changelog
// records, only the first keep of them per changelog partition reached
// the broker (a partition's records are written in order), and none of
// its trend records did; the batch's offsets were not committed. It
// restarts from the changelog.
func (h *harness) crashMidWrite(n int, keep float64) {
	h.t.Helper()
	perPartition := map[int][]record.Record{}
	for _, s := range h.log[n:] {
		for _, r := range s.outs {
			if r.Topic == changelogTopic {
				perPartition[r.Partition] = append(perPartition[r.Partition], r)
			}
		}
	}
	h.log = h.log[:n]
	var written []record.Record
	for p := range h.partitions {
		rs := perPartition[p]
		written = append(written, rs[:int(keep*float64(len(rs)))]...)
	}
	h.log = append(h.log, step{outs: written})
	h.start()
}

// feed processes one record.
func (h *harness) feed(x in) []record.Record {
	h.t.Helper()
	a := article(x)
	out, err := h.agg.Process(h.t.Context(), a)
	if err != nil {
		h.t.Fatalf("process %+v: %v", x, err)
	}
	if out != nil {
		h.t.Fatalf("the aggregator passed articles on: %v", out)
	}
	for _, r := range a.SideOutputs {
		switch r.Topic {
		case trendsTopic:
			if h.validate {
				if err := h.v.Validate(r.Value); err != nil {
					h.t.Fatalf("trend record %s invalid: %v\n%s", r.Key, err, r.Value)
				}
			}
		case changelogTopic:
			if r.Partition != x.partition {
				h.t.Fatalf("changelog record %q for partition %d from a record of partition %d", r.Key, r.Partition, x.partition)
			}
		default:
			h.t.Fatalf("side output to unexpected topic %q", r.Topic)
		}
	}
	h.log = append(h.log, step{in: x, outs: a.SideOutputs})
	return a.SideOutputs
}

func (h *harness) feedAll(xs []in) {
	h.t.Helper()
	for _, x := range xs {
		h.feed(x)
	}
}

// latest returns the latest trend of every key, as a reader of the trends
// topic (or its compacted form) sees it.
func (h *harness) latest() map[string]trends.Trend {
	h.t.Helper()
	out := map[string]trends.Trend{}
	for _, s := range h.log {
		for _, r := range s.outs {
			if r.Topic == trendsTopic {
				out[string(r.Key)] = decodeTrend(h.t, r)
			}
		}
	}
	return out
}

// finals counts the final records of every key.
func (h *harness) finals() map[string]int {
	h.t.Helper()
	out := map[string]int{}
	for _, s := range h.log {
		for _, r := range s.outs {
			if r.Topic == trendsTopic && decodeTrend(h.t, r).Final {
				out[string(r.Key)]++
			}
		}
	}
	return out
}

func decodeTrend(t testing.TB, r record.Record) trends.Trend {
	t.Helper()
	var tr trends.Trend
	if err := json.Unmarshal(r.Value, &tr); err != nil {
		t.Fatalf("trend %s: %v", r.Key, err)
	}
	if want := trends.TrendKey(tr.Entity.Type, tr.Entity.Name, tr.Window.Start); want != string(r.Key) {
		t.Fatalf("trend key %q, value says %q", r.Key, want)
	}
	return tr
}

// trendsOf returns the trend records among outs, decoded.
func trendsOf(t testing.TB, outs []record.Record) []trends.Trend {
	t.Helper()
	var ts []trends.Trend
	for _, r := range outs {
		if r.Topic == trendsTopic {
			ts = append(ts, decodeTrend(t, r))
		}
	}
	return ts
}

// article is the input article the engine builds from a mention record.
func article(x in) *processor.Article {
	v, err := json.Marshal(x.m)
	if err != nil {
		panic(err)
	}
	return &processor.Article{
		Raw: v, Key: []byte(trends.EntityKey(x.m.Entity.Type, x.m.Entity.Name)),
		SourcePos: processor.Position{Topic: mentionsTopic, Partition: x.partition},
	}
}

// partitionOf is the mentions partition of an entity key (the producer
// hashes the key; any stable hash will do here).
func partitionOf(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// base is the start of the synthetic streams.
var base = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// mention builds a mention of entity "TYPE:name" at base+at.
func mention(entity, id string, at time.Duration) trends.Mention {
	typ, name := splitKey(entity)
	return trends.Mention{Article: id, EventTime: base.Add(at).Format(time.RFC3339Nano), Entity: trends.Entity{Name: name, Type: typ}}
}

func splitKey(entity string) (typ, name string) {
	for i := range len(entity) {
		if entity[i] == ':' {
			return entity[:i], entity[i+1:]
		}
	}
	panic("no type in " + entity)
}

// latestRaw returns the latest value of every trend key, as bytes.
func (h *harness) latestRaw() map[string]string {
	out := map[string]string{}
	for _, s := range h.log {
		for _, r := range s.outs {
			if r.Topic == trendsTopic {
				out[string(r.Key)] = string(r.Value)
			}
		}
	}
	return out
}

// diffRaw describes how two latestRaw maps differ ("" when equal).
func diffRaw(got, want map[string]string) string {
	if maps.Equal(got, want) {
		return ""
	}
	var d []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			d = append(d, "missing "+k)
		} else if g != w {
			d = append(d, k+":\n  got  "+g+"\n  want "+w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, "unexpected "+k)
		}
	}
	slices.Sort(d)
	if len(d) > 5 {
		d = append(d[:5], fmt.Sprintf("… %d differences", len(d)))
	}
	return strings.Join(d, "\n")
}
