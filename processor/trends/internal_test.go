package trends

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/record"
)

func TestMemberKeyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		entity string
		start  int64
		id     string
		at     int64
	}{
		{"PERSON:Jane Doe", 1717236000000, "a-17", 1717236000123},
		{"ORG:A|B|C", -3600000, "id|with|pipes", -3599999},
		{"LOC:Zürich:12@home", 0, "|", 0},
		{"MISC:x", math.MaxInt64, "sha256:00ff", math.MinInt64},
	} {
		h := memberHash(tc.entity, tc.start, tc.id)
		k := memberKey(tc.entity, tc.start, h)
		wid, gh, m, legacy, ok := parseMember(k, appendMember(nil, tc.at, tc.id))
		if !ok || legacy || wid != (windowID{tc.entity, tc.start}) || gh != h || m != (member{id: tc.id, at: tc.at}) {
			t.Errorf("%q: parsed %+v %x %+v legacy %v ok %v", k, wid, gh, m, legacy, ok)
		}
		// The layout before memberHash: the id in the key, the event time
		// alone in the value.
		old := prefixMember + strconv.Itoa(len(tc.entity)) + "|" + tc.entity + "|" + strconv.FormatInt(tc.start, 10) + "|" + tc.id
		wid, gh, m, legacy, ok = parseMember(old, strconv.AppendInt(nil, tc.at, 10))
		if !ok || !legacy || wid != (windowID{tc.entity, tc.start}) || gh != h || m != (member{id: tc.id, at: tc.at}) {
			t.Errorf("legacy %q: parsed %+v %x %+v legacy %v ok %v", old, wid, gh, m, legacy, ok)
		}
	}
	// The hash covers the entity, the window and the article.
	h := memberHash("PERSON:A", 0, "x")
	for _, o := range []uint64{memberHash("PERSON:B", 0, "x"), memberHash("PERSON:A", 1, "x"), memberHash("PERSON:A", 0, "y"), memberHash("PERSON:", 0, "Ax")} {
		if o == h {
			t.Errorf("hash %x shared by two memberships", h)
		}
	}
	good := memberKey("ORG:X", 1, memberHash("ORG:X", 1, "id"))
	for _, bad := range []struct{ k, v string }{
		{"w|", "1|id"}, {"w|x|", "1|id"}, {"w|5|ab|1|x", "1"}, {"w|3|ORG|1|", "1"}, {"w|3|ORG|x|id", "1"},
		{"b|3|ORG|1|id", "1"}, {"w|0||1|id", "1"}, {"w|-1|ORG|1|id", "1"},
		{good, "x|id"},               // event time not a number
		{good, "1|"},                 // no id
		{good, "1|other"},            // the hash is not the id's
		{good[:len(good)-1], "1|id"}, // hash cut short
	} {
		if _, _, _, _, ok := parseMember(bad.k, []byte(bad.v)); ok {
			t.Errorf("%q → %q parsed", bad.k, bad.v)
		}
	}
}

func TestFloorDiv(t *testing.T) {
	for _, tc := range [][3]int64{{7, 2, 3}, {-7, 2, -4}, {-8, 2, -4}, {0, 5, 0}, {-1, 5, -1}} {
		if got := floorDiv(tc[0], tc[1]); got != tc[2] {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestBaselineDecayedMatchesFolds(t *testing.T) {
	for _, alpha := range []float64{0.01, 0.1, 0.5, 1} {
		for _, n := range []int{1, 3, 40} {
			var b baseline
			for i := range n {
				b.fold(float64(5+i%7), alpha)
			}
			for _, k := range []int64{0, 1, 5, 30, 200} {
				want := b
				for range k {
					want.fold(0, alpha)
				}
				got := b.decayed(k, alpha)
				if got.N != want.N || math.Abs(got.Mean-want.Mean) > 1e-9*(1+want.Mean) || math.Abs(got.Var-want.Var) > 1e-9*(1+want.Var) {
					t.Errorf("alpha %v, %d windows, decayed %d: %+v, folds of 0 give %+v", alpha, n, k, got, want)
				}
			}
		}
	}
}

func TestBaselineFirstWindowsArePlainAverages(t *testing.T) {
	var b baseline
	for _, x := range []float64{4, 8, 6} {
		b.fold(x, 0.1)
	}
	// Weights 1, 1/2, 1/3: the plain mean; variance by West's recurrence.
	if b.Mean != 6 || b.N != 3 || math.Abs(b.Var-16.0/6) > 1e-12 {
		t.Errorf("baseline %+v", b)
	}
}

func TestScore(t *testing.T) {
	o := Options{TrendsTopic: "t"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		count    int
		b        baseline
		expected float64
		z        float64
		trending bool
	}{
		{5, baseline{}, 1, 4, true},                             // new entity, at MinCount
		{4, baseline{}, 1, 3, false},                            // below MinCount
		{30, baseline{Mean: 4, Var: 4, N: 10}, 4, 13, true},     // Poisson z: (30-4)/2
		{30, baseline{Mean: 4, Var: 64, N: 10}, 4, 3.25, false}, // overdispersed history: (30-4)/8
		{12, baseline{Mean: 10, Var: 3, N: 10}, 10, 2 / math.Sqrt(10), false},
		{0, baseline{Mean: 0.2, Var: 0.1, N: 10}, 1, -1, false}, // floor
	} {
		e, z, tr := o.score(tc.count, tc.b)
		if e != tc.expected || math.Abs(z-tc.z) > 1e-12 || tr != tc.trending {
			t.Errorf("score(%d, %+v) = %v, %v, %v; want %v, %v, %v", tc.count, tc.b, e, z, tr, tc.expected, tc.z, tc.trending)
		}
	}
}

func TestBaselineAtForgets(t *testing.T) {
	o := Options{TrendsTopic: "t"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	h := time.Hour.Milliseconds()
	var b baseline
	b.fold(10, o.Alpha)
	eb := newEntityBaseline(b, &o)
	if eb.forget < 10 || eb.expiry != (eb.forget+1)*h {
		t.Fatalf("forget after %d windows, expiry %d", eb.forget, eb.expiry)
	}
	if got := eb.at(h, &o); got != b {
		t.Errorf("next window: %+v, want the baseline as is", got)
	}
	if got := eb.at(3*h, &o); got.Mean >= b.Mean || got.N != 3 {
		t.Errorf("after two empty windows: %+v", got)
	}
	last := eb.at(eb.forget*h, &o)
	if last.Mean < negligible && last.Var < negligible {
		t.Errorf("negligible one window early: %+v", last)
	}
	if got := eb.at((eb.forget+1)*h, &o); got != (baseline{}) {
		t.Errorf("not forgotten after %d empty windows: %+v", eb.forget, got)
	}
	var nilEB *entityBaseline
	if got := nilEB.at(5*h, &o); got != (baseline{}) {
		t.Errorf("no history: %+v", got)
	}
}

func TestWindowTopKeepsTheLatest(t *testing.T) {
	w := &window{}
	for i, at := range []int64{5, 1, 9, 3, 9, 7} {
		w.add(uint64(i), member{id: string(rune('a' + i)), at: at}, 3)
	}
	var got string
	for _, m := range w.top {
		got += m.id
	}
	if got != "cef" || w.count() != 6 {
		t.Errorf("top %q (want c and e at 9, then f at 7), count %d", got, w.count())
	}
}

func TestCut(t *testing.T) {
	if got := cut("héllo", 2); got != "h" {
		t.Errorf("cut: %q", got)
	}
	if got := cut("abc", 5); got != "abc" {
		t.Errorf("cut: %q", got)
	}
}

func TestAppendTrendIsJSON(t *testing.T) {
	tr := Trend{
		Schema: 1, Entity: Entity{Name: "Q\"uote\\ \x01 Zürich \u2028", Type: "LOC"},
		Window: Window{Start: time.UnixMilli(1717236000000).UTC(), End: time.UnixMilli(1717239600123).UTC()},
		Count:  3, Final: true, Articles: []string{"a|1", "<b>"},
		Baseline: 2.5, Score: -1e-7, Trending: false,
	}
	got := appendTrend(nil, &tr)
	want, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("hand-written\n%s\nencoding/json\n%s", got, want)
	}
	if s := string(appendString(nil, "a\xffb")); s != `"a\ufffdb"` {
		t.Errorf("invalid UTF-8: %s", s)
	}
}

func TestBaselineRoundTrip(t *testing.T) {
	var b baseline
	for _, x := range []float64{3, 7, 1, 12, 5} {
		b.fold(x, 0.1)
	}
	b = b.decayed(3, 0.1)
	b.Last = -3600000
	got, err := parseBaseline(appendBaseline(nil, &b))
	if err != nil || got != b {
		t.Errorf("round trip: %+v, %v; want %+v", got, err, b)
	}
	for _, bad := range []string{`{"mean":-1,"var":0,"n":1}`, `{"mean":1,"var":0,"n":0}`, `[`, `{"mean":1e999,"var":0,"n":1}`} {
		if _, err := parseBaseline([]byte(bad)); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}

// FuzzRestoring feeds a restore any changelog: records split from the
// input at newlines ("key=value", or "key" alone for a tombstone), mixed
// with well-formed memberships of a few windows. It must not panic, and
// the index it builds must be consistent: every window counts at least
// one membership, and the windows' memberships are exactly the
// partition's set.
func FuzzRestoring(f *testing.F) {
	for _, s := range []string{
		"",
		"w|15|PERSON:Jane Doe|0|a1=5",
		"w|3|ORG|0|0123456789abcdef=1|x\nw|3|ORG|0|0123456789abcdef",
		"w|3|ORG|x|id=1\nw|bad\nm|={\"max\":5}\nb|ORG:X=nope",
		"w|8|ORG:Acme|3600000|a|2=3600001\nw|8|ORG:Acme|3600000|a|2",
	} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, input string, mix uint8) {
		g, err := NewAggregator(Options{TrendsTopic: "t", Metrics: NewMetrics()})
		if err != nil {
			t.Fatal(err)
		}
		r := g.Restoring(0)
		entities := []string{"PERSON:A", "ORG:B|C"}
		for i, line := range strings.Split(input, "\n") {
			// Well-formed memberships, some deleted again, between the
			// fuzzed lines.
			e := entities[i%2]
			start := int64(i%int(mix%4+1)) * g.size
			id := strconv.Itoa(i % int(mix|1))
			h := memberHash(e, start, id)
			r.Take(memberKey(e, start, h), appendMember(nil, start+1, id))
			if mix&0x10 != 0 && i%3 == 0 {
				r.Take(memberKey(e, start, h), nil)
			}
			k, v, hasValue := strings.Cut(line, "=")
			if hasValue {
				r.Take(k, []byte(v))
			} else {
				r.Take(k, nil)
			}
		}
		s := &mapStore{m: map[string][]byte{}}
		r.Done(s)
		part := g.partitions[0]
		n := 0
		for _, w := range part.windows {
			if w.count() == 0 {
				t.Fatalf("window %+v counts nothing", w)
			}
			n += w.count()
			for _, h := range w.hashes {
				if _, ok := part.members[h]; !ok {
					t.Fatalf("window %s@%d lists a membership the set lacks", w.entity, w.start)
				}
			}
		}
		if n != len(part.members) {
			t.Fatalf("windows count %d memberships, the set holds %d", n, len(part.members))
		}
		if len(part.byEnd) != len(part.windows) {
			t.Fatalf("heap of %d windows, map of %d", len(part.byEnd), len(part.windows))
		}
	})
}

// mapStore is the least Store: a map.
type mapStore struct{ m map[string][]byte }

func (s *mapStore) Get(k string) ([]byte, bool) { v, ok := s.m[k]; return v, ok }
func (s *mapStore) Put(k string, v []byte) record.Record {
	s.m[k] = v
	return record.Record{Key: []byte(k), Value: v}
}
func (s *mapStore) Log(k string, v []byte) record.Record {
	delete(s.m, k)
	return record.Record{Key: []byte(k), Value: v}
}
func (s *mapStore) Delete(k string) record.Record {
	delete(s.m, k)
	return record.Record{Key: []byte(k)}
}
func (s *mapStore) Forget(prefix string) {
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			delete(s.m, k)
		}
	}
}
func (s *mapStore) Range(fn func(string, []byte) bool) {
	for k, v := range s.m {
		if !fn(k, v) {
			return
		}
	}
}
