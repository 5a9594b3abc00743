package status

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/newsflow/newsflow/processor"
)

// Stories is the "Stories" panel: the largest near-duplicate clusters among
// the articles this page observed (processor.Article.Dedup). With several
// instances each page sees only its own share of a cluster; the output
// records carry dedup.cluster for a global count.
type Stories struct {
	// Top are the clusters with at least two observed articles, largest
	// first, ties broken by the most recently updated; at most 10.
	Top []StoryView `json:"top"`
	// Tracked is how many clusters the page holds now, single-article ones
	// included; never more than Capacity.
	Tracked int `json:"tracked"`
	// Capacity is Options.MaxStories.
	Capacity int `json:"capacity"`
	// Observed is how many observed articles carried a dedup result.
	Observed uint64 `json:"observed"`
	// Evicted is how many clusters were dropped to stay within Capacity. A
	// copy observed after its cluster was evicted starts the cluster anew.
	Evicted uint64 `json:"evicted"`
}

// StoryView is one near-duplicate cluster.
type StoryView struct {
	// Cluster is the cluster id: the id of the story's first-seen article.
	Cluster string `json:"cluster"`
	// Title is the title of the article whose id is Cluster or, until that
	// one is observed, of the first article of the cluster observed.
	Title string `json:"title"`
	// Articles is how many articles of the cluster the page observed.
	Articles int `json:"articles"`
	// MeanSimilarity is the mean Dedup.Similarity of the observed
	// duplicates (articles with a duplicate_of), 0..1; null when none was
	// observed.
	MeanSimilarity *float64 `json:"mean_similarity"`
	// Members are the first articles of the cluster observed, in order; at
	// most 5.
	Members   []StoryMember `json:"members"`
	FirstSeen time.Time     `json:"first_seen"`
	LastSeen  time.Time     `json:"last_seen"`
}

// StoryMember is one article of a cluster.
type StoryMember struct {
	ID     string `json:"id"`
	Source string `json:"source,omitempty"` // the outlet
	// Similarity is the article's estimated similarity to the one it
	// duplicates, 0..1; 0 for the first of a cluster.
	Similarity float64 `json:"similarity"`
}

// Limits of the stories panel.
const (
	maxStoryMembers = 5
	topStories      = 10
)

// storyObs is what one article contributes to its cluster, prepared
// outside the page lock.
type storyObs struct {
	// key is the cluster id, clipped like every id. It may share memory
	// with the article (when clip would return it unchanged), so the
	// table clones it before keeping it.
	key    string
	shared bool // key shares the article's memory
	member StoryMember
	title  string
	origin bool // the article is the cluster's first-seen one (id == cluster)
	dup    bool // the article duplicates another: its similarity counts in the mean
}

// storyObservation returns what a contributes to its cluster, and false
// when a carries no dedup result. v is a's summary: the strings it holds
// are already clipped copies, which the table keeps instead of copying
// again. A missing cluster id falls back to DuplicateOf, then to the
// article's own id.
func storyObservation(a *processor.Article, v *ArticleView) (storyObs, bool) {
	d := a.Dedup
	if d == nil {
		return storyObs{}, false
	}
	raw := d.Cluster
	if raw == "" && d.DuplicateOf != nil {
		raw = *d.DuplicateOf
	}
	if raw == "" {
		raw = a.ID
	}
	o := storyObs{member: StoryMember{ID: v.ID, Source: v.Source}, title: v.Title, dup: d.DuplicateOf != nil}
	switch {
	case raw == a.ID && v.ID != "":
		o.key = v.ID
	case len(raw) <= maxIDLen && cleanASCII(raw):
		o.key, o.shared = raw, true // no allocation when the cluster is known
	default:
		o.key = clip(raw, maxIDLen)
	}
	if o.key == "" {
		return storyObs{}, false
	}
	o.origin = o.key == v.ID
	if o.dup {
		sim := d.Similarity
		switch {
		case math.IsNaN(sim):
			o.dup = false // an estimate that is not a number does not count
			sim = 0
		case sim < 0:
			sim = 0
		case sim > 1:
			sim = 1
		}
		o.member.Similarity = sim
	}
	return o, true
}

// storyTable aggregates observed articles by near-duplicate cluster.
//
// Memory is bounded: at most capacity clusters, each with a clipped id and
// title and at most maxStoryMembers members with clipped ids and sources
// (under 2 KiB per cluster in the worst case, a few hundred bytes
// typically). When a new cluster arrives and the table is full, one cluster
// is evicted: the least recently updated single-article cluster (one
// article is not a story yet), unless single-article clusters are down to
// a reserve of capacity/4; then the least recently updated multi-article
// cluster goes. The reserve keeps room for new stories to form in a table
// full of stories: without it each new article would evict the single
// before it, and no second copy could ever join.
//
// add is O(1) (a map lookup and a few list links) and allocates nothing
// when the cluster is known; top is O(clusters). It is not safe for
// concurrent use; Page guards it.
type storyTable struct {
	capacity int
	reserve  int // single-article clusters kept before multi-article ones are evicted
	index    map[string]int32
	slots    []story // at most capacity; evicted slots are reused
	singles  storyList
	multis   storyList
	seq      uint64 // update counter: the recency order
	observed uint64
	evicted  uint64
}

type story struct {
	cluster  string
	title    string
	titleOK  bool // title is the origin's (id == cluster)
	count    int
	dups     int     // observations with a similarity
	simSum   float64 // sum of their similarities
	members  [maxStoryMembers]StoryMember
	nmembers int
	first    time.Time
	last     time.Time
	seq      uint64 // seq of the last update
	prev     int32  // towards the list's head (more recent); -1 at the head
	next     int32  // towards the tail; -1 at the tail
	inMultis bool   // which list the slot is linked in
}

// storyList is an intrusive doubly linked list of slots, most recently
// updated at the head.
type storyList struct {
	head, tail int32 // -1 when empty
	n          int
}

// newStoryTable returns a table of at most capacity clusters (at least 1,
// at most maxMaxStories).
func newStoryTable(capacity int) *storyTable {
	capacity = min(max(capacity, 1), maxMaxStories)
	return &storyTable{
		capacity: capacity,
		reserve:  capacity / 4,
		index:    make(map[string]int32, min(capacity, 256)),
		slots:    make([]story, 0, min(capacity, 256)),
		singles:  storyList{head: -1, tail: -1},
		multis:   storyList{head: -1, tail: -1},
	}
}

func (t *storyTable) list(s *story) *storyList {
	if s.inMultis {
		return &t.multis
	}
	return &t.singles
}

func (t *storyTable) pushFront(l *storyList, i int32) {
	s := &t.slots[i]
	s.prev, s.next = -1, l.head
	if l.head >= 0 {
		t.slots[l.head].prev = i
	} else {
		l.tail = i
	}
	l.head = i
	l.n++
}

func (t *storyTable) unlink(l *storyList, i int32) {
	s := &t.slots[i]
	if s.prev >= 0 {
		t.slots[s.prev].next = s.next
	} else {
		l.head = s.next
	}
	if s.next >= 0 {
		t.slots[s.next].prev = s.prev
	} else {
		l.tail = s.prev
	}
	s.prev, s.next = -1, -1
	l.n--
}

// add counts one observed article at time now.
func (t *storyTable) add(o storyObs, now time.Time) {
	t.observed++
	t.seq++
	if i, ok := t.index[o.key]; ok {
		t.update(i, o, now)
		return
	}
	i := t.alloc()
	key := o.key
	if o.shared {
		key = strings.Clone(o.key) // do not pin the article's memory
	}
	t.index[key] = i
	t.slots[i] = story{cluster: key, first: now, last: now, prev: -1, next: -1}
	t.update(i, o, now)
}

// alloc returns a free slot: a new one while the table is below capacity,
// else the slot of an evicted cluster.
func (t *storyTable) alloc() int32 {
	if len(t.slots) < t.capacity {
		t.slots = append(t.slots, story{prev: -1, next: -1})
		return int32(len(t.slots) - 1)
	}
	l := &t.singles
	if l.n <= t.reserve && t.multis.n > 0 {
		l = &t.multis
	}
	i := l.tail
	t.unlink(l, i)
	delete(t.index, t.slots[i].cluster)
	t.slots[i] = story{prev: -1, next: -1} // release its strings
	t.evicted++
	return i
}

// update adds o to the (linked or fresh) cluster in slot i and moves it to
// the head of its list. An article already among the members (a
// redelivery) is not counted again.
func (t *storyTable) update(i int32, o storyObs, now time.Time) {
	s := &t.slots[i]
	if s.count > 0 {
		if o.member.ID != "" && slices.ContainsFunc(s.members[:s.nmembers], func(m StoryMember) bool { return m.ID == o.member.ID }) {
			return
		}
		t.unlink(t.list(s), i)
	}
	s.count++
	s.inMultis = s.count > 1
	if o.dup {
		s.dups++
		s.simSum += o.member.Similarity
	}
	if s.nmembers < maxStoryMembers {
		s.members[s.nmembers] = o.member
		s.nmembers++
	}
	switch {
	case o.origin && !s.titleOK && o.title != "":
		s.title, s.titleOK = o.title, true // the origin's title wins
	case s.title == "":
		s.title = o.title
	}
	if now.Before(s.first) {
		s.first = now
	}
	if now.After(s.last) {
		s.last = now // goroutines may read the clock out of order
	}
	s.seq = t.seq
	t.pushFront(t.list(s), i)
}

// rankStories orders clusters largest first, then most recently updated.
func rankStories(a, b *story) int {
	if c := cmp.Compare(b.count, a.count); c != 0 {
		return c
	}
	return cmp.Compare(b.seq, a.seq)
}

// view returns the panel: the n largest multi-article clusters and the
// table's counters. The views share no memory that the table changes.
func (t *storyTable) view(n int) Stories {
	top := make([]*story, 0, n+1)
	for i := t.multis.head; i >= 0; i = t.slots[i].next {
		s := &t.slots[i]
		if len(top) == n && (n == 0 || rankStories(s, top[n-1]) >= 0) {
			continue
		}
		j, _ := slices.BinarySearchFunc(top, s, rankStories)
		top = slices.Insert(top, j, s)
		if len(top) > n {
			top = top[:n]
		}
	}
	out := Stories{Top: make([]StoryView, len(top)), Tracked: len(t.index), Capacity: t.capacity, Observed: t.observed, Evicted: t.evicted}
	for k, s := range top {
		v := StoryView{
			Cluster:   s.cluster,
			Title:     s.title,
			Articles:  s.count,
			Members:   slices.Clone(s.members[:s.nmembers]),
			FirstSeen: s.first.UTC(),
			LastSeen:  s.last.UTC(),
		}
		if s.dups > 0 {
			m := s.simSum / float64(s.dups)
			v.MeanSimilarity = &m
		}
		out.Top[k] = v
	}
	return out
}
