package dedup

// originHeap orders the slots of the entries of one origin by EventTime
// (then slot number), a binary min-heap; entry.heap is each one's position.
// It makes Expired exact even when event times arrive out of order, and
// an entry with a bogus future time cannot hold back the expiry of the
// others.
type originHeap struct {
	slots []uint32
}

// less orders slots u and v by (time, slot).
func (ix *Index) less(u, v uint32) bool {
	tu, tv := ix.at(u).time, ix.at(v).time
	return tu < tv || tu == tv && u < v
}

func (ix *Index) heapSet(h *originHeap, i int, v uint32) {
	h.slots[i] = v
	ix.at(v).heap = uint32(i)
}

func (ix *Index) heapPush(h *originHeap, v uint32) {
	h.slots = append(h.slots, v)
	ix.heapUp(h, len(h.slots)-1, v)
}

// heapRemove removes the element at position i.
func (ix *Index) heapRemove(h *originHeap, i int) {
	last := len(h.slots) - 1
	moved := h.slots[last]
	h.slots = h.slots[:last]
	if i < last {
		ix.heapSet(h, i, moved)
		if i > 0 && ix.less(moved, h.slots[(i-1)/2]) {
			ix.heapUp(h, i, moved)
		} else {
			ix.heapDown(h, i, moved)
		}
	}
	// Give back memory after a mass expiry.
	if c := cap(h.slots); c > 256 && len(h.slots) < c/4 {
		h.slots = append(make([]uint32, 0, 2*len(h.slots)), h.slots...)
	}
}

func (ix *Index) heapUp(h *originHeap, i int, v uint32) {
	for i > 0 {
		p := (i - 1) / 2
		if !ix.less(v, h.slots[p]) {
			break
		}
		ix.heapSet(h, i, h.slots[p])
		i = p
	}
	ix.heapSet(h, i, v)
}

func (ix *Index) heapDown(h *originHeap, i int, v uint32) {
	n := len(h.slots)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && ix.less(h.slots[c+1], h.slots[c]) {
			c++
		}
		if !ix.less(h.slots[c], v) {
			break
		}
		ix.heapSet(h, i, h.slots[c])
		i = c
	}
	ix.heapSet(h, i, v)
}

// Expired returns the ids of up to limit entries of the given origin whose
// EventTime is before the given time (Unix milliseconds), oldest first
// (the order among equal times is unspecified). It does not remove them:
// the caller deletes them, typically after writing their tombstones. It
// costs O(k log k) for k returned ids, whatever the size of the Index.
func (ix *Index) Expired(origin int32, before int64, limit int) []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	h := ix.heaps[origin]
	if h == nil || limit <= 0 {
		return nil
	}
	// Walk the heap from the root in order, keeping the frontier (the
	// children of the nodes taken) in a small heap of positions.
	var out []string
	frontier := []int{0}
	for len(out) < limit && len(frontier) > 0 {
		p := frontier[0]
		last := len(frontier) - 1
		frontier[0] = frontier[last]
		frontier = frontier[:last]
		ix.siftFrontier(h, frontier)
		en := ix.at(h.slots[p])
		if en.time >= before {
			break
		}
		out = append(out, ix.arena.str(en.id))
		for _, c := range [2]int{2*p + 1, 2*p + 2} {
			if c < len(h.slots) {
				frontier = append(frontier, c)
				ix.frontierUp(h, frontier)
			}
		}
	}
	return out
}

// siftFrontier restores the heap order of frontier (positions in h,
// ordered like their slots) after its root was replaced.
func (ix *Index) siftFrontier(h *originHeap, f []int) {
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(f) {
			return
		}
		if c+1 < len(f) && ix.less(h.slots[f[c+1]], h.slots[f[c]]) {
			c++
		}
		if !ix.less(h.slots[f[c]], h.slots[f[i]]) {
			return
		}
		f[i], f[c] = f[c], f[i]
		i = c
	}
}

// frontierUp restores the heap order of frontier after an append.
func (ix *Index) frontierUp(h *originHeap, f []int) {
	for i := len(f) - 1; i > 0; {
		p := (i - 1) / 2
		if !ix.less(h.slots[f[i]], h.slots[f[p]]) {
			return
		}
		f[i], f[p] = f[p], f[i]
		i = p
	}
}
