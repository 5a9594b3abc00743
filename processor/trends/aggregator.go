package trends

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// Store is the key→value state of one mentions partition as the
// aggregator uses it; *state.Store is one. Put and Delete change the
// store in memory and return the changelog record that makes the change
// durable, which the aggregator emits as a side output; Log returns the
// record of an entry the store does not keep in memory (the aggregator
// indexes its memberships itself, in less memory), and Forget drops such
// entries from memory after a restore has loaded them. Range calls fn
// with every entry, in no order, until fn returns false; fn does not call
// the store.
type Store interface {
	Get(key string) ([]byte, bool)
	Put(key string, value []byte) record.Record
	Log(key string, value []byte) record.Record
	Delete(key string) record.Record
	Forget(prefix string)
	Range(fn func(key string, value []byte) bool)
}

// Aggregator is the stage of the aggregation pipeline: its input records
// are mention records (Article.Raw the value, Article.Key the key,
// Article.SourcePos.Partition the mentions partition). It counts distinct
// articles per entity and window in the partition's store and returns no
// article: everything it produces is side outputs, trend records to
// Options.TrendsTopic and the store's changelog records. See the package
// doc for windows, watermarks, finals and the burst score.
//
// Contract:
//   - Restored must be called for a partition (with its restored store)
//     before Process is given any of its records, and Dropped when the
//     partition is given up; ClaimHook does both.
//   - Process must be called one record at a time, in input order per
//     partition (an engine with Workers = 1): the watermark, lateness and
//     the order of the trend records of a key follow the call order. The
//     methods are nonetheless safe for concurrent use (one mutex guards
//     the state), and Restored and Dropped may be called from the claim
//     goroutines while Process runs.
//   - Process never blocks on I/O and ignores ctx. It fails before it
//     changes anything, or not at all: a malformed mention is a
//     *processor.InputError (the engine dead-letters it); a record of a
//     partition that was not Restored is a plain error (a wiring bug;
//     dead-lettered as processor_error).
type Aggregator struct {
	opt        Options
	m          *Metrics
	size, hop  int64 // Unix ms
	late       int64 // allowed lateness, ms
	mu         sync.Mutex
	partitions map[int]*partition
	open       int // open windows over all partitions
	members    int // memberships of the open windows, over all partitions
}

// NewAggregator creates the stage; see Options for the defaults.
func NewAggregator(opt Options) (*Aggregator, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	return &Aggregator{
		opt: opt, m: opt.Metrics,
		size: opt.Window.Milliseconds(), hop: opt.Hop.Milliseconds(), late: opt.AllowedLateness.Milliseconds(),
		partitions: map[int]*partition{},
	}, nil
}

// Name implements processor.Processor.
func (*Aggregator) Name() string { return "trends" }

// Close implements processor.Processor. The state lives in the stores.
func (*Aggregator) Close(context.Context) error { return nil }

// Process implements processor.Processor: it applies one mention and
// returns (nil, nil), its outputs emitted on a, in order: the mention's
// state updates and trend records; the finals of the windows of its
// partition that the watermark has passed, with their baseline updates;
// the partition's m| entry; the closed windows' tombstones; the tombstones
// of forgotten baselines.
func (g *Aggregator) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	mn, ev, err := decodeMention(a.Key, a.Raw)
	if err != nil {
		return nil, err
	}
	now := g.opt.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.partitions[a.SourcePos.Partition]
	if p == nil {
		return nil, fmt.Errorf("trends: mentions partition %d is not restored (Restored must be called when it is claimed)", a.SourcePos.Partition)
	}
	p.lastSeen = now
	closeAt := max(p.closed, g.watermark(now, p))
	entity := EntityKey(mn.Entity.Type, mn.Entity.Name)
	applied := false
	for s := floorDiv(ev-g.size, g.hop)*g.hop + g.hop; s <= ev; s += g.hop {
		if s+g.size <= closeAt {
			continue // closed
		}
		applied = true
		g.apply(a, p, entity, s, mn.Article, ev)
	}
	if !applied {
		g.m.Late.Inc()
	}
	oldMax, oldClosed := p.max, p.closed
	p.max = max(p.max, ev)
	if wm := g.watermark(now, p); wm != noTime {
		p.closed = max(p.closed, wm)
		g.m.Watermark.Set(float64(wm) / 1e3)
	}
	closed := g.close(a, p)
	// The m| entry goes before the tombstones: see close.
	if p.max != oldMax || p.closed != oldClosed {
		a.Emit(p.store.Put(keyMeta, encodeMeta(p.max, p.closed)))
	}
	for _, w := range closed {
		for _, h := range w.hashes {
			a.Emit(p.store.Delete(memberKey(w.entity, w.start, h)))
			delete(p.members, h)
		}
		for _, k := range w.legacy {
			a.Emit(p.store.Delete(k))
			if entity, start, id, ok := parseMemberKey(k); ok {
				delete(p.members, memberHash(entity, start, id))
			}
		}
		g.members -= w.count()
	}
	g.expire(a, p)
	g.m.OpenWindows.Set(float64(g.open))
	g.m.Memberships.Set(float64(g.members))
	return nil, nil
}

// watermark is the stage watermark: the smallest watermark of the owned
// partitions that are cur or not idle; noTime while one of them has seen
// no event.
func (g *Aggregator) watermark(now time.Time, cur *partition) int64 {
	wm := int64(math.MaxInt64)
	for _, q := range g.partitions {
		if q != cur && now.Sub(q.lastSeen) >= g.opt.IdleTimeout {
			continue
		}
		if q.max == noTime {
			return noTime
		}
		wm = min(wm, q.max-g.late)
	}
	return wm
}

// apply counts article id in the window of entity starting at start.
func (g *Aggregator) apply(a *processor.Article, p *partition, entity string, start int64, id string, ev int64) {
	h := memberHash(entity, start, id)
	wid := windowID{entity: entity, start: start}
	if _, ok := p.members[h]; ok {
		if w := p.windows[wid]; w != nil {
			g.m.Replays.Inc()
			g.emit(a, p, w, false)
			return
		}
	}
	a.Emit(p.store.Log(memberKey(entity, start, h), appendMember(make([]byte, 0, 20+len(id)), ev, id)))
	w, created := p.openWindow(wid, g.size)
	if created {
		g.open++
	}
	p.members[h] = struct{}{}
	g.members++
	w.add(h, member{id: id, at: ev}, g.opt.MaxArticles)
	g.emit(a, p, w, false)
}

// emit emits the window's trend record.
func (g *Aggregator) emit(a *processor.Article, p *partition, w *window, final bool) {
	t := w.trend(p.baselines[w.entity].at(w.start, &g.opt), final, &g.opt)
	key := append(append(make([]byte, 0, len(w.entity)+32), w.entity...), '@')
	key = t.Window.Start.AppendFormat(key, time.RFC3339Nano)
	a.Emit(record.Record{Topic: g.opt.TrendsTopic, Key: key, Value: appendTrend(make([]byte, 0, 256), &t)})
	if final {
		g.m.Finals.Inc()
	} else {
		g.m.Updates.Inc()
	}
}

// close closes the windows of p that end at or before p.closed, in order
// of end: it emits their finals and folds the baseline windows into their
// entity's baseline (emitting the entity's other open windows, rescored).
// It returns the closed windows, whose members the caller deletes after
// writing the m| entry.
//
// That order (finals and baselines, m|, tombstones) matters when a crash
// interrupts the write of a batch under at-least-once and leaves a prefix
// of its changelog records in the changelog partition: if any tombstone
// of a window is there, so are its m| entry and its baseline. A restore
// then finds the window's end at or before the m| watermark — an orphan,
// closed but with members possibly partly deleted — and close deletes the
// rest without emitting a final or folding it again, instead of closing
// it with a wrong count.
func (g *Aggregator) close(a *processor.Article, p *partition) []*window {
	var closed []*window
	for len(p.byEnd) > 0 && p.byEnd[0].end <= p.closed {
		w := p.closeWindow()
		g.open--
		closed = append(closed, w)
		if w.orphan {
			continue
		}
		g.emit(a, p, w, true)
		if w.start%g.size != 0 {
			continue
		}
		eb := p.baselines[w.entity]
		if eb != nil && eb.Last >= w.start {
			continue // folded already, before a restart
		}
		b := eb.at(w.start, &g.opt)
		b.fold(float64(w.count()), g.opt.Alpha)
		b.Last = w.start
		p.setBaseline(w.entity, newEntityBaseline(b, &g.opt))
		a.Emit(p.store.Put(prefixBaseline+w.entity, appendBaseline(make([]byte, 0, 96), &b)))
		// The entity's open windows are scored against the new baseline:
		// their current values change.
		for _, o := range p.ofEntity[w.entity] {
			if o.end > p.closed {
				g.emit(a, p, o, false)
			}
		}
	}
	return closed
}

// expire deletes the baselines of p forgotten by p.closed.
func (g *Aggregator) expire(a *processor.Article, p *partition) {
	for len(p.expiries) > 0 && p.expiries[0].at <= p.closed {
		e := heap.Pop(&p.expiries).(expiry)
		if eb := p.baselines[e.entity]; eb != nil && eb.expiry == e.at {
			delete(p.baselines, e.entity)
			a.Emit(p.store.Delete(prefixBaseline + e.entity))
		}
	}
}

// meta is the value of the m| key.
type meta struct {
	Max    *int64 `json:"max,omitempty"`
	Closed *int64 `json:"closed,omitempty"`
}

func encodeMeta(maxT, closed int64) []byte {
	b := []byte(`{`)
	if maxT != noTime {
		b = append(b, `"max":`...)
		b = strconv.AppendInt(b, maxT, 10)
	}
	if closed != noTime {
		if maxT != noTime {
			b = append(b, ',')
		}
		b = append(b, `"closed":`...)
		b = strconv.AppendInt(b, closed, 10)
	}
	return append(b, '}')
}

// Dropped forgets partition p (its claim ended). Records of p are refused
// until it is Restored again.
func (g *Aggregator) Dropped(p int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old := g.partitions[p]; old != nil {
		g.open -= len(old.windows)
		g.members -= len(old.members)
		delete(g.partitions, p)
	}
	g.m.OpenWindows.Set(float64(g.open))
	g.m.Memberships.Set(float64(g.members))
}

// Top returns the current values of at most n open windows of the
// partitions this instance owns: trending ones first, then by score,
// count and key. It is for status pages; the trend records are the
// output.
func (g *Aggregator) Top(n int) []Trend {
	g.mu.Lock()
	var all []Trend
	for _, p := range g.partitions {
		for _, w := range p.windows {
			if w.orphan {
				continue
			}
			all = append(all, w.trend(p.baselines[w.entity].at(w.start, &g.opt), false, &g.opt))
		}
	}
	g.mu.Unlock()
	sortTrends(all)
	if len(all) > n {
		all = all[:max(n, 0)]
	}
	return all
}

// sortTrends orders trends for Top.
func sortTrends(ts []Trend) {
	slices.SortFunc(ts, func(a, b Trend) int {
		switch {
		case a.Trending != b.Trending:
			if a.Trending {
				return -1
			}
			return 1
		case a.Score != b.Score:
			return cmp.Compare(b.Score, a.Score)
		case a.Count != b.Count:
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Or(
			strings.Compare(EntityKey(a.Entity.Type, a.Entity.Name), EntityKey(b.Entity.Type, b.Entity.Name)),
			a.Window.Start.Compare(b.Window.Start))
	})
}
