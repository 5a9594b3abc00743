package trends

import (
	"container/heap"
	"math"
	"slices"
	"strings"
	"time"
)

// noTime is the event time of a partition that has seen none.
const noTime = math.MinInt64

// floorDiv is a/b rounded towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// windowID names a window of an entity.
type windowID struct {
	entity string
	start  int64
}

// member is an article counted in a window.
type member struct {
	id string
	at int64  // event time, Unix ms
	h  uint64 // membership hash (memberHash)
}

// newer orders members latest first, ties by id.
func (m member) newer(o member) bool {
	if m.at != o.at {
		return m.at > o.at
	}
	return m.id < o.id
}

// window is an open window of an entity, in memory. Its count is the
// number of its memberships, which it lists by hash (the changelog holds
// one entry per membership; see memberKey).
type window struct {
	entity     string // "TYPE:name"
	start, end int64  // Unix ms
	// hashes are the window's membership hashes (memberHash).
	hashes []uint64
	// legacy are the store keys of memberships restored from entries
	// written before memberHash (keyed by article id), which close
	// deletes as they are.
	legacy []string
	// top are the latest members, latest first, at most MaxArticles.
	top []member
	// pos is the window's index in its partition's heap.
	pos int
	// orphan: found by a restore with its end at or before the
	// partition's m| watermark, it was closed before (see
	// Aggregator.close); it is deleted without a final.
	orphan bool
}

// count is the number of articles counted in the window.
func (w *window) count() int { return len(w.hashes) + len(w.legacy) }

// add counts member m, whose membership hash is h. Only the latest
// MaxArticles members keep their id (a copy of it).
func (w *window) add(h uint64, m member, maxTop int) {
	w.hashes = append(w.hashes, h)
	m.h = h
	w.addTop(m, maxTop)
}

// addTop puts m among the latest members if it is one of them.
func (w *window) addTop(m member, maxTop int) {
	if len(w.top) == maxTop && !m.newer(w.top[maxTop-1]) {
		return
	}
	m.id = strings.Clone(m.id)
	i := len(w.top)
	for i > 0 && m.newer(w.top[i-1]) {
		i--
	}
	if len(w.top) < maxTop {
		w.top = append(w.top, member{})
	}
	copy(w.top[i+1:], w.top[i:])
	w.top[i] = m
}

// trend returns the window's value, scored against b.
func (w *window) trend(b baseline, final bool, o *Options) Trend {
	typ, name, _ := strings.Cut(w.entity, ":")
	ids := make([]string, len(w.top))
	for i, m := range w.top {
		ids[i] = m.id
	}
	expected, z, trending := o.score(w.count(), b)
	return Trend{
		Schema:   TrendSchemaVersion,
		Entity:   Entity{Name: name, Type: typ},
		Window:   Window{Start: time.UnixMilli(w.start).UTC(), End: time.UnixMilli(w.end).UTC()},
		Count:    w.count(),
		Final:    final,
		Articles: ids,
		Baseline: round(expected, 1e4),
		Score:    round(z, 1e3),
		Trending: trending,
	}
}

func round(x, scale float64) float64 { return math.Round(x*scale) / scale }

// windowHeap orders a partition's open windows by end, then entity.
type windowHeap []*window

func (h windowHeap) Len() int { return len(h) }
func (h windowHeap) Less(i, j int) bool {
	if h[i].end != h[j].end {
		return h[i].end < h[j].end
	}
	return h[i].entity < h[j].entity
}
func (h windowHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *windowHeap) Push(x any) {
	w := x.(*window)
	w.pos = len(*h)
	*h = append(*h, w)
}
func (h *windowHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return w
}

// expiry is when an entity's baseline is forgotten.
type expiry struct {
	at     int64
	entity string
}

// expiryHeap orders expiries by time. Entries are not removed when a
// baseline is updated: a popped entry that no longer matches its
// baseline's expiry is passed over.
type expiryHeap []expiry

func (h expiryHeap) Len() int { return len(h) }
func (h expiryHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].entity < h[j].entity
}
func (h expiryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)   { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// partition is the state of one mentions partition: its store and the
// in-memory indexes over it.
type partition struct {
	store   Store
	windows map[windowID]*window
	// members holds the membership hashes of the open windows.
	members map[uint64]struct{}
	byEnd   windowHeap
	// ofEntity lists each entity's open windows by start.
	ofEntity  map[string][]*window
	baselines map[string]*entityBaseline
	expiries  expiryHeap
	// max is the largest event time seen (Unix ms), closed the watermark
	// the partition's windows were closed at; noTime when none.
	max, closed int64
	// lastSeen is the wall time of the partition's last record (or of its
	// restore).
	lastSeen time.Time
}

func newPartition(s Store, now time.Time) *partition {
	return &partition{
		store: s, windows: map[windowID]*window{}, members: map[uint64]struct{}{}, ofEntity: map[string][]*window{}, baselines: map[string]*entityBaseline{},
		max: noTime, closed: noTime, lastSeen: now,
	}
}

// openWindow returns the window of id, creating it.
func (p *partition) openWindow(id windowID, size int64) (w *window, created bool) {
	if w = p.windows[id]; w != nil {
		return w, false
	}
	w = &window{entity: id.entity, start: id.start, end: id.start + size}
	p.windows[id] = w
	heap.Push(&p.byEnd, w)
	ws := p.ofEntity[id.entity]
	i := len(ws)
	for i > 0 && ws[i-1].start > w.start {
		i--
	}
	p.ofEntity[id.entity] = slices.Insert(ws, i, w)
	return w, true
}

// closeWindow removes the window at the top of the heap from the indexes
// and returns it.
func (p *partition) closeWindow() *window {
	w := heap.Pop(&p.byEnd).(*window)
	p.unindex(w)
	return w
}

// unindex removes w from the partition's map and entity lists (not from
// the heap).
func (p *partition) unindex(w *window) {
	delete(p.windows, windowID{entity: w.entity, start: w.start})
	ws := p.ofEntity[w.entity]
	if i := slices.Index(ws, w); i >= 0 {
		ws = slices.Delete(ws, i, i+1)
	}
	if len(ws) == 0 {
		delete(p.ofEntity, w.entity)
	} else {
		p.ofEntity[w.entity] = ws
	}
}

// setBaseline replaces an entity's baseline and schedules its expiry.
func (p *partition) setBaseline(entity string, eb *entityBaseline) {
	p.baselines[entity] = eb
	heap.Push(&p.expiries, expiry{at: eb.expiry, entity: entity})
}
