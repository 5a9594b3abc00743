package dedup

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// DefaultThreshold is the similarity at or above which Lookup reports a
// match by default, chosen from the precision/recall curve measured on
// the development corpus (see the package documentation and
// MEASUREMENTS.md).
const DefaultThreshold = 0.5

// BucketCap is the most live entries an anchor table indexes under one
// anchor value. An anchor shared by more entries than that (a trigram of
// boilerplate or a stock phrase, most likely) stops indexing new entries:
// they stay findable through their other anchors, and a Lookup examines at
// most 4×BucketCap candidates however large the Index.
const BucketCap = 16

// ErrFull is returned, wrapped, by Put when the Index cannot hold more:
// 2²⁷−1 (134 million) entries, or 4 GiB of id and cluster strings.
var ErrFull = errors.New("dedup: index full")

// Index holds entries and finds, for a signature, the most similar one.
//
// Candidates come from four hash tables, one per anchor of the signature:
// an entry is a candidate when it shares at least one anchor with the
// query, which happens with probability 1−(1−J₃)⁴ for texts whose sets of
// word trigrams have Jaccard similarity J₃ (0.94 at J₃ = 0.5). Candidates
// are then ranked by Similarity. A Lookup therefore costs four hash
// probes and at most 4×BucketCap similarity computations: it does not grow
// with the Index.
//
// Memory: an entry costs a fixed 72-byte record, its id (and its cluster
// id when that differs from the id) stored in an arena with a one-byte
// length, 4 bytes in its origin's expiry heap and 4.7–6.6 bytes (the
// load of a table varies from 0.61 to 0.85) in each of five hash tables
// (id and anchors): 133–143 bytes with a 29-byte id.
// Slots, arena bytes and table space of deleted entries are reused, and
// the arena is compacted when its dead bytes outnumber the live ones, so
// memory stays proportional to the live entries under steady insertion
// and deletion.
//
// An Index is safe for concurrent use: Lookup, Get, Expired, Len and Bytes
// share a read lock, Put and Delete hold it exclusively. A Lookup followed
// by a Put is not atomic; a caller that needs it must serialise the two.
type Index struct {
	mu        sync.RWMutex
	threshold float64

	slots    [][]entry // chunks of slotChunk entries
	nslots   uint32    // slots handed out, live or free
	freeHead uint32    // first free slot, or noSlot
	n        int       // live entries

	ids     slotTable
	anchors [numAnchors]slotTable
	arena   arena
	heaps   map[int32]*originHeap

	idKeyOf  keyFunc
	ancKeyOf [numAnchors]keyFunc
}

// entry is the stored form of an Entry.
type entry struct {
	sig     Signature
	time    int64
	id      uint32 // arena address; freeSlot when the slot is free
	cluster uint32 // arena address, clusterSelf or clusterNone
	heap    uint32 // position in the origin heap; next free slot when free
	origin  int32
}

const (
	slotBits    = 10
	slotChunk   = 1 << slotBits
	noSlot      = ^uint32(0)
	maxEntries  = slotMask   // slot numbers 0…slotMask-1 fit a table word
	freeSlot    = ^uint32(0) // entry.id of a free slot: never an arena address
	clusterSelf = ^uint32(0) // entry.cluster when Cluster == ID
	clusterNone = clusterSelf - 1
)

// NewIndex returns an empty Index whose Lookup reports matches of
// similarity at least threshold, which must lie in (0, 1].
func NewIndex(threshold float64) (*Index, error) {
	if !(threshold > 0 && threshold <= 1) {
		return nil, fmt.Errorf("dedup: threshold %v: must be in (0, 1]", threshold)
	}
	ix := &Index{
		threshold: threshold,
		freeHead:  noSlot,
		arena:     newArena(),
		heaps:     make(map[int32]*originHeap),
	}
	ix.idKeyOf = func(v uint32) tkey { return idKey(ix.arena.bytes(ix.at(v).id)) }
	for a := range ix.ancKeyOf {
		ix.ancKeyOf[a] = func(v uint32) tkey { return anchorKey(ix.at(v).sig.anchors[a]) }
	}
	return ix, nil
}

// Threshold returns the similarity threshold of Lookup.
func (ix *Index) Threshold() float64 { return ix.threshold }

func (ix *Index) at(v uint32) *entry { return &ix.slots[v>>slotBits][v&(slotChunk-1)] }

// idKey hashes an id (FNV-1a, mixed).
func idKey[T string | []byte](id T) tkey {
	h := uint64(fnvOffset)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * fnvPrime
	}
	h = mix(h)
	return makeKey(uint32(h>>32), uint32(h))
}

// anchorKey places an anchor: anchors are uniform already; the home slot
// comes from the high bits, the tag from the low ones.
func anchorKey(x uint32) tkey { return makeKey(x, x&0xffff) }

// Put stores e, replacing the entry with the same ID. It fails, leaving
// the Index unchanged, when ID or Cluster is longer than MaxIDLen
// (ErrIDTooLong) or the Index is full (ErrFull).
func (ix *Index) Put(e Entry) error {
	if len(e.ID) > MaxIDLen || len(e.Cluster) > MaxIDLen {
		return fmt.Errorf("%w: id %d bytes, cluster %d bytes", ErrIDTooLong, len(e.ID), len(e.Cluster))
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	idk := idKey(e.ID)
	old, replace := ix.find(idk, e.ID)
	if !replace && (ix.freeHead == noSlot && ix.nslots >= maxEntries) {
		return fmt.Errorf("%w: %d entries", ErrFull, ix.n)
	}
	idOff, ok := ix.arena.add(e.ID)
	if !ok {
		return fmt.Errorf("%w: 4 GiB of ids", ErrFull)
	}
	cl := clusterSelf
	switch e.Cluster {
	case e.ID:
	case "":
		cl = clusterNone
	default:
		if cl, ok = ix.arena.add(e.Cluster); !ok {
			ix.arena.release(idOff)
			return fmt.Errorf("%w: 4 GiB of ids", ErrFull)
		}
	}
	if replace {
		ix.remove(old, idk)
	}
	v := ix.alloc()
	*ix.at(v) = entry{sig: e.Sig, time: e.EventTime, id: idOff, cluster: cl, origin: e.Origin}
	ix.ids.insert(idk, v, ix.idKeyOf)
	for a := range ix.anchors {
		ix.insertAnchor(a, v)
	}
	h := ix.heaps[e.Origin]
	if h == nil {
		h = &originHeap{}
		ix.heaps[e.Origin] = h
	}
	ix.heapPush(h, v)
	ix.n++
	ix.maybeCompact()
	return nil
}

// insertAnchor indexes slot v under its anchor a unless BucketCap live
// entries are indexed under that anchor value already.
func (ix *Index) insertAnchor(a int, v uint32) {
	x := ix.at(v).sig.anchors[a]
	k := anchorKey(x)
	count := 0
	ix.anchors[a].each(k, func(u uint32) bool {
		if ix.at(u).sig.anchors[a] == x {
			count++
		}
		return count < BucketCap
	})
	if count < BucketCap {
		ix.anchors[a].insert(k, v, ix.ancKeyOf[a])
	}
}

// alloc returns a free slot; the caller has checked that one is left.
func (ix *Index) alloc() uint32 {
	if v := ix.freeHead; v != noSlot {
		ix.freeHead = ix.at(v).heap
		return v
	}
	if ix.nslots%slotChunk == 0 {
		ix.slots = append(ix.slots, make([]entry, slotChunk))
	}
	v := ix.nslots
	ix.nslots++
	return v
}

// find returns the slot of the entry with the given id.
func (ix *Index) find(k tkey, id string) (uint32, bool) {
	found := noSlot
	ix.ids.each(k, func(v uint32) bool {
		if string(ix.arena.bytes(ix.at(v).id)) == id {
			found = v
			return false
		}
		return true
	})
	return found, found != noSlot
}

// remove deletes the live entry in slot v, whose id has key idk.
func (ix *Index) remove(v uint32, idk tkey) {
	en := ix.at(v)
	ix.ids.remove(idk, v, ix.idKeyOf)
	for a := range ix.anchors {
		ix.anchors[a].remove(anchorKey(en.sig.anchors[a]), v, ix.ancKeyOf[a])
	}
	h := ix.heaps[en.origin]
	ix.heapRemove(h, int(en.heap))
	if len(h.slots) == 0 {
		delete(ix.heaps, en.origin)
	}
	ix.arena.release(en.id)
	if en.cluster < clusterNone {
		ix.arena.release(en.cluster)
	}
	*en = entry{id: freeSlot, heap: ix.freeHead}
	ix.freeHead = v
	ix.n--
}

// Delete removes the entry with the given id and reports whether there
// was one.
func (ix *Index) Delete(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	k := idKey(id)
	v, ok := ix.find(k, id)
	if !ok {
		return false
	}
	ix.remove(v, k)
	ix.maybeCompact()
	return true
}

// Get returns the entry with the given id.
func (ix *Index) Get(id string) (Entry, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	v, ok := ix.find(idKey(id), id)
	if !ok {
		return Entry{}, false
	}
	return ix.entryAt(v), true
}

func (ix *Index) entryAt(v uint32) Entry {
	en := ix.at(v)
	e := Entry{ID: ix.arena.str(en.id), Sig: en.sig, EventTime: en.time, Origin: en.origin}
	switch en.cluster {
	case clusterSelf:
		e.Cluster = e.ID
	case clusterNone:
	default:
		e.Cluster = ix.arena.str(en.cluster)
	}
	return e
}

// Lookup returns the stored entry most similar to sig among those that
// share an anchor with it, with its similarity, if that similarity is at
// least the threshold. Among equally similar entries it picks the one
// with the earliest EventTime, then the smallest ID, so that the answer
// does not depend on the order of insertion. (Which entries are indexed
// under an anchor that more than BucketCap entries share does depend on
// it.)
//
// An article processed twice finds itself, with similarity 1: its stored
// Cluster is the cluster to report.
func (ix *Index) Lookup(sig Signature) (match Entry, similarity float64, ok bool) {
	return ix.LookupWith(sig, Query{Since: math.MinInt64})
}

// Query narrows a lookup (see LookupWith).
type Query struct {
	// Since: entries with an EventTime before it are passed over (a
	// horizon the caller has not evicted yet).
	Since int64
	// Exclude: the entry with this ID is passed over (the article itself,
	// processed again).
	Exclude string
	// Earliest picks, among the entries at or above the threshold, the
	// one with the earliest EventTime (then the smallest ID) rather than
	// the most similar one: "the earliest-seen article it near-duplicates".
	Earliest bool
}

// LookupWith is Lookup with the narrowing of q. Its cost is Lookup's.
func (ix *Index) LookupWith(sig Signature, q Query) (match Entry, similarity float64, ok bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	best, bestSim := noSlot, 0.0
	for a := range ix.anchors {
		x := sig.anchors[a]
		ix.anchors[a].each(anchorKey(x), func(u uint32) bool {
			en := ix.at(u)
			if en.sig.anchors[a] != x || u == best || en.time < q.Since {
				return true
			}
			s := Similarity(sig, en.sig)
			if s < ix.threshold {
				return true
			}
			if q.Exclude != "" && string(ix.arena.bytes(en.id)) == q.Exclude {
				return true
			}
			better := best == noSlot
			switch {
			case better:
			case q.Earliest:
				better = ix.before(u, best)
			default:
				better = s > bestSim || s == bestSim && ix.before(u, best)
			}
			if better {
				best, bestSim = u, s
			}
			return true
		})
	}
	if best == noSlot {
		return Entry{}, 0, false
	}
	return ix.entryAt(best), bestSim, true
}

// before reports whether the entry in slot u comes before the one in v:
// earlier EventTime, then smaller ID.
func (ix *Index) before(u, v uint32) bool {
	eu, ev := ix.at(u), ix.at(v)
	if eu.time != ev.time {
		return eu.time < ev.time
	}
	return string(ix.arena.bytes(eu.id)) < string(ix.arena.bytes(ev.id))
}

// Len returns the number of entries.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.n
}

// Bytes returns an estimate of the memory the Index holds, in bytes: the
// capacity of its slot chunks, arena, tables and heaps, and the bookkeeping
// of its origin map. It does not count Go's allocator overhead.
func (ix *Index) Bytes() int64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := int64(unsafe.Sizeof(*ix))
	n += int64(cap(ix.slots))*24 + int64(len(ix.slots))*slotChunk*int64(unsafe.Sizeof(entry{}))
	n += ix.arena.capBytes()
	n += ix.ids.capBytes()
	for a := range ix.anchors {
		n += ix.anchors[a].capBytes()
	}
	const perOrigin = 48 + 24 + 8 // map slot, heap header, pointer
	for _, h := range ix.heaps {
		n += perOrigin + 4*int64(cap(h.slots))
	}
	return n
}

// maybeCompact rewrites the arena without its dead records once they
// outnumber the live ones (and exceed 1 MiB): a pass over the entries
// that costs O(1) per freed byte, amortised.
func (ix *Index) maybeCompact() {
	old := &ix.arena
	if old.dead < 1<<20 || old.dead < old.live {
		return
	}
	if old.live/(chunkSize-MaxIDLen-2)+1 >= maxChunks {
		return // cannot happen: old holds twice the live bytes
	}
	fresh := newArena()
	for ci, chunk := range ix.slots {
		for i := range chunk {
			en := &chunk[i]
			if uint32(ci)<<slotBits|uint32(i) >= ix.nslots {
				break
			}
			if en.id == freeSlot {
				continue
			}
			// fresh has room for the live bytes (checked above): add
			// cannot fail.
			en.id, _ = fresh.copyRecord(old.record(en.id))
			if en.cluster < clusterNone {
				en.cluster, _ = fresh.copyRecord(old.record(en.cluster))
			}
		}
	}
	ix.arena = fresh
}
