package status

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor"
)

// copyOf is an article of cluster: its first-seen article when id ==
// cluster (sim is then ignored), else a near-duplicate of it.
func copyOf(id, cluster, source string, sim float64) *processor.Article {
	d := &processor.Dedup{Cluster: cluster}
	if id != cluster {
		d.DuplicateOf, d.Similarity = ptr(cluster), sim
	}
	return &processor.Article{ID: id, Title: "Title " + id, Source: source, Dedup: d}
}

// storyRows renders the top stories as "cluster:articles" for comparisons.
func storyRows(s Stories) string {
	var rows []string
	for _, c := range s.Top {
		rows = append(rows, fmt.Sprintf("%s:%d", c.Cluster, c.Articles))
	}
	return strings.Join(rows, " ")
}

func TestStoriesRanking(t *testing.T) {
	p, _, clk := newTestPage(t, Options{})
	steps := []struct {
		name    string
		observe []*processor.Article
		want    string
	}{
		{name: "singles are not stories", observe: []*processor.Article{
			copyOf("a", "a", "x", 0), copyOf("b", "b", "x", 0), copyOf("c", "c", "x", 0),
			{ID: "no-dedup", Title: "not checked"},
		}, want: ""},
		{name: "a second copy makes a story", observe: []*processor.Article{copyOf("b2", "b", "y", 0.9)},
			want: "b:2"},
		{name: "largest first", observe: []*processor.Article{copyOf("a2", "a", "y", 0.9), copyOf("a3", "a", "z", 0.8)},
			want: "a:3 b:2"},
		{name: "ties: the most recently updated first", observe: []*processor.Article{copyOf("c2", "c", "y", 0.95)},
			want: "a:3 c:2 b:2"},
		{name: "an update moves a tie ahead", observe: []*processor.Article{copyOf("b3", "b", "z", 0.9), copyOf("c3", "c", "z", 0.9), copyOf("b4", "b", "w", 0.9)},
			want: "b:4 c:3 a:3"},
	}
	for _, st := range steps {
		clk.Advance(time.Second)
		for _, a := range st.observe {
			p.Observe(a)
		}
		if got := storyRows(p.Snapshot().Stories); got != st.want {
			t.Errorf("%s: stories = %q, want %q", st.name, got, st.want)
		}
	}
	s := p.Snapshot().Stories
	if s.Tracked != 3 || s.Observed != 10 || s.Capacity != DefaultMaxStories || s.Evicted != 0 {
		t.Errorf("counters: tracked %d observed %d capacity %d evicted %d, want 3, 10, %d, 0", s.Tracked, s.Observed, s.Capacity, DefaultMaxStories, s.Evicted)
	}
}

func TestStoriesTopTen(t *testing.T) {
	p, _, _ := newTestPage(t, Options{})
	for c := range 15 {
		for i := range c + 1 {
			id := fmt.Sprint("c", c, "-", i)
			if i == 0 {
				id = fmt.Sprint("c", c)
			}
			p.Observe(copyOf(id, fmt.Sprint("c", c), "x", 0.9))
		}
	}
	want := "c14:15 c13:14 c12:13 c11:12 c10:11 c9:10 c8:9 c7:8 c6:7 c5:6"
	if got := storyRows(p.Snapshot().Stories); got != want {
		t.Errorf("stories = %q, want the 10 largest: %q", got, want)
	}
}

func TestStoryView(t *testing.T) {
	p, _, clk := newTestPage(t, Options{})
	t0 := clk.Now()
	// A copy arrives before the first-seen article (another partition was
	// behind): its title stands in until the origin's arrives.
	p.Observe(copyOf("s2", "s", "wire", 0.9))
	clk.Advance(time.Second)
	p.Observe(copyOf("s", "s", "origin-news", 0))
	for i := 3; i <= 8; i++ {
		clk.Advance(time.Second)
		p.Observe(copyOf(fmt.Sprint("s", i), "s", fmt.Sprint("outlet-", i), 0.8))
	}
	p.Observe(copyOf("s9", "s", "odd", math.NaN())) // counted, but not in the mean
	p.Observe(copyOf("s10", "s", "odd", 7))         // clamped to 1
	p.Observe(copyOf("s3", "s", "outlet-3", 0.8))   // a redelivery of a kept member: not counted again

	top := p.Snapshot().Stories.Top
	if len(top) != 1 {
		t.Fatalf("stories = %+v, want one", top)
	}
	v := top[0]
	wantMembers := []StoryMember{{"s2", "wire", 0.9}, {"s", "origin-news", 0}, {"s3", "outlet-3", 0.8}, {"s4", "outlet-4", 0.8}, {"s5", "outlet-5", 0.8}}
	if v.Cluster != "s" || v.Title != "Title s" || v.Articles != 10 || fmt.Sprint(v.Members) != fmt.Sprint(wantMembers) {
		t.Errorf("story = %+v, want cluster s titled by its origin, 10 articles, members %v", v, wantMembers)
	}
	// Duplicates s2..s8 and s10: (0.9 + 6×0.8 + 1) / 8.
	if want := (0.9 + 6*0.8 + 1) / 8; v.MeanSimilarity == nil || math.Abs(*v.MeanSimilarity-want) > 1e-12 {
		t.Errorf("mean similarity = %v, want %v", show(v.MeanSimilarity), want)
	}
	if !v.FirstSeen.Equal(t0) || !v.LastSeen.Equal(t0.Add(7*time.Second)) {
		t.Errorf("seen %v .. %v, want %v .. %v", v.FirstSeen, v.LastSeen, t0, t0.Add(7*time.Second))
	}

	// Changing the page afterwards does not change the view.
	p.Observe(copyOf("s11", "s", "late", 0.5))
	if v.Articles != 10 || len(v.Members) != 5 || v.Members[0].ID != "s2" {
		t.Errorf("the view changed with the page: %+v", v)
	}
}

func TestStoryObservation(t *testing.T) {
	long := strings.Repeat("k", 2*maxIDLen)
	tests := []struct {
		name    string
		a       *processor.Article
		ok      bool
		key     string
		shared  bool
		origin  bool
		dup     bool
		simWant float64
	}{
		{"no dedup result", &processor.Article{ID: "a"}, false, "", false, false, false, 0},
		{"first of a cluster", copyOf("a", "a", "", 0), true, "a", false, true, false, 0},
		{"duplicate", copyOf("b", "a", "", 0.7), true, "a", true, false, true, 0.7},
		{"negative similarity", copyOf("b", "a", "", -1), true, "a", true, false, true, 0},
		{"no cluster: the duplicated id", &processor.Article{ID: "b", Dedup: &processor.Dedup{DuplicateOf: ptr("a"), Similarity: 0.5}}, true, "a", true, false, true, 0.5},
		{"no cluster, no duplicate: the own id", &processor.Article{ID: "b", Dedup: &processor.Dedup{}}, true, "b", false, true, false, 0},
		{"no id at all", &processor.Article{Dedup: &processor.Dedup{}}, false, "", false, false, false, 0},
		{"long cluster id is clipped", copyOf("b", long, "", 0.5), true, clip(long, maxIDLen), false, false, true, 0.5},
		{"dirty cluster id is cleaned", copyOf("b", " a\n", "", 0.5), true, "a", false, false, true, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := summarize(tt.a, time.Unix(0, 0))
			o, ok := storyObservation(tt.a, &v)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if o.key != tt.key || o.shared != tt.shared || o.origin != tt.origin || o.dup != tt.dup || o.member.Similarity != tt.simWant {
				t.Errorf("observation = %+v, want key %q shared %v origin %v dup %v similarity %v", o, tt.key, tt.shared, tt.origin, tt.dup, tt.simWant)
			}
		})
	}
}

// checkTable verifies the table's invariants: within capacity, every
// cluster indexed and linked in the list its size says, lists well formed.
func checkTable(t *testing.T, tb *storyTable) {
	t.Helper()
	if len(tb.index) > tb.capacity || len(tb.slots) > tb.capacity {
		t.Fatalf("table holds %d clusters in %d slots, capacity %d", len(tb.index), len(tb.slots), tb.capacity)
	}
	seen := 0
	for _, l := range []*storyList{&tb.singles, &tb.multis} {
		n, prev := 0, int32(-1)
		for i := l.head; i >= 0; i = tb.slots[i].next {
			s := &tb.slots[i]
			if s.prev != prev || (s.count > 1) != (l == &tb.multis) || tb.index[s.cluster] != i {
				t.Fatalf("slot %d (%q, %d articles) badly linked", i, s.cluster, s.count)
			}
			if prev >= 0 && tb.slots[prev].seq <= s.seq {
				t.Fatalf("list not in recency order at slot %d", i)
			}
			prev = i
			n++
		}
		if n != l.n || l.tail != prev {
			t.Fatalf("list counts %d, walked %d; tail %d, last %d", l.n, n, l.tail, prev)
		}
		seen += n
	}
	if seen != len(tb.index) {
		t.Fatalf("lists hold %d clusters, index %d", seen, len(tb.index))
	}
}

func obs(id, cluster string) storyObs {
	return storyObs{key: cluster, member: StoryMember{ID: id}, title: id, origin: id == cluster, dup: id != cluster}
}

func clusters(tb *storyTable) string {
	var out []string
	for _, l := range []*storyList{&tb.multis, &tb.singles} {
		for i := l.head; i >= 0; i = tb.slots[i].next {
			out = append(out, fmt.Sprintf("%s:%d", tb.slots[i].cluster, tb.slots[i].count))
		}
	}
	return strings.Join(out, " ")
}

func TestStoriesEviction(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tb := newStoryTable(8) // reserve: 2 single-article clusters
	for _, c := range []string{"m1", "m2", "m3"} {
		tb.add(obs(c, c), now)
		tb.add(obs(c+"'", c), now)
	}
	for i := 1; i <= 5; i++ {
		tb.add(obs(fmt.Sprint("s", i), fmt.Sprint("s", i)), now)
	}
	checkTable(t, tb)
	if got, want := clusters(tb), "m3:2 m2:2 m1:2 s5:1 s4:1 s3:1 s2:1 s1:1"; got != want {
		t.Fatalf("full table = %s, want %s", got, want)
	}

	// Full: a new cluster evicts the least recently updated single.
	tb.add(obs("s6", "s6"), now)
	tb.add(obs("s2'", "s2"), now) // s2 becomes a story: out of reach of single eviction
	tb.add(obs("s7", "s7"), now)
	checkTable(t, tb)
	if got, want := clusters(tb), "s2:2 m3:2 m2:2 m1:2 s7:1 s6:1 s5:1 s4:1"; got != want {
		t.Errorf("after evicting singles = %s, want %s", got, want)
	}

	// A copy of an evicted cluster starts it anew.
	tb.add(obs("s1'", "s1"), now)
	checkTable(t, tb)
	if got, want := clusters(tb), "s2:2 m3:2 m2:2 m1:2 s1:1 s7:1 s6:1 s5:1"; got != want {
		t.Errorf("after a copy of an evicted cluster = %s, want %s", got, want)
	}

	// Singles down to the reserve: the least recently updated story goes.
	tb.add(obs("s5'", "s5"), now)
	tb.add(obs("s6'", "s6"), now) // 6 stories, singles s1 and s7: the reserve
	tb.add(obs("m1''", "m1"), now)
	tb.add(obs("n1", "n1"), now)
	checkTable(t, tb)
	if got, want := clusters(tb), "m1:3 s6:2 s5:2 s2:2 m3:2 n1:1 s1:1 s7:1"; got != want {
		t.Errorf("after evicting a story = %s, want %s (m2 evicted)", got, want)
	}
	if tb.evicted != 4 || tb.observed != 19 {
		t.Errorf("evicted %d observed %d, want 4, 19", tb.evicted, tb.observed)
	}
	// The reserve still lets a new story form.
	tb.add(obs("n1'", "n1"), now)
	if got := tb.view(topStories); len(got.Top) != 6 || got.Top[1].Cluster != "n1" {
		t.Errorf("top = %s, want n1 second among 6 stories", storyRows(got))
	}
	checkTable(t, tb)
}

func TestStoriesBoundUnderChurn(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, capacity := range []int{1, 2, 3, 7, 64} {
		tb := newStoryTable(capacity)
		rng := rand.New(rand.NewPCG(1, uint64(capacity)))
		for i := range 20_000 {
			c := fmt.Sprint("c", rng.IntN(4*capacity+3)) // many more clusters than fit
			tb.add(obs(fmt.Sprint("a", i), c), now.Add(time.Duration(i)*time.Millisecond))
			if i%997 == 0 {
				checkTable(t, tb)
			}
		}
		checkTable(t, tb)
		if len(tb.index) != capacity || tb.evicted == 0 {
			t.Errorf("capacity %d: holds %d clusters, evicted %d; want full and evicting", capacity, len(tb.index), tb.evicted)
		}
		if v := tb.view(topStories); len(v.Top) > topStories {
			t.Errorf("capacity %d: %d stories shown", capacity, len(v.Top))
		}
	}
	if tb := newStoryTable(1 << 30); tb.capacity != maxMaxStories {
		t.Errorf("capacity of an oversized table = %d, want the cap %d", tb.capacity, maxMaxStories)
	}
}

// Counting an article into a known cluster allocates nothing.
func TestStoriesAddAllocs(t *testing.T) {
	tb := newStoryTable(16)
	now := time.Unix(1_800_000_000, 0)
	for i := range maxStoryMembers {
		tb.add(obs(fmt.Sprint("m", i), "c"), now)
	}
	o := obs("next", "c")
	if n := testing.AllocsPerRun(1000, func() { tb.add(o, now) }); n != 0 {
		t.Errorf("add to a known cluster: %v allocations, want 0", n)
	}
}

func TestStoriesConcurrentObserve(t *testing.T) {
	p, _, clk := newTestPage(t, Options{MaxStories: 64})
	const writers, perWriter, nclusters = 4, 300, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				c := fmt.Sprint("c", i%nclusters)
				p.Observe(copyOf(fmt.Sprint(c, "-", w, "-", i), c, fmt.Sprint("outlet-", w), 0.9))
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			clk.Advance(time.Millisecond)
			if _, err := json.Marshal(p.Snapshot()); err != nil {
				t.Errorf("marshal: %v", err)
				return
			}
		}
	})
	wg.Wait()

	s := p.Snapshot().Stories
	if s.Observed != writers*perWriter || s.Tracked != nclusters || len(s.Top) != topStories {
		t.Fatalf("observed %d, tracked %d, shown %d; want %d, %d, %d", s.Observed, s.Tracked, len(s.Top), writers*perWriter, nclusters, topStories)
	}
	for _, c := range s.Top {
		if c.Articles != writers*perWriter/nclusters || len(c.Members) != maxStoryMembers || !near(c.MeanSimilarity, 0.9) {
			t.Errorf("story %s: %d articles, %d members, mean %v; want %d, %d, 0.9", c.Cluster, c.Articles, len(c.Members), show(c.MeanSimilarity), writers*perWriter/nclusters, maxStoryMembers)
		}
	}
	p.obsMu.Lock()
	checkTable(t, p.stories)
	p.obsMu.Unlock()
}
