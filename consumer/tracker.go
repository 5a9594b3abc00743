package consumer

import (
	"sort"
	"sync"
)

// Tracker tracks the records of one partition between fetch and finish and
// says which offset may be committed: the highest N such that every record
// fetched below N is finished. Records may finish in any order; offsets may
// have gaps (compaction, transaction markers), which are never waited for.
//
// A Tracker is safe for concurrent use.
type Tracker struct {
	mu        sync.Mutex
	pending   []entry // fetched, in offset order, from the first unfinished one
	next      int64   // the offset to commit: all fetched records below it are done
	committed int64   // last offset reported as committed
}

type entry struct {
	off  int64
	done bool
}

// NewTracker returns a tracker for a partition whose next record to consume
// is at offset start (the committed offset). A negative start means "not
// known yet": the first Begin sets it.
func NewTracker(start int64) *Tracker {
	return &Tracker{next: start, committed: start}
}

// Begin registers a fetched record. Offsets must be given in increasing
// order; a repeated or lower offset is ignored.
func (t *Tracker) Begin(off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.pending); n > 0 && off <= t.pending[n-1].off {
		return
	}
	if t.next < 0 {
		t.next = off
	}
	if len(t.pending) == 0 && off < t.next {
		return
	}
	t.pending = append(t.pending, entry{off: off})
}

// Done marks a record finished (all its outputs acknowledged). Unknown
// offsets are ignored.
func (t *Tracker) Done(off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := sort.Search(len(t.pending), func(i int) bool { return t.pending[i].off >= off })
	if i == len(t.pending) || t.pending[i].off != off {
		return
	}
	t.pending[i].done = true
	if i != 0 {
		return
	}
	// Advance past the finished prefix.
	k := 0
	for k < len(t.pending) && t.pending[k].done {
		t.next = t.pending[k].off + 1
		k++
	}
	t.pending = t.pending[k:]
	if len(t.pending) == 0 {
		t.pending = t.pending[:0:0] // let the backing array go
	}
}

// Committable returns the offset that may be committed (the next offset to
// consume) and whether it moved since the last MarkCommitted.
func (t *Tracker) Committable() (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.next, t.next >= 0 && t.next != t.committed
}

// MarkCommitted records that off was committed.
func (t *Tracker) MarkCommitted(off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if off > t.committed {
		t.committed = off
	}
}

// Committed returns the last committed offset.
func (t *Tracker) Committed() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.committed
}

// InFlight returns the number of fetched, unfinished records.
func (t *Tracker) InFlight() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, e := range t.pending {
		if !e.done {
			n++
		}
	}
	return n
}

// Skip registers offsets up to and including off that were read but need no
// processing (transaction markers, aborted records, records lost to
// retention): they count as finished, so commits move past them.
func (t *Tracker) Skip(off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.pending); n > 0 {
		if off > t.pending[n-1].off {
			t.pending = append(t.pending, entry{off: off, done: true})
		}
		return
	}
	if off >= t.next {
		t.next = off + 1
	}
}
