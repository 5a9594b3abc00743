package dedup

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// refIndex is the brute-force model of an Index: a map, and a Lookup that
// scans every entry sharing an anchor with the query.
type refIndex struct {
	threshold float64
	m         map[string]Entry
}

func (r *refIndex) lookup(sig Signature) (Entry, float64, bool) {
	var best Entry
	bestSim, found := 0.0, false
	for _, e := range r.m {
		shares := false
		for a := range sig.anchors {
			shares = shares || e.Sig.anchors[a] == sig.anchors[a]
		}
		s := Similarity(sig, e.Sig)
		if !shares || s < r.threshold {
			continue
		}
		if !found || s > bestSim || s == bestSim && (e.EventTime < best.EventTime || e.EventTime == best.EventTime && e.ID < best.ID) {
			best, bestSim, found = e, s, true
		}
	}
	return best, bestSim, found
}

// sharing returns how many entries have anchor x at position a.
func (r *refIndex) sharing(a int, x uint32) int {
	n := 0
	for _, e := range r.m {
		if e.Sig.anchors[a] == x {
			n++
		}
	}
	return n
}

// sigGen makes signatures that collide: anchors from small pools, sketches
// that are noisy copies of a few bases, so that similarities spread over
// [0, 1] and lookups find matches.
type sigGen struct {
	rng   *rand.Rand
	bases []Signature
}

func newSigGen(seed uint64) *sigGen {
	g := &sigGen{rng: rand.New(rand.NewPCG(seed, 3))}
	for range 6 {
		var s Signature
		for w := range s.lo {
			s.lo[w], s.hi[w] = g.rng.Uint64(), g.rng.Uint64()
		}
		g.bases = append(g.bases, s)
	}
	return g
}

func (g *sigGen) sig() Signature {
	s := g.bases[g.rng.IntN(len(g.bases))]
	p := g.rng.Float64() * 0.6 // share of bins redrawn
	for w := range s.lo {
		for b := range 64 {
			if g.rng.Float64() < p {
				m := uint64(1) << b
				s.lo[w] = s.lo[w]&^m | g.rng.Uint64()&m
				s.hi[w] = s.hi[w]&^m | g.rng.Uint64()&m
			}
		}
	}
	for a := range s.anchors {
		s.anchors[a] = uint32(g.rng.IntN(40)) * 0x9e3779b1 // spread over the table
	}
	return s
}

func mustIndex(t testing.TB, threshold float64) *Index {
	t.Helper()
	ix, err := NewIndex(threshold)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestIndexAgainstReference(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			testAgainstReference(t, seed, 6000)
		})
	}
}

func testAgainstReference(t *testing.T, seed uint64, ops int) {
	rng := rand.New(rand.NewPCG(seed, 11))
	g := newSigGen(seed)
	ix := mustIndex(t, 0.5)
	ref := &refIndex{threshold: 0.5, m: map[string]Entry{}}
	// Ids of many lengths, so that arena records of many sizes come and go.
	id := func() string {
		n := rng.IntN(500)
		return fmt.Sprintf("%s-%d", strings.Repeat("a", n%45), n)
	}
	lookups, hits, expired := 0, 0, 0
	for op := range ops {
		switch r := rng.IntN(100); {
		case r < 45: // put, new or replacing
			e := Entry{ID: id(), Sig: g.sig(), EventTime: rng.Int64N(1000), Origin: int32(rng.IntN(3))}
			// Stay under BucketCap, which the reference does not model.
			for a, x := range e.Sig.anchors {
				if old, ok := ref.m[e.ID]; (!ok || old.Sig.anchors[a] != x) && ref.sharing(a, x) >= BucketCap {
					e.Sig.anchors[a] = rng.Uint32()
				}
			}
			switch rng.IntN(3) {
			case 0:
				e.Cluster = e.ID
			case 1:
				e.Cluster = id()
			}
			if err := ix.Put(e); err != nil {
				t.Fatal(err)
			}
			ref.m[e.ID] = e
		case r < 60:
			k := id()
			_, want := ref.m[k]
			if got := ix.Delete(k); got != want {
				t.Fatalf("op %d: Delete(%q) = %v, want %v", op, k, got, want)
			}
			delete(ref.m, k)
		case r < 80:
			q := g.sig()
			got, gs, gok := ix.Lookup(q)
			want, ws, wok := ref.lookup(q)
			if gok != wok || got != want || gs != ws {
				t.Fatalf("op %d: Lookup = %q %.3f %v, want %q %.3f %v", op, got.ID, gs, gok, want.ID, ws, wok)
			}
			lookups++
			if gok {
				hits++
			}
		case r < 90:
			k := id()
			got, gok := ix.Get(k)
			want, wok := ref.m[k]
			if gok != wok || got != want {
				t.Fatalf("op %d: Get(%q) = %+v %v, want %+v %v", op, k, got, gok, want, wok)
			}
		default:
			origin, before, limit := int32(rng.IntN(4)), rng.Int64N(1100), rng.IntN(8)
			expired += checkExpired(t, ix, ref, origin, before, limit)
		}
		if ix.Len() != len(ref.m) {
			t.Fatalf("op %d: Len = %d, want %d", op, ix.Len(), len(ref.m))
		}
		if op%200 == 0 {
			checkInvariants(t, ix, ref)
		}
	}
	checkInvariants(t, ix, ref)
	t.Logf("%d lookups, %d matches; %d ids expired; %d entries", lookups, hits, expired, len(ref.m))
	if hits < lookups/10 || hits > lookups*9/10 || expired < ops/100 {
		t.Errorf("the test data exercise too little: %d matches of %d lookups, %d ids expired", hits, lookups, expired)
	}
	// Empty it: everything must go.
	for k := range ref.m {
		if !ix.Delete(k) {
			t.Fatalf("Delete(%q) = false", k)
		}
		delete(ref.m, k)
	}
	checkInvariants(t, ix, ref)
	if ix.arena.live != 0 || len(ix.heaps) != 0 {
		t.Errorf("empty index holds %d live arena bytes, %d heaps", ix.arena.live, len(ix.heaps))
	}
}

// checkExpired compares Expired with the reference: the oldest entries of
// the origin before the horizon, oldest first (ties in any order). It
// returns the number of ids returned.
func checkExpired(t *testing.T, ix *Index, ref *refIndex, origin int32, before int64, limit int) int {
	t.Helper()
	var want []Entry
	for _, e := range ref.m {
		if e.Origin == origin && e.EventTime < before {
			want = append(want, e)
		}
	}
	slices.SortFunc(want, func(a, b Entry) int { return cmp.Compare(a.EventTime, b.EventTime) })
	got := ix.Expired(origin, before, limit)
	if len(got) != min(limit, len(want)) {
		t.Fatalf("Expired(%d, %d, %d): %d ids, want %d", origin, before, limit, len(got), min(limit, len(want)))
	}
	seen := map[string]bool{}
	for i, id := range got {
		e, ok := ref.m[id]
		switch {
		case !ok || seen[id]:
			t.Fatalf("Expired: id %q unknown or repeated", id)
		case e.Origin != origin:
			t.Fatalf("Expired: id %q of origin %d", id, e.Origin)
		case e.EventTime != want[i].EventTime:
			t.Fatalf("Expired: id %d has time %d, want %d", i, e.EventTime, want[i].EventTime)
		}
		seen[id] = true
	}
	return len(got)
}

// checkInvariants verifies the internal structures of ix against ref.
func checkInvariants(t *testing.T, ix *Index, ref *refIndex) {
	t.Helper()
	if ix.n != len(ref.m) || ix.ids.n != ix.n {
		t.Fatalf("n = %d, id table n = %d, want %d", ix.n, ix.ids.n, len(ref.m))
	}
	live := map[uint32]bool{}
	var arenaLive int64
	for k, e := range ref.m {
		v, ok := ix.find(idKey(k), k)
		if !ok {
			t.Fatalf("id %q not in the id table", k)
		}
		if got := ix.entryAt(v); got != e {
			t.Fatalf("slot of %q holds %+v, want %+v", k, got, e)
		}
		live[v] = true
		en := ix.at(v)
		arenaLive += int64(len(ix.arena.record(en.id)))
		if en.cluster < clusterNone {
			arenaLive += int64(len(ix.arena.record(en.cluster)))
		}
	}
	if arenaLive != ix.arena.live {
		t.Fatalf("arena live bytes %d, want %d", ix.arena.live, arenaLive)
	}
	free := 0
	for v := ix.freeHead; v != noSlot; v = ix.at(v).heap {
		if live[v] || ix.at(v).id != freeSlot {
			t.Fatalf("free list holds slot %d in use", v)
		}
		free++
	}
	if free+ix.n != int(ix.nslots) {
		t.Fatalf("%d free + %d live slots, %d handed out", free, ix.n, ix.nslots)
	}
	checkTable(t, "id", &ix.ids, ix.idKeyOf, live)
	for a := range ix.anchors {
		checkTable(t, fmt.Sprint("anchor", a), &ix.anchors[a], ix.ancKeyOf[a], live)
		// Every entry is indexed unless BucketCap others share its anchor.
		if ix.anchors[a].n != ix.n {
			t.Fatalf("anchor table %d indexes %d of %d entries (BucketCap not reached in this test)", a, ix.anchors[a].n, ix.n)
		}
	}
	count := 0
	for origin, h := range ix.heaps {
		for i, v := range h.slots {
			if !live[v] || ix.at(v).origin != origin || ix.at(v).heap != uint32(i) {
				t.Fatalf("heap %d position %d: slot %d not live, of another origin or misplaced", origin, i, v)
			}
			if i > 0 && ix.less(v, h.slots[(i-1)/2]) {
				t.Fatalf("heap %d: order broken at %d", origin, i)
			}
		}
		count += len(h.slots)
	}
	if count != ix.n {
		t.Fatalf("heaps hold %d slots, want %d", count, ix.n)
	}
}

func checkTable(t *testing.T, name string, tb *slotTable, keyOf keyFunc, live map[uint32]bool) {
	t.Helper()
	n := 0
	for i, w := range tb.words {
		if w == 0 {
			continue
		}
		n++
		v := w & slotMask
		k := keyOf(v)
		if !live[v] || w>>tagShift != k.tag {
			t.Fatalf("%s table word %d: slot %d not live or tag wrong", name, i, v)
		}
		// The run from the home word to i has no hole.
		for j := tb.home(k.h); j != i; j = (j + 1) % len(tb.words) {
			if tb.words[j] == 0 {
				t.Fatalf("%s table: slot %d at %d unreachable from its home", name, v, i)
			}
		}
	}
	if n != tb.n {
		t.Fatalf("%s table: %d words used, n = %d", name, n, tb.n)
	}
	if len(tb.words) > minTable && float64(n) > maxLoad*float64(len(tb.words)) {
		t.Fatalf("%s table: load %d/%d above maxLoad", name, n, len(tb.words))
	}
}

func TestExpiredOrder(t *testing.T) {
	ix := mustIndex(t, DefaultThreshold)
	rng := rand.New(rand.NewPCG(1, 2))
	g := newSigGen(1)
	times := map[int32][]int64{}
	for i := range 3000 {
		origin := int32(i % 3)
		tm := rng.Int64N(1_000_000)
		if i == 7 {
			tm = 1 << 60 // a bogus future time must not hold the others back
		}
		if err := ix.Put(Entry{ID: fmt.Sprint("e", i), Sig: g.sig(), EventTime: tm, Origin: origin}); err != nil {
			t.Fatal(err)
		}
		times[origin] = append(times[origin], tm)
	}
	for origin, ts := range times {
		slices.Sort(ts)
		// Expire in batches of 100 up to a horizon, as the caller would.
		const horizon = 900_000
		var got []int64
		for {
			ids := ix.Expired(origin, horizon, 100)
			if len(ids) == 0 {
				break
			}
			for _, id := range ids {
				e, ok := ix.Get(id)
				if !ok {
					t.Fatalf("Expired returned unknown id %q", id)
				}
				got = append(got, e.EventTime)
				ix.Delete(id)
			}
		}
		i, _ := slices.BinarySearch(ts, horizon)
		if !slices.Equal(got, ts[:i]) {
			t.Fatalf("origin %d: expired times %d…, want the %d times before the horizon in order", origin, len(got), i)
		}
	}
	if got := ix.Expired(99, 1<<62, 10); got != nil {
		t.Errorf("unknown origin: %v", got)
	}
	if got := ix.Expired(0, 1<<62, 0); got != nil {
		t.Errorf("limit 0: %v", got)
	}
}

func TestLookupTieBreakAndSelf(t *testing.T) {
	ix := mustIndex(t, DefaultThreshold)
	sig := newSigGen(2).sig()
	for _, e := range []Entry{
		{ID: "c", Sig: sig, EventTime: 20, Cluster: "c"},
		{ID: "b", Sig: sig, EventTime: 10, Cluster: "first"},
		{ID: "a", Sig: sig, EventTime: 10, Cluster: "first"},
	} {
		if err := ix.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	m, s, ok := ix.Lookup(sig)
	if !ok || m.ID != "a" || s != 1 || m.Cluster != "first" {
		t.Fatalf("Lookup = %+v %v %v, want a (earliest time, smallest id) with similarity 1", m, s, ok)
	}
	// Below the threshold nothing matches, even sharing every anchor.
	other := sig
	other.lo, other.hi = [2]uint64{^sig.lo[0], ^sig.lo[1]}, [2]uint64{^sig.hi[0], ^sig.hi[1]}
	if m, s, ok := ix.Lookup(other); ok {
		t.Errorf("Lookup of a dissimilar sketch = %q %v", m.ID, s)
	}
	// Sharing no anchor, even an identical sketch is not found.
	moved := sig
	for a := range moved.anchors {
		moved.anchors[a]++
	}
	if _, _, ok := ix.Lookup(moved); ok {
		t.Error("Lookup without a shared anchor found a match")
	}
}

func TestBucketCap(t *testing.T) {
	ix := mustIndex(t, 0.1)
	g := newSigGen(3)
	shared := uint32(0xdeadbeef)
	for i := range BucketCap + 5 {
		s := g.sig()
		s.anchors[0] = shared
		for a := 1; a < numAnchors; a++ {
			s.anchors[a] = uint32(1000 + 10*i + a)
		}
		if err := ix.Put(Entry{ID: fmt.Sprint("e", i), Sig: s}); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		ix.anchors[0].each(anchorKey(shared), func(v uint32) bool {
			if ix.at(v).sig.anchors[0] == shared {
				n++
			}
			return true
		})
		return n
	}
	if n := count(); n != BucketCap {
		t.Fatalf("%d entries indexed under the shared anchor, want BucketCap = %d", n, BucketCap)
	}
	// Every entry is still found through its own anchors.
	for i := range BucketCap + 5 {
		e, _ := ix.Get(fmt.Sprint("e", i))
		if m, _, ok := ix.Lookup(e.Sig); !ok || m.ID != e.ID {
			t.Fatalf("entry %d not found by its own signature", i)
		}
	}
	// Deleting an indexed entry makes room for the next one.
	ix.Delete("e0")
	s := g.sig()
	s.anchors[0] = shared
	if err := ix.Put(Entry{ID: "late", Sig: s}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != BucketCap {
		t.Fatalf("after delete and put: %d indexed, want %d", n, BucketCap)
	}
}

// Under steady insertion and deletion with changing id lengths, memory
// stays proportional to the live entries.
func TestChurnMemoryBounded(t *testing.T) {
	ix := mustIndex(t, DefaultThreshold)
	g := newSigGen(4)
	const live = 2_000
	next := 0
	put := func() {
		// Ids grow longer over time: old arena holes never fit new ids.
		id := fmt.Sprintf("%s%d", strings.Repeat("x", 10+3*(next/1000)), next)
		if err := ix.Put(Entry{ID: id, Sig: g.sig(), EventTime: int64(next), Origin: int32(next % 4), Cluster: id}); err != nil {
			t.Fatal(err)
		}
		next++
	}
	for range live {
		put()
	}
	base := ix.Bytes()
	peak := base
	compactions := 0
	for range 60_000 {
		dead := ix.arena.dead
		origin := int32(next % 4)
		for _, id := range ix.Expired(origin, 1<<62, 1) {
			ix.Delete(id)
		}
		put()
		peak = max(peak, ix.Bytes())
		if dead-ix.arena.dead >= 1<<19 { // reuse takes one record at a time
			compactions++
		}
	}
	if ix.Len() != live {
		t.Fatalf("Len = %d, want %d", ix.Len(), live)
	}
	t.Logf("Bytes: %d after filling, peak %d during churn, %d at the end; %d arena compactions", base, peak, ix.Bytes(), compactions)
	if compactions == 0 {
		t.Error("the arena was never compacted")
	}
	// The arena may hold max(1 MiB, live) dead bytes before it compacts.
	if peak > 2*base+2<<20 {
		t.Errorf("memory grew from %d to %d bytes under churn", base, peak)
	}
	if ix.arena.dead > max(1<<20, ix.arena.live) {
		t.Errorf("arena: %d dead bytes for %d live", ix.arena.dead, ix.arena.live)
	}
	// Then expire everything: tables and heaps give memory back.
	for origin := range int32(4) {
		for _, id := range ix.Expired(origin, 1<<62, live) {
			ix.Delete(id)
		}
	}
	if ix.Len() != 0 || ix.ids.capBytes() > 4*minTable {
		t.Errorf("after expiring all: Len %d, id table %d bytes", ix.Len(), ix.ids.capBytes())
	}
}

func TestPutErrors(t *testing.T) {
	ix := mustIndex(t, DefaultThreshold)
	long := strings.Repeat("x", MaxIDLen+1)
	for _, e := range []Entry{{ID: long}, {ID: "ok", Cluster: long}} {
		if err := ix.Put(e); !errors.Is(err, ErrIDTooLong) {
			t.Errorf("Put: err = %v, want ErrIDTooLong", err)
		}
	}
	if ix.Len() != 0 {
		t.Errorf("Len = %d after failed puts", ix.Len())
	}
}

func TestNewIndexThreshold(t *testing.T) {
	for _, th := range []float64{0, -0.5, 1.01, 2} {
		if _, err := NewIndex(th); err == nil {
			t.Errorf("NewIndex(%v) accepted", th)
		}
	}
	var nan float64
	nan /= nan
	if _, err := NewIndex(nan); err == nil {
		t.Error("NewIndex(NaN) accepted")
	}
	for _, th := range []float64{0.01, DefaultThreshold, 1} {
		if ix, err := NewIndex(th); err != nil || ix.Threshold() != th {
			t.Errorf("NewIndex(%v) = %v", th, err)
		}
	}
}

// Readers and writers at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	ix := mustIndex(t, DefaultThreshold)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			g := newSigGen(uint64(10 + w))
			for i := range 2000 {
				id := fmt.Sprintf("w%d-%d", w, i%300)
				switch i % 4 {
				case 0:
					if err := ix.Put(Entry{ID: id, Sig: g.sig(), EventTime: int64(i), Origin: int32(w)}); err != nil {
						t.Error(err)
						return
					}
				case 1:
					ix.Lookup(g.sig())
				case 2:
					ix.Get(id)
					ix.Expired(int32(w), int64(i), 3)
				case 3:
					if i%12 == 3 {
						ix.Delete(id)
					}
					ix.Len()
					ix.Bytes()
				}
			}
		})
	}
	wg.Wait()
}

// LookupWith passes over entries before Since and the excluded id, and
// with Earliest picks the earliest match rather than the closest.
func TestLookupWith(t *testing.T) {
	fp, err := NewFingerprinter(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewIndex(0.5)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("the quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat ", 4)
	sig, ok := fp.Fingerprint(text)
	if !ok {
		t.Fatal("no signature")
	}
	near, _ := fp.Fingerprint(text + " and then the dog barks twice at the moon")
	for _, e := range []Entry{
		{ID: "old-exact", Sig: sig, EventTime: 100, Cluster: "old-exact"},
		{ID: "mid-near", Sig: near, EventTime: 200, Cluster: "old-exact"},
		{ID: "new-exact", Sig: sig, EventTime: 300, Cluster: "old-exact"},
	} {
		if err := ix.Put(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		q    Query
		want string
	}{
		{Query{}, "old-exact"},
		{Query{Since: 150}, "new-exact"},
		{Query{Since: 150, Earliest: true}, "mid-near"},
		{Query{Exclude: "old-exact"}, "new-exact"},
		{Query{Earliest: true, Exclude: "old-exact"}, "mid-near"},
		{Query{Since: 400}, ""},
	} {
		m, _, ok := ix.LookupWith(sig, tc.q)
		if got := m.ID; !ok && tc.want != "" || ok && got != tc.want {
			t.Errorf("LookupWith(%+v) = %q %v, want %q", tc.q, got, ok, tc.want)
		}
	}
}
