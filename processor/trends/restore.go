package trends

import (
	"container/heap"
	"encoding/binary"
	"encoding/hex"
	"strings"

	json "github.com/goccy/go-json"
)

// Restoring rebuilds the windows of one mentions partition from its
// changelog while a restore reads it: Take indexes the memberships (w|
// records) as they come, so that the store never holds them and a restore
// needs about the memory of the index it builds, not that plus the
// store's entries; Done reads the rest (baselines, watermarks) from the
// restored store and hands the partition to the aggregator. Make one with
// Aggregator.Restoring for each restore. Its methods are called from the
// goroutine of that restore, one at a time.
type Restoring struct {
	g       *Aggregator
	p       int
	part    *partition
	dirty   map[*window]struct{} // windows that lost memberships to tombstones
	invalid int
}

// Restoring begins the rebuild of partition p's windows (see Restoring).
// Pass its Take to the store's restore, then call Done with the store.
func (g *Aggregator) Restoring(p int) *Restoring {
	return &Restoring{g: g, p: p, part: newPartition(nil, g.opt.Now()), dirty: map[*window]struct{}{}}
}

// Take is given a changelog record of the partition, in log order (value
// nil for a tombstone). It indexes memberships and returns true for them:
// the store need not keep them. Other keys it leaves to the store (false).
func (r *Restoring) Take(key string, value []byte) bool {
	if !strings.HasPrefix(key, prefixMember) {
		return false
	}
	if value == nil {
		r.remove(key)
	} else {
		r.add(key, value)
	}
	return true
}

// add indexes the membership entry k → v.
func (r *Restoring) add(k string, v []byte) {
	g, part := r.g, r.part
	wid, h, m, legacy, ok := parseMember(k, v)
	if !ok || floorDiv(wid.start, g.hop)*g.hop != wid.start {
		r.invalid++
		return
	}
	if _, dup := part.members[h]; dup {
		// The key written again (or a hash collision): counted once, as
		// Process would.
		return
	}
	w := part.windows[wid]
	if w == nil {
		wid.entity = strings.Clone(wid.entity) // not k's memory
		w, _ = part.openWindow(wid, g.size)
	}
	if legacy {
		m.h = h
		w.legacy = append(w.legacy, k)
		w.addTop(m, g.opt.MaxArticles)
	} else {
		w.add(h, m, g.opt.MaxArticles)
	}
	part.members[h] = struct{}{}
}

// remove applies the tombstone of membership key k: the membership leaves
// the partition's set now, and its window's lists in Done.
func (r *Restoring) remove(k string) {
	entity, start, last, ok := parseMemberKey(k)
	if !ok {
		return
	}
	w := r.part.windows[windowID{entity: entity, start: start}]
	if w == nil {
		return
	}
	// The key's last part is the hash (memberKey) or, in the layout before
	// it, the article id: the one whose membership is indexed.
	h, isHash := uint64(0), false
	if b, err := hex.DecodeString(last); err == nil && len(b) == 8 {
		h = binary.BigEndian.Uint64(b)
		_, isHash = r.part.members[h]
	}
	if !isHash {
		h = memberHash(entity, start, last)
	}
	if _, ok := r.part.members[h]; ok {
		delete(r.part.members, h)
		r.dirty[w] = struct{}{}
	}
}

// Done reads the other entries of s, the partition's store as restored
// (and any membership left in it, which it moves into the index: s.Forget),
// drops what tombstones removed, and makes the partition the aggregator's,
// with s the store Process uses for it; any previous state of p is
// replaced. Entries it cannot read (written by another version, or
// corrupt) are counted (newsflow_trends_state_invalid_total), passed over
// and left in the changelog. It blocks while it reads s; Process calls
// for other partitions wait only for the swap.
func (r *Restoring) Done(s Store) {
	g, part := r.g, r.part
	part.store = s
	inStore := false
	s.Range(func(k string, v []byte) bool {
		switch {
		case strings.HasPrefix(k, prefixMember):
			inStore = true
			r.add(k, v)
		case strings.HasPrefix(k, prefixBaseline):
			b, err := parseBaseline(v)
			if err != nil {
				r.invalid++
				return true
			}
			part.setBaseline(k[len(prefixBaseline):], newEntityBaseline(b, &g.opt))
		case k == keyMeta:
			var m meta
			if err := json.Unmarshal(v, &m); err != nil {
				r.invalid++
				return true
			}
			if m.Max != nil {
				part.max = *m.Max
			}
			if m.Closed != nil {
				part.closed = *m.Closed
			}
		default:
			r.invalid++
		}
		return true
	})
	if inStore {
		s.Forget(prefixMember) // they live in part's indexes now
	}
	for w := range r.dirty {
		part.prune(w)
	}
	for _, w := range part.windows {
		w.orphan = w.end <= part.closed
	}
	part.lastSeen = g.opt.Now()
	g.m.InvalidState.Add(float64(r.invalid))
	g.mu.Lock()
	defer g.mu.Unlock()
	if old := g.partitions[r.p]; old != nil {
		g.open -= len(old.windows)
		g.members -= len(old.members)
	}
	g.partitions[r.p] = part
	g.open += len(part.windows)
	g.members += len(part.members)
	g.m.OpenWindows.Set(float64(g.open))
	g.m.Memberships.Set(float64(g.members))
}

// Restored rebuilds the in-memory indexes of partition p from s, its
// store as restored from the changelog with every entry in it, and makes
// s the store Process uses for p's records: Restoring(p).Done(s). The
// memberships move from s's memory into the indexes (s.Forget). The claim
// hook indexes them during the restore instead (Restoring.Take).
func (g *Aggregator) Restored(p int, s Store) { g.Restoring(p).Done(s) }

// prune drops from w the memberships no longer in the partition's set
// (tombstoned during a restore) and the second listing of one written
// again after its tombstone, and w itself when none is left. A window
// that keeps some is one whose close a crash interrupted (an orphan, see
// Aggregator.close): its latest articles may then list fewer than there
// are, which no record shows, since an orphan is deleted without a final.
func (p *partition) prune(w *window) {
	listed := make(map[uint64]bool, len(w.hashes))
	keep := w.hashes[:0]
	for _, h := range w.hashes {
		if _, ok := p.members[h]; ok && !listed[h] {
			listed[h] = true
			keep = append(keep, h)
		}
	}
	w.hashes = keep
	legacy := w.legacy[:0]
	for _, k := range w.legacy {
		if entity, start, id, ok := parseMemberKey(k); ok {
			h := memberHash(entity, start, id)
			if _, in := p.members[h]; in && !listed[h] {
				listed[h] = true
				legacy = append(legacy, k)
			}
		}
	}
	w.legacy = legacy
	top := w.top[:0]
	for _, m := range w.top {
		if listed[m.h] {
			delete(listed, m.h) // once
			top = append(top, m)
		}
	}
	w.top = top
	if w.count() == 0 {
		heap.Remove(&p.byEnd, w.pos)
		p.unindex(w)
	}
}
