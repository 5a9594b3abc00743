package consumer

import (
	"math/rand/v2"
	"testing"
)

func TestTrackerCommitsOnlyContiguousFinishedRuns(t *testing.T) {
	tests := []struct {
		name    string
		start   int64
		begin   []int64
		done    []int64
		want    int64
		inFight int
	}{
		{name: "nothing done", start: 10, begin: []int64{10, 11, 12}, want: 10, inFight: 3},
		{name: "in order", start: 10, begin: []int64{10, 11, 12}, done: []int64{10, 11}, want: 12, inFight: 1},
		{name: "out of order holds at the gap", start: 0, begin: []int64{0, 1, 2, 3}, done: []int64{1, 2, 3}, want: 0, inFight: 1},
		{name: "gap filled", start: 0, begin: []int64{0, 1, 2, 3}, done: []int64{3, 1, 2, 0}, want: 4},
		{name: "offset gaps (compaction) are not waited for", start: 5, begin: []int64{5, 9, 20}, done: []int64{9, 5, 20}, want: 21},
		{name: "unknown start takes the first fetched", start: -2, begin: []int64{42, 43}, done: []int64{42}, want: 43, inFight: 1},
		{name: "unknown offsets ignored", start: 0, begin: []int64{0}, done: []int64{7, 0}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTracker(tt.start)
			for _, o := range tt.begin {
				tr.Begin(o)
			}
			for _, o := range tt.done {
				tr.Done(o)
			}
			got, _ := tr.Committable()
			if got != tt.want {
				t.Errorf("committable %d, want %d", got, tt.want)
			}
			if n := tr.InFlight(); n != tt.inFight {
				t.Errorf("in flight %d, want %d", n, tt.inFight)
			}
		})
	}
}

func TestTrackerMovedFlag(t *testing.T) {
	tr := NewTracker(0)
	tr.Begin(0)
	if _, moved := tr.Committable(); moved {
		t.Fatal("moved before anything finished")
	}
	tr.Done(0)
	off, moved := tr.Committable()
	if !moved || off != 1 {
		t.Fatalf("got %d %v", off, moved)
	}
	tr.MarkCommitted(off)
	if _, moved := tr.Committable(); moved {
		t.Fatal("still moved after commit")
	}
}

// Property: whatever order records finish in, the committable offset never
// passes an unfinished record and reaches the end when all are done.
func TestTrackerRandomOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		n := 1 + r.IntN(300)
		tr := NewTracker(0)
		for i := 0; i < n; i++ {
			tr.Begin(int64(i))
		}
		order := r.Perm(n)
		finished := make([]bool, n)
		for _, o := range order {
			tr.Done(int64(o))
			finished[o] = true
			c, _ := tr.Committable()
			for i := int64(0); i < c; i++ {
				if !finished[i] {
					t.Fatalf("committable %d passes unfinished %d", c, i)
				}
			}
			if c < int64(n) && finished[c] && (c == 0 || finished[c-1]) {
				// c must stop at the first unfinished offset.
				t.Fatalf("committable %d stops at a finished record", c)
			}
		}
		if c, _ := tr.Committable(); c != int64(n) {
			t.Fatalf("end %d, want %d", c, n)
		}
	}
}
