package status

import (
	"cmp"
	"slices"
	"time"
)

// EntityCount is one row of the top-entity ranking: in how many articles
// observed within the window the entity appeared.
type EntityCount struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Articles int    `json:"articles"`
}

type entityKey struct{ name, typ string }

const (
	// windowBuckets is how many buckets a window is cut into.
	windowBuckets = 30
	// maxKeysPerBucket caps the distinct entities one bucket counts, so a
	// flood of unique names cannot grow memory without bound. Names beyond
	// the cap are not counted (they could not rank anyway unless repeated,
	// and repeated names are usually already in the bucket).
	maxKeysPerBucket = 4096
)

// entityWindow counts entities over a sliding window made of fixed-width
// time buckets (a ring), and keeps the running total of the live buckets so
// that ranking needs no merge. It is not safe for concurrent use; Page
// guards it.
type entityWindow struct {
	width   time.Duration
	buckets []entityBucket
	total   map[entityKey]int // sum of the live buckets
	latest  int64             // the newest bucket seen
}

type entityBucket struct {
	seq    int64 // which bucket of time this is: t / width; -1 when unused
	counts map[entityKey]int
}

func newEntityWindow(window time.Duration) *entityWindow {
	width := max(window/windowBuckets, time.Millisecond)
	w := &entityWindow{width: width, buckets: make([]entityBucket, windowBuckets+1), total: map[entityKey]int{}, latest: -1 << 62}
	for i := range w.buckets {
		w.buckets[i] = entityBucket{seq: -1, counts: map[entityKey]int{}}
	}
	return w
}

// seq returns the bucket of time t. Times read a little out of order (two
// goroutines reading the clock before taking the lock) count in the newest
// bucket instead of expiring it; a clock that went back by more than a
// window starts the window afresh.
func (w *entityWindow) seq(t time.Time) int64 {
	s := t.UnixNano() / int64(w.width)
	switch {
	case s >= w.latest:
		w.latest = s
	case s >= w.latest-windowBuckets:
		s = w.latest
	default:
		w.latest = s // the wall clock went back: expire drops the "future"
	}
	return s
}

func (w *entityWindow) slot(seq int64) int {
	n := int64(len(w.buckets))
	return int(((seq % n) + n) % n)
}

// expire drops the buckets outside the window that ends in bucket cur:
// older than windowBuckets+1 buckets (at least a full window is kept), or
// in the future (the wall clock went back).
func (w *entityWindow) expire(cur int64) {
	oldest := cur - windowBuckets
	for i := range w.buckets {
		b := &w.buckets[i]
		if b.seq < 0 || (b.seq >= oldest && b.seq <= cur) {
			continue
		}
		for k, c := range b.counts {
			if w.total[k] -= c; w.total[k] <= 0 {
				delete(w.total, k)
			}
		}
		clear(b.counts)
		b.seq = -1
	}
}

// add counts each key once at time t.
func (w *entityWindow) add(t time.Time, keys []entityKey) {
	if len(keys) == 0 {
		return
	}
	seq := w.seq(t)
	w.expire(seq)
	b := &w.buckets[w.slot(seq)]
	b.seq = seq // the slot is unused or already holds seq: expire cleared others
	for _, k := range keys {
		if _, ok := b.counts[k]; !ok && len(b.counts) >= maxKeysPerBucket {
			continue
		}
		b.counts[k]++
		w.total[k]++
	}
}

// top returns the n entities seen in most articles within the window ending
// at now, most frequent first (ties by name, then type).
func (w *entityWindow) top(now time.Time, n int) []EntityCount {
	w.expire(w.seq(now))
	less := func(a, b EntityCount) int {
		if c := cmp.Compare(b.Articles, a.Articles); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.Type, b.Type)
	}
	// Keep the best n in a sorted slice: one comparison for most entries,
	// instead of sorting every distinct name.
	out := make([]EntityCount, 0, min(n, len(w.total))+1)
	for k, c := range w.total {
		e := EntityCount{Name: k.name, Type: k.typ, Articles: c}
		if len(out) == n && (n == 0 || less(e, out[n-1]) >= 0) {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, e, less)
		out = slices.Insert(out, i, e)
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
}
