package dedup_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/dedup"
)

// bodies returns the bundled sample bodies by id.
func bodies(t *testing.T) map[string]string {
	t.Helper()
	recs, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs {
		var a struct{ ID, Body string }
		if err := json.Unmarshal(r.Value, &a); err != nil {
			t.Fatal(err)
		}
		out[a.ID] = a.Body
	}
	return out
}

func art(id, text string, partition int, published string) *processor.Article {
	return &processor.Article{ID: id, Text: text, Published: published,
		SourcePos: processor.Position{Partition: partition, Timestamp: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}}
}

func process(t *testing.T, s *dedup.Stage, a *processor.Article) *processor.Article {
	t.Helper()
	outs, err := s.Process(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) == 0 {
		return nil
	}
	return outs[0]
}

func newStage(t *testing.T, mod func(*dedup.Options)) *dedup.Stage {
	t.Helper()
	o := dedup.Options{Topic: "changelog"}
	if mod != nil {
		mod(&o)
	}
	s, err := dedup.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const (
	toilet = "enwikinews-69ae245848d5"
	spacex = "enwikinews-eee45ef30ddc"
)

func TestCopiesJoinTheClusterOfTheFirst(t *testing.T) {
	b := bodies(t)
	m := dedup.NewMetrics()
	s := newStage(t, func(o *dedup.Options) { o.Metrics = m })
	first := process(t, s, art(toilet, b[toilet], 0, ""))
	if first.Dedup == nil || first.Dedup.DuplicateOf != nil || first.Dedup.Cluster != toilet || first.Dedup.Similarity != 0 {
		t.Fatalf("first: %+v", first.Dedup)
	}
	if len(first.SideOutputs) != 1 || first.SideOutputs[0].Topic != "changelog" || string(first.SideOutputs[0].Key) != toilet || len(first.SideOutputs[0].Value) == 0 {
		t.Fatalf("first: side outputs %+v, want its changelog entry", first.SideOutputs)
	}
	for _, id := range []string{toilet + "-copy1", toilet + "-copy2", toilet + "-copy3"} {
		c := process(t, s, art(id, b[id], 1, ""))
		if c.Dedup.DuplicateOf == nil || *c.Dedup.DuplicateOf != toilet && !strings.HasPrefix(*c.Dedup.DuplicateOf, toilet) || c.Dedup.Cluster != toilet {
			t.Errorf("%s: %+v, want a duplicate in cluster %s", id, c.Dedup, toilet)
		}
		if c.Dedup.Similarity < dedup.DefaultThreshold || c.Dedup.Similarity > 1 {
			t.Errorf("%s: similarity %v", id, c.Dedup.Similarity)
		}
	}
	other := process(t, s, art(spacex, b[spacex], 2, ""))
	if other.Dedup.DuplicateOf != nil || other.Dedup.Cluster != spacex {
		t.Fatalf("an unrelated story joined a cluster: %+v", other.Dedup)
	}
	exact := process(t, s, art("same-text", b[spacex], 2, ""))
	if exact.Dedup.DuplicateOf == nil || *exact.Dedup.DuplicateOf != spacex || exact.Dedup.Similarity != 1 {
		t.Fatalf("exact copy: %+v", exact.Dedup)
	}
	if got := testutil.ToFloat64(m.Results.WithLabelValues(dedup.ResultFirst)); got != 2 {
		t.Errorf("first = %v", got)
	}
	if got := testutil.ToFloat64(m.Results.WithLabelValues(dedup.ResultNear)) + testutil.ToFloat64(m.Results.WithLabelValues(dedup.ResultExact)); got != 4 {
		t.Errorf("near+exact = %v", got)
	}

	// Processed again (a replay): the same answer as the first time.
	again := process(t, s, art(toilet, b[toilet], 0, ""))
	if again.Dedup.DuplicateOf != nil || again.Dedup.Cluster != toilet {
		t.Fatalf("replayed first: %+v", again.Dedup)
	}
	if testutil.ToFloat64(m.Results.WithLabelValues(dedup.ResultReplay)) != 1 {
		t.Error("replay not counted")
	}
}

func TestTooShortTextsAreNotFingerprinted(t *testing.T) {
	s := newStage(t, nil)
	a := process(t, s, art("short", "A headline only.", 0, ""))
	if a.Dedup != nil || len(a.SideOutputs) != 0 {
		t.Fatalf("short text: %+v %v", a.Dedup, a.SideOutputs)
	}
}

// The table learns from the changelog: an entry written by another
// instance is found, a tombstone forgets it, garbage is refused.
func TestApplyFromTheChangelog(t *testing.T) {
	b := bodies(t)
	writer := newStage(t, nil)
	w := process(t, writer, art(toilet, b[toilet], 0, ""))
	entry := w.SideOutputs[0]

	reader := newStage(t, nil)
	var entries int
	reader.SetOnSize(func(n int, _ int64) { entries = n })
	if err := reader.Apply(entry.Key, entry.Value); err != nil {
		t.Fatal(err)
	}
	if entries != 1 {
		t.Fatalf("size %d after one entry", entries)
	}
	c := process(t, reader, art("copy", b[toilet+"-copy1"], 2, ""))
	if c.Dedup.DuplicateOf == nil || *c.Dedup.DuplicateOf != toilet {
		t.Fatalf("copy after Apply: %+v", c.Dedup)
	}
	if err := reader.Apply(entry.Key, nil); err != nil {
		t.Fatal(err)
	}
	if err := reader.Apply([]byte("x"), []byte("garbage")); err == nil {
		t.Fatal("garbage applied")
	}
	if err := reader.Apply([]byte("another-id"), entry.Value); err == nil {
		t.Fatal("an entry under another article's key applied")
	}
	d := process(t, reader, art("copy-2", b[toilet+"-copy3"], 2, ""))
	if d.Dedup.DuplicateOf == nil || *d.Dedup.DuplicateOf != "copy" {
		t.Fatalf("after the tombstone the first copy stands for the story: %+v", d.Dedup)
	}
}

// Fingerprints older than the horizon in event time are not matched, and
// the records of their partition delete them with tombstones.
func TestHorizonExpiresWithTombstones(t *testing.T) {
	b := bodies(t)
	m := dedup.NewMetrics()
	s := newStage(t, func(o *dedup.Options) { o.Horizon = 24 * time.Hour; o.Metrics = m })
	process(t, s, art(toilet, b[toilet], 0, "2019-09-18T10:00:00Z"))
	// Two days later, a copy on another partition: not matched (too old),
	// and not deleted by this record (partition 1 does not own it).
	late := process(t, s, art("late-copy", b[toilet+"-copy1"], 1, "2019-09-20T10:00:00Z"))
	if late.Dedup.DuplicateOf != nil {
		t.Fatalf("matched a fingerprint past the horizon: %+v", late.Dedup)
	}
	if len(late.SideOutputs) != 1 {
		t.Fatalf("partition 1 deleted entries of partition 0: %v", late.SideOutputs)
	}
	// A record of partition 0 deletes it.
	next := process(t, s, art(spacex, b[spacex], 0, "2019-09-20T11:00:00Z"))
	var tombstones []string
	for _, r := range next.SideOutputs {
		if r.Value == nil {
			tombstones = append(tombstones, string(r.Key))
		}
	}
	if len(tombstones) != 1 || tombstones[0] != toilet {
		t.Fatalf("tombstones %v, want [%s]", tombstones, toilet)
	}
	if testutil.ToFloat64(m.Evicted) != 1 {
		t.Error("expiry not counted")
	}
}

func TestDropModeFiltersDuplicates(t *testing.T) {
	b := bodies(t)
	s := newStage(t, func(o *dedup.Options) { o.Drop = true })
	if a := process(t, s, art(toilet, b[toilet], 0, "")); a == nil {
		t.Fatal("the first of a story was dropped")
	}
	if a := process(t, s, art("copy", b[toilet+"-copy1"], 0, "")); a != nil {
		t.Fatalf("a duplicate was passed on: %+v", a.Dedup)
	}
	// The dropped copy was not stored: a copy of it alone matches the
	// first, not the copy.
	c := process(t, newStage(t, nil), art("x", b[spacex], 0, ""))
	if c == nil {
		t.Fatal("unrelated dropped")
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []dedup.Options{{}, {Topic: "c", Threshold: 1.5}, {Topic: "c", Threshold: -1}, {Topic: "c", Horizon: -time.Hour}} {
		if _, err := dedup.New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// A fingerprint past the horizon that no record has deleted yet (another
// partition's) does not hide a match within it.
func TestAnExpiredCloserMatchDoesNotHideAValidOne(t *testing.T) {
	b := bodies(t)
	s := newStage(t, func(o *dedup.Options) { o.Horizon = 24 * time.Hour })
	process(t, s, art("old-copy", b[toilet+"-copy1"], 1, "2019-09-01T10:00:00Z"))
	process(t, s, art(toilet, b[toilet], 0, "2019-09-18T10:00:00Z"))
	c := process(t, s, art("new-copy", b[toilet+"-copy1"], 2, "2019-09-18T12:00:00Z"))
	if c.Dedup.DuplicateOf == nil || *c.Dedup.DuplicateOf != toilet {
		t.Fatalf("new copy: %+v, want a duplicate of %s (old-copy is past the horizon)", c.Dedup, toilet)
	}
}
