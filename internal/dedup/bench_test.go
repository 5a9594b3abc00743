package dedup

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/newsflow/newsflow/internal/shareddata"
)

// The scale benchmarks work on a synthetic table of a million entries
// (fingerprinting a million real articles is not possible here):
//
//   - ids: half like "reuters-2026-03-01-12345" (20–24 bytes), half UUIDs
//     (36 bytes);
//   - signatures: random, except that one entry in ten is a near copy of
//     an earlier one (two anchors and ~70% of the sketch bins shared, a
//     cluster id that differs from its id), and 3% of anchor values come
//     from a pool of 2,000 shared values (the stock phrases and
//     boilerplate of real text), so that buckets fill up to BucketCap;
//   - event times rise with jitter; origins are 12 partitions.
//
// Lookups mix near copies of stored entries (hits) and random signatures
// (misses) half and half.

const scaleN = 1_000_000

type synth struct {
	rng    *rand.Rand
	common []uint32
}

func newSynth(seed uint64) *synth {
	s := &synth{rng: rand.New(rand.NewPCG(seed, 42))}
	for range 2000 {
		s.common = append(s.common, s.rng.Uint32())
	}
	return s
}

var sources = []string{"bbc", "cnn", "reuters", "apnews"}

func (s *synth) id(i int) string {
	if i%2 == 0 {
		return fmt.Sprintf("%s-2026-%02d-%02d-%05d", sources[i/2%4], 1+i/8%12, 1+i/96%28, i/2688%100000)
	}
	r := s.rng
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
}

func (s *synth) anchor() uint32 {
	if s.rng.IntN(100) < 3 {
		return s.common[min(s.rng.IntN(len(s.common)), s.rng.IntN(len(s.common)))]
	}
	return s.rng.Uint32()
}

func (s *synth) sig() Signature {
	var g Signature
	for w := range g.lo {
		g.lo[w], g.hi[w] = s.rng.Uint64(), s.rng.Uint64()
	}
	for a := range g.anchors {
		g.anchors[a] = s.anchor()
	}
	return g
}

// near returns a near copy of g: two anchors kept, about 70% of the bins.
func (s *synth) near(g Signature) Signature {
	n := s.sig()
	keep := s.rng.Perm(numAnchors)[:2]
	for _, a := range keep {
		n.anchors[a] = g.anchors[a]
	}
	for w := range g.lo {
		m := s.rng.Uint64() | s.rng.Uint64() // ~75% of the bits: keep
		n.lo[w] = g.lo[w]&m | n.lo[w]&^m
		n.hi[w] = g.hi[w]&m | n.hi[w]&^m
	}
	return n
}

// entries returns n synthetic entries.
func (s *synth) entries(n int) []Entry {
	es := make([]Entry, n)
	t := int64(1_767_225_600_000) // 2026-01-01
	for i := range es {
		t += s.rng.Int64N(1000)
		e := Entry{ID: s.id(i), EventTime: t - s.rng.Int64N(60_000), Origin: int32(s.rng.IntN(12))}
		if i > 0 && s.rng.IntN(10) == 0 {
			orig := es[s.rng.IntN(i)]
			e.Sig, e.Cluster = s.near(orig.Sig), orig.Cluster
		} else {
			e.Sig, e.Cluster = s.sig(), e.ID
		}
		es[i] = e
	}
	return es
}

func encodeAll(tb testing.TB, es []Entry) [][]byte {
	out := make([][]byte, len(es))
	for i, e := range es {
		b, err := e.MarshalBinary()
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func restore(tb testing.TB, recs [][]byte) *Index {
	ix, err := NewIndex(DefaultThreshold)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range recs {
		var e Entry
		if err := e.UnmarshalBinary(r); err != nil {
			tb.Fatal(err)
		}
		if err := ix.Put(e); err != nil {
			tb.Fatal(err)
		}
	}
	return ix
}

func heapAlloc() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkRestore1M decodes a million encoded entries and puts them into
// an empty Index, as a restore from the changelog does; one op is the
// whole million. It reports the heap the Index holds per entry (MemStats
// before and after, ids included) and what Bytes estimates.
func BenchmarkRestore1M(b *testing.B) {
	recs := encodeAll(b, newSynth(1).entries(scaleN))
	encoded := 0
	for _, r := range recs {
		encoded += len(r)
	}
	var perEntry, estimate float64
	for b.Loop() {
		b.StopTimer()
		before := heapAlloc()
		b.StartTimer()
		ix := restore(b, recs)
		b.StopTimer()
		after := heapAlloc()
		perEntry = float64(after-before) / float64(ix.Len())
		estimate = float64(ix.Bytes()) / float64(ix.Len())
		b.Log(memoryBreakdown(ix))
		runtime.KeepAlive(ix)
		b.StartTimer()
	}
	b.ReportMetric(perEntry, "heap-B/entry")
	b.ReportMetric(estimate, "Bytes()-B/entry")
	b.ReportMetric(float64(encoded)/scaleN, "encoded-B/entry")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/scaleN, "ns/entry")
	runtime.KeepAlive(recs)
}

// memoryBreakdown says where the bytes of ix go, per entry.
func memoryBreakdown(ix *Index) string {
	n := float64(ix.n)
	var b strings.Builder
	fmt.Fprintf(&b, "bytes per entry: slots %.1f, arena %.1f (live %.1f), id table %.1f (load %.2f)",
		float64(len(ix.slots)*slotChunk)*float64(unsafe.Sizeof(entry{}))/n, float64(ix.arena.capBytes())/n,
		float64(ix.arena.live)/n, float64(ix.ids.capBytes())/n, float64(ix.ids.n)/float64(len(ix.ids.words)))
	for a := range ix.anchors {
		fmt.Fprintf(&b, ", anchor table %d %.1f (%.2f%% of entries not indexed: BucketCap)", a,
			float64(ix.anchors[a].capBytes())/n, 100*(1-float64(ix.anchors[a].n)/n))
	}
	heaps := 0
	for _, h := range ix.heaps {
		heaps += 4 * cap(h.slots)
	}
	fmt.Fprintf(&b, ", heaps %.1f", float64(heaps)/n)
	return b.String()
}

// BenchmarkLookup times Lookup on Indexes of 10 thousand to a million
// entries (the cost should not grow with the size); after the timed loop
// it times 100,000 lookups one by one and reports their p50, p99 and
// p99.9 latencies.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10_000, 100_000, scaleN} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchLookup(b, n) })
	}
}

func benchLookup(b *testing.B, n int) {
	s := newSynth(1)
	es := s.entries(n)
	ix, err := NewIndex(DefaultThreshold)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range es {
		if err := ix.Put(e); err != nil {
			b.Fatal(err)
		}
	}
	queries := make([]Signature, 100_000)
	for i := range queries {
		if i%2 == 0 {
			queries[i] = s.near(es[s.rng.IntN(len(es))].Sig)
		} else {
			queries[i] = s.sig()
		}
	}
	hits, i := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := ix.Lookup(queries[i%len(queries)]); ok {
			hits++
		}
		i++
	}
	b.StopTimer()
	lat := make([]time.Duration, len(queries))
	for i, q := range queries {
		t0 := time.Now()
		ix.Lookup(q)
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) }
	var words, cands int
	for _, q := range queries {
		w, c := probeWork(ix, q)
		words += w
		cands += c
	}
	b.ReportMetric(float64(words)/float64(len(queries)), "words-probed/op")
	b.ReportMetric(float64(cands)/float64(len(queries)), "candidates/op")
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
	b.ReportMetric(pct(0.999), "p99.9-ns")
	b.ReportMetric(float64(hits)/float64(i), "hit-ratio")
}

// probeWork returns the work a Lookup of sig does: table words read, and
// candidates (entries sharing an anchor) whose similarity it computes.
func probeWork(ix *Index, sig Signature) (words, candidates int) {
	for a := range ix.anchors {
		t := &ix.anchors[a]
		k := anchorKey(sig.anchors[a])
		for i := t.home(k.h); t.words[i] != 0; i = (i + 1) % len(t.words) {
			words++
		}
		words++ // the empty word that ends the run
		t.each(k, func(v uint32) bool {
			if ix.at(v).sig.anchors[a] == sig.anchors[a] {
				candidates++
			}
			return true
		})
	}
	return words, candidates
}

// BenchmarkChurn1M is the steady state of a full Index: each op expires
// the oldest entry of an origin and puts a new one.
func BenchmarkChurn1M(b *testing.B) {
	s := newSynth(2)
	es := s.entries(scaleN)
	ix, err := NewIndex(DefaultThreshold)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range es {
		if err := ix.Put(e); err != nil {
			b.Fatal(err)
		}
	}
	fresh := newSynth(3).entries(200_000)
	i := 0
	for b.Loop() {
		e := fresh[i%len(fresh)]
		e.ID = fmt.Sprintf("%s-%d", e.ID, i)
		e.EventTime += 1 << 40
		for _, id := range ix.Expired(e.Origin, 1<<62, 1) {
			ix.Delete(id)
		}
		if err := ix.Put(e); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// typicalArticle returns a synthetic English-like article of about size
// bytes: sentences of words drawn, Zipf-like, from a fixed vocabulary.
func typicalArticle(size int) string {
	vocab := strings.Fields(`the of and to a in that is was for on with as by at from his her it
		said they has have were are be an this which but not who their after been its had also
		government minister president police people year years new first two last million
		country city state election party officials report told percent week according since
		national public military court company market security health members former world
		London Paris Washington Reuters Monday Tuesday announced statement decision agreement`)
	rng := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	for b.Len() < size {
		n := 8 + rng.IntN(20)
		for i := range n {
			w := vocab[min(rng.IntN(len(vocab)), rng.IntN(len(vocab)))]
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			}
			b.WriteString(w)
			if i < n-1 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(". ")
		if rng.IntN(5) == 0 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// BenchmarkFingerprint fingerprints a typical 4 KB article, and the real
// Wikinews development articles when ../shared/data is present.
func BenchmarkFingerprint(b *testing.B) {
	fp, err := NewFingerprinter(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("4KB", func(b *testing.B) {
		text := typicalArticle(4096)
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			fp.Fingerprint(text)
		}
	})
	b.Run("wikinews-3to5KB", func(b *testing.B) {
		var bodies []string
		for _, t := range shareddata.WikinewsBodies(b) {
			if len(t) >= 3000 && len(t) <= 5000 {
				bodies = append(bodies, t)
			}
		}
		benchTexts(b, fp, bodies)
	})
	b.Run("wikinews-all", func(b *testing.B) {
		benchTexts(b, fp, shareddata.WikinewsBodies(b))
	})
}

// benchTexts fingerprints bodies round robin; one op is one text.
func benchTexts(b *testing.B, fp *Fingerprinter, bodies []string) {
	n := 0
	for _, t := range bodies {
		n += len(t)
	}
	b.SetBytes(int64(n / len(bodies)))
	i := 0
	for b.Loop() {
		fp.Fingerprint(bodies[i%len(bodies)])
		i++
	}
}
