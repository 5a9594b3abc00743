package trends_test

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/record"
)

const (
	jane  = "PERSON:Jane Doe"
	acme  = "ORG:Acme"
	paris = "LOC:Paris"
)

func key(entity string, start time.Duration) string {
	typ, name := splitKey(entity)
	return trends.TrendKey(typ, name, base.Add(start))
}

// find returns the trend records of key among outs.
func find(t *testing.T, outs []record.Record, key string) []trends.Trend {
	t.Helper()
	var ts []trends.Trend
	for _, tr := range trendsOf(t, outs) {
		if trends.TrendKey(tr.Entity.Type, tr.Entity.Name, tr.Window.Start) == key {
			ts = append(ts, tr)
		}
	}
	return ts
}

func storeKeys(s *memStore, prefix string) []string {
	var ks []string
	for k := range s.snapshot() {
		if strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	return ks
}

func TestFinalOnceWhenTheWatermarkPasses(t *testing.T) {
	h := newHarness(t, trends.Options{}, 1) // 1 h windows, 10 min lateness
	h1 := time.Hour
	k := key(jane, 10*h1)

	outs := h.feed(in{0, mention(jane, "a1", 10*h1+5*time.Minute)})
	if got := find(t, outs, k); len(got) != 1 || got[0].Count != 1 || got[0].Final || got[0].Articles[0] != "a1" {
		t.Fatalf("first mention: %+v", got)
	}
	h.feed(in{0, mention(jane, "a2", 10*h1+30*time.Minute)})
	// Watermark 11:05 - 10 min = 10:55: the 10:00 window stays open.
	outs = h.feed(in{0, mention(jane, "a3", 11*h1+5*time.Minute)})
	if got := find(t, outs, k); len(got) != 0 {
		t.Fatalf("the 10:00 window changed by a mention of 11:05: %+v", got)
	}
	// Watermark 11:02: the 10:00 window closes with this record.
	outs = h.feed(in{0, mention(acme, "a4", 11*h1+12*time.Minute)})
	got := find(t, outs, k)
	if len(got) != 1 || !got[0].Final || got[0].Count != 2 || strings.Join(got[0].Articles, ",") != "a2,a1" {
		t.Fatalf("final of the 10:00 window: %+v", got)
	}
	if got := find(t, outs, key(jane, 11*h1)); len(got) != 1 || got[0].Final || got[0].Count != 1 {
		t.Errorf("the 11:00 window, rescored against the new baseline: %+v", got)
	} else if got[0].Baseline != 2 {
		t.Errorf("baseline after one window of 2: %v", got[0].Baseline)
	}
	tombstones := 0
	for _, r := range outs {
		if r.Topic == changelogTopic && r.Value == nil {
			tombstones++
		}
	}
	if tombstones != 2 {
		t.Errorf("%d tombstones for a closed window of 2 articles", tombstones)
	}
	s := h.stores[0]
	if ks := storeKeys(s, "w|"); len(ks) != 2 {
		t.Errorf("members left in the store: %q (want those of the two open windows)", ks)
	}
	var b struct {
		Mean float64
		N    int
	}
	if v, ok := s.Get("b|" + jane); !ok || json.Unmarshal(v, &b) != nil || b.Mean != 2 || b.N != 1 {
		t.Errorf("baseline entry %q", v)
	}

	// Late: all their windows closed. Not applied, counted.
	for _, x := range []in{
		{0, mention(jane, "a5", 10*h1+50*time.Minute)},  // closed window
		{0, mention(paris, "a6", 10*h1+58*time.Minute)}, // a window never opened, closed all the same
		{0, mention(jane, "a2", 10*h1+30*time.Minute)},  // a replay
	} {
		if outs := h.feed(x); len(trendsOf(t, outs)) != 0 {
			t.Errorf("late mention %+v emitted %v", x.m, trendsOf(t, outs))
		}
	}
	if n := testutil.ToFloat64(h.metrics.Late); n != 3 {
		t.Errorf("late mentions: %v, want 3", n)
	}
	h.feed(in{0, mention(acme, "a7", 13*h1)})
	h.feed(in{0, mention(acme, "a8", 14*h1)})
	if n := h.finals()[k]; n != 1 {
		t.Errorf("%d finals of %s", n, k)
	}
	if tr := h.latest()[k]; tr.Count != 2 || !tr.Final {
		t.Errorf("latest of %s: %+v", k, tr)
	}
	if n := testutil.ToFloat64(h.metrics.Finals); n != 3 { // jane 10:00, 11:00; acme 11:00
		t.Errorf("finals: %v, want 3", n)
	}
	if n := testutil.ToFloat64(h.metrics.OpenWindows); n != 2 { // acme 13:00, 14:00
		t.Errorf("open windows: %v, want 2", n)
	}
	if wm := testutil.ToFloat64(h.metrics.Watermark); wm != float64(base.Add(14*h1-10*time.Minute).Unix()) {
		t.Errorf("watermark %v", time.Unix(int64(wm), 0).UTC())
	}
}

func TestIdlePartitionLeftOutOfTheWatermark(t *testing.T) {
	h := newHarness(t, trends.Options{}, 2) // idle timeout 1 min
	m := time.Minute
	h.feed(in{1, mention(acme, "b1", 10*time.Hour+5*m)})
	h.feed(in{0, mention(jane, "a1", 10*time.Hour+10*m)})
	// Partition 0 is at 11:30, partition 1 holds the watermark at 09:55.
	outs := h.feed(in{0, mention(jane, "a2", 11*time.Hour+30*m)})
	h.clock.Advance(30 * time.Second)
	outs = append(outs, h.feed(in{0, mention(jane, "a3", 11*time.Hour+31*m)})...)
	if n := len(find(t, outs, key(jane, 10*time.Hour))); n != 0 {
		t.Fatalf("10:00 window of partition 0 closed while partition 1 holds the watermark back (%d records)", n)
	}
	// A minute without a record: partition 1 is idle, left out.
	h.clock.Advance(31 * time.Second)
	outs = h.feed(in{0, mention(jane, "a4", 11*time.Hour+32*m)})
	if got := find(t, outs, key(jane, 10*time.Hour)); len(got) != 1 || !got[0].Final || got[0].Count != 1 {
		t.Fatalf("partition 0's window not closed once partition 1 is idle: %+v", got)
	}
	// The idle partition's own window stays open until it gets a record:
	// finals travel with their partition's records.
	if tr := h.latest()[key(acme, 10*time.Hour)]; tr.Final {
		t.Fatalf("partition 1's window closed without a record of partition 1")
	}
	// Partition 1 resumes: its record is not late (its windows were
	// never closed), and it closes partition 1's 10:00 window.
	outs = h.feed(in{1, mention(acme, "b2", 11*time.Hour+25*m)})
	if got := find(t, outs, key(acme, 11*time.Hour)); len(got) == 0 || got[len(got)-1].Count != 1 || got[len(got)-1].Baseline != 1 {
		t.Errorf("mention of the resumed partition: %+v", got)
	}
	if got := find(t, outs, key(acme, 10*time.Hour)); len(got) != 1 || !got[0].Final {
		t.Errorf("partition 1's 10:00 window after it resumed: %+v", got)
	}
	// The stage watermark went back to partition 1's (11:15), but
	// partition 0's closed window does not open again, even after a
	// restart.
	for _, restart := range []bool{false, true} {
		if restart {
			h.crash(len(h.log))
		}
		if outs := h.feed(in{0, mention(jane, "a9", 10*time.Hour+59*m)}); len(trendsOf(t, outs)) != 0 {
			t.Errorf("restart %v: a closed window took a mention: %v", restart, trendsOf(t, outs))
		}
	}
	if n := h.finals()[key(jane, 10*time.Hour)]; n != 1 {
		t.Errorf("%d finals of the closed window", n)
	}
}

func TestHoppingWindows(t *testing.T) {
	h := newHarness(t, trends.Options{Window: time.Hour, Hop: 15 * time.Minute}, 1)
	m := time.Minute
	h.feed(in{0, mention(jane, "a1", 10*time.Hour+20*m)})
	h.feed(in{0, mention(jane, "a2", 10*time.Hour+50*m)})
	h.feed(in{0, mention(jane, "a3", 11*time.Hour+10*m)})
	latest := h.latest()
	for start, want := range map[time.Duration]int{
		9*time.Hour + 30*m: 1, 9*time.Hour + 45*m: 1, 10 * time.Hour: 2, 10*time.Hour + 15*m: 3,
		10*time.Hour + 30*m: 2, 10*time.Hour + 45*m: 2, 11 * time.Hour: 1, 11*time.Hour + 15*m: 0,
	} {
		k := key(jane, start)
		if got := latest[k]; got.Count != want {
			t.Errorf("%s: count %d, want %d", k, got.Count, want)
		}
		if tr := latest[k]; want > 0 && !tr.Window.End.Equal(tr.Window.Start.Add(time.Hour)) {
			t.Errorf("%s: window %v", k, tr.Window)
		}
	}
	// The watermark (11:00) closed the windows of 09:30, 09:45 and 10:00;
	// only the 10:00 one, which does not overlap the others of its
	// baseline, fed the baseline.
	if f := h.finals(); len(f) != 3 || f[key(jane, 9*time.Hour+30*m)] != 1 || f[key(jane, 9*time.Hour+45*m)] != 1 || f[key(jane, 10*time.Hour)] != 1 {
		t.Errorf("finals: %v", f)
	}
	var b struct{ Mean, N, Last float64 }
	if v, ok := h.stores[0].Get("b|" + jane); !ok || json.Unmarshal(v, &b) != nil || b.Mean != 2 || b.N != 1 || b.Last != float64(base.Add(10*time.Hour).UnixMilli()) {
		t.Errorf("baseline from the 10:00 window alone: %s", v)
	}
}

func TestMalformedMentionsAreInputErrors(t *testing.T) {
	good := mention(jane, "a1", time.Hour)
	enc := func(m trends.Mention) []byte { b, _ := json.Marshal(m); return b }
	with := func(f func(*trends.Mention)) []byte { m := good; f(&m); return enc(m) }
	for _, tc := range []struct {
		name  string
		key   string
		value []byte
		class string
	}{
		{"not JSON", jane, []byte(`{"article":`), processor.ClassInvalidJSON},
		{"invalid UTF-8", jane, []byte("{\"article\":\"\xff\"}"), processor.ClassInvalidUTF8},
		{"no article", jane, with(func(m *trends.Mention) { m.Article = "" }), processor.ClassInvalidField},
		{"no name", "PERSON:", with(func(m *trends.Mention) { m.Entity.Name = "" }), processor.ClassInvalidField},
		{"unknown type", "THING:Jane Doe", with(func(m *trends.Mention) { m.Entity.Type = "THING" }), processor.ClassInvalidField},
		{"date only", jane, with(func(m *trends.Mention) { m.EventTime = "2024-06-01" }), processor.ClassInvalidField},
		{"key of another entity", acme, enc(good), processor.ClassInvalidField},
		{"no key", "", enc(good), processor.ClassInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, trends.Options{}, 1)
			a := &processor.Article{Raw: tc.value, Key: []byte(tc.key)}
			_, err := h.agg.Process(t.Context(), a)
			var ie *processor.InputError
			if !errors.As(err, &ie) || ie.Class != tc.class {
				t.Fatalf("error %v, want an input error of class %s", err, tc.class)
			}
			if len(a.SideOutputs) != 0 || len(h.stores[0].snapshot()) != 0 {
				t.Errorf("a malformed mention changed the state: %v", a.SideOutputs)
			}
		})
	}
}

func TestPartitionNotRestored(t *testing.T) {
	h := newHarness(t, trends.Options{}, 2)
	h.feed(in{1, mention(jane, "a1", time.Hour)})
	if n := testutil.ToFloat64(h.metrics.OpenWindows); n != 1 {
		t.Errorf("open windows %v", n)
	}
	h.agg.Dropped(1)
	if n := testutil.ToFloat64(h.metrics.OpenWindows); n != 0 {
		t.Errorf("open windows %v after the partition was dropped", n)
	}
	for _, p := range []int{1, 5} {
		_, err := h.agg.Process(t.Context(), article(in{p, mention(jane, "a2", time.Hour)}))
		var ie *processor.InputError
		if err == nil || errors.As(err, &ie) {
			t.Errorf("partition %d: error %v, want a processor error", p, err)
		}
	}
}

func TestRestoredPassesOverUnreadableEntries(t *testing.T) {
	h := newHarness(t, trends.Options{}, 1)
	s := newMemStore(0)
	for k, v := range map[string]string{
		"x|unknown":         "1",
		"w|3|abc":           "1",
		"w|8|ORG:Acme|0|a1": "not a time",
		"b|" + jane:         "nope",
		"m|":                "[",
	} {
		s.Put(k, []byte(v))
	}
	h.agg.Restored(0, s)
	if n := testutil.ToFloat64(h.metrics.InvalidState); n != 5 {
		t.Errorf("invalid entries counted: %v, want 5", n)
	}
	h.stores[0] = s
	if outs := h.feed(in{0, mention(acme, "a1", time.Hour)}); len(find(t, outs, key(acme, time.Hour))) != 1 {
		t.Errorf("no trend after a restore with unreadable entries")
	}
	if _, ok := s.Get("x|unknown"); !ok {
		t.Errorf("an unreadable entry was deleted")
	}
}

func TestForgottenBaseline(t *testing.T) {
	h := newHarness(t, trends.Options{}, 1)
	for i := range 3 {
		h.feed(in{0, mention(jane, "j"+string(rune('a'+i)), time.Duration(i)*time.Minute)})
	}
	deleted := -1
	for hr := 1; hr < 200 && deleted < 0; hr++ {
		for _, r := range h.feed(in{0, mention(acme, "c"+time.Duration(hr).String(), time.Duration(hr)*time.Hour)}) {
			if r.Topic == changelogTopic && string(r.Key) == "b|"+jane && r.Value == nil {
				deleted = hr
			}
		}
	}
	// A mean of 3 decays below 0.01 after a few dozen empty windows.
	if deleted < 20 || deleted > 100 {
		t.Fatalf("baseline of an entity last seen at hour 0 deleted at hour %d", deleted)
	}
	// Seen again, the entity is new: scored against the floor.
	var last []trends.Trend
	for i := range 5 {
		last = find(t, h.feed(in{0, mention(jane, "n"+string(rune('a'+i)), time.Duration(deleted)*time.Hour+time.Duration(i)*time.Second)}), key(jane, time.Duration(deleted)*time.Hour))
	}
	if len(last) != 1 || last[0].Baseline != 1 || last[0].Score != 4 || !last[0].Trending {
		t.Errorf("entity seen again after its baseline was forgotten: %+v", last)
	}
}

func TestTop(t *testing.T) {
	h := newHarness(t, trends.Options{}, 2)
	for i := range 6 {
		h.feed(in{0, mention(jane, "j"+string(rune('a'+i)), time.Hour+time.Duration(i)*time.Minute)})
	}
	for i := range 3 {
		h.feed(in{1, mention(acme, "c"+string(rune('a'+i)), time.Hour+time.Duration(i)*time.Minute)})
	}
	h.feed(in{1, mention(paris, "p", time.Hour)})
	top := h.agg.Top(2)
	if len(top) != 2 || top[0].Entity.Name != "Jane Doe" || !top[0].Trending || top[0].Count != 6 || top[1].Entity.Name != "Acme" || top[1].Trending {
		t.Errorf("top 2: %+v", top)
	}
	if n := len(h.agg.Top(10)); n != 3 {
		t.Errorf("top 10: %d windows, want 3", n)
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  trends.Options
		ok   bool
	}{
		{"defaults", trends.Options{TrendsTopic: "t"}, true},
		{"no topic", trends.Options{}, false},
		{"hop not dividing the window", trends.Options{TrendsTopic: "t", Hop: 25 * time.Minute}, false},
		{"hop over the window", trends.Options{TrendsTopic: "t", Window: time.Minute, Hop: 2 * time.Minute}, false},
		{"too many windows per mention", trends.Options{TrendsTopic: "t", Hop: 30 * time.Second}, false},
		{"sub-millisecond window", trends.Options{TrendsTopic: "t", Window: time.Microsecond}, false},
		{"no lateness", trends.Options{TrendsTopic: "t", AllowedLateness: -1}, true},
		{"alpha over 1", trends.Options{TrendsTopic: "t", Alpha: 1.5}, false},
		{"negative floor", trends.Options{TrendsTopic: "t", Floor: -1}, false},
		{"negative min count", trends.Options{TrendsTopic: "t", MinCount: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trends.NewAggregator(tc.opt)
			if (err == nil) != tc.ok {
				t.Errorf("NewAggregator: %v", err)
			}
		})
	}
}

func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(trends.NewMetrics().Collectors()...)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) != 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 9 {
		t.Errorf("%d series, %v", n, err)
	}
}

// TestMembershipsAreNotKeptInTheStore: the aggregator indexes the
// memberships itself (by hash) and keeps none of them in the store's
// memory, before or after a restore; the changelog holds them, and a
// restart counts them and recognises replays from that index.
func TestMembershipsAreNotKeptInTheStore(t *testing.T) {
	h := newHarness(t, trends.Options{}, 1)
	for _, id := range []string{"a1", "a2", "a3"} {
		h.feed(in{0, mention(jane, id, 10*time.Hour+time.Minute)})
	}
	inMemory := func() int {
		n := 0
		h.stores[0].Range(func(k string, _ []byte) bool {
			if strings.HasPrefix(k, "w|") {
				n++
			}
			return true
		})
		return n
	}
	if n := inMemory(); n != 0 {
		t.Errorf("%d memberships in the store's memory, want 0", n)
	}
	if ks := storeKeys(h.stores[0], "w|"); len(ks) != 3 {
		t.Fatalf("changelog memberships %q, want 3", ks)
	}
	if n := testutil.ToFloat64(h.metrics.Memberships); n != 3 {
		t.Errorf("memberships gauge %v, want 3", n)
	}
	h.start()
	if n := inMemory(); n != 0 {
		t.Errorf("%d memberships in the store's memory after a restore, want 0", n)
	}
	if n := testutil.ToFloat64(h.metrics.Memberships); n != 3 {
		t.Errorf("memberships gauge after a restore %v, want 3", n)
	}
	outs := h.feed(in{0, mention(jane, "a2", 10*time.Hour+time.Minute)})
	if got := find(t, outs, key(jane, 10*time.Hour)); len(got) != 1 || got[0].Count != 3 {
		t.Errorf("replay after a restart: %+v", got)
	}
	if n := testutil.ToFloat64(h.metrics.Replays); n != 1 {
		t.Errorf("replays %v, want 1", n)
	}
}

// TestLegacyMembershipsAreCountedAndDeleted: a changelog written before
// memberships were keyed by hash (the article id in the key, the event
// time alone in the value) restores to the same counts, its replays are
// recognised, and closing the window deletes its keys as they are.
func TestLegacyMembershipsAreCountedAndDeleted(t *testing.T) {
	h := newHarness(t, trends.Options{}, 1)
	start := base.Add(10 * time.Hour)
	legacyOf := func(entity, id string) record.Record {
		k := "w|" + strconv.Itoa(len(entity)) + "|" + entity + "|" + strconv.FormatInt(start.UnixMilli(), 10) + "|" + id
		return record.Record{Topic: changelogTopic, Pinned: true, Key: []byte(k), Value: strconv.AppendInt(nil, start.Add(time.Minute).UnixMilli(), 10)}
	}
	legacy := func(id string) record.Record { return legacyOf(jane, id) }
	tombstone := func(r record.Record) record.Record {
		return record.Record{Topic: changelogTopic, Pinned: true, Key: r.Key}
	}
	old := []record.Record{legacy("a1"), legacy("a|2")}
	// Not yet compacted away: a membership and its tombstone (a window of
	// Paris closed before, and one of Jane's, which a crash cut short),
	// and tombstones of keys never seen or unreadable.
	gone := []record.Record{legacyOf(paris, "p1"), legacy("0123456789abcdef")}
	changelog := append(append([]record.Record{}, gone...), old...)
	changelog = append(changelog, tombstone(gone[0]), tombstone(gone[1]), tombstone(legacyOf(acme, "zz")), record.Record{Topic: changelogTopic, Pinned: true, Key: []byte("w|bad")})
	h.log = append(h.log, step{outs: changelog})
	h.start()
	if n := testutil.ToFloat64(h.metrics.OpenWindows); n != 1 {
		t.Fatalf("%v open windows after the restore, want Jane's alone", n)
	}
	if n := testutil.ToFloat64(h.metrics.InvalidState); n != 0 {
		t.Fatalf("%v legacy entries taken for invalid", n)
	}
	outs := h.feed(in{0, mention(jane, "a|2", 10*time.Hour+2*time.Minute)}) // a replay
	if got := find(t, outs, key(jane, 10*time.Hour)); len(got) != 1 || got[0].Count != 2 {
		t.Fatalf("replay of a legacy membership: %+v", got)
	}
	outs = h.feed(in{0, mention(jane, "a3", 10*time.Hour+3*time.Minute)})
	if got := find(t, outs, key(jane, 10*time.Hour)); len(got) != 1 || got[0].Count != 3 || strings.Join(got[0].Articles, ",") != "a3,a1,a|2" {
		t.Fatalf("new membership beside legacy ones: %+v", got)
	}
	// The watermark passes the window: its final, and a tombstone for each
	// of its three keys, the legacy ones as they were written.
	outs = h.feed(in{0, mention(acme, "b1", 11*time.Hour+20*time.Minute)})
	if got := find(t, outs, key(jane, 10*time.Hour)); len(got) != 1 || !got[0].Final || got[0].Count != 3 {
		t.Fatalf("final: %+v", got)
	}
	deleted := map[string]bool{}
	for _, r := range outs {
		if r.Topic == changelogTopic && r.Value == nil {
			deleted[string(r.Key)] = true
		}
	}
	for _, r := range old {
		if !deleted[string(r.Key)] {
			t.Errorf("legacy key %q not deleted", r.Key)
		}
	}
	if len(deleted) != 3 {
		t.Errorf("%d tombstones, want 3", len(deleted))
	}
	if ks := storeKeys(h.stores[0], "w|"+strconv.Itoa(len(jane))+"|"+jane); len(ks) != 0 {
		t.Errorf("left in the changelog: %q", ks)
	}
	if n := testutil.ToFloat64(h.metrics.Memberships); n != 1 {
		t.Errorf("memberships gauge %v, want 1 (acme's)", n)
	}
}
