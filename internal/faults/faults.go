package faults

import (
	"fmt"
	"sort"
	"sync"
)

// Ledger accounts a run: the ids that went in and how often each came out.
// It is safe for concurrent use.
type Ledger struct {
	mu  sync.Mutex
	in  map[string]bool
	out map[string]int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{in: map[string]bool{}, out: map[string]int{}}
}

// In records that id was published.
func (l *Ledger) In(ids ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		l.in[id] = true
	}
}

// Out records that id came out once more (enriched or dead-lettered).
func (l *Ledger) Out(ids ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		l.out[id]++
	}
}

// Tally is what a Ledger found.
type Tally struct {
	Records    int      // distinct ids published
	Outputs    int      // outputs of published ids, duplicates included
	Lost       []string // published ids that never came out, sorted
	Duplicates int      // outputs beyond the first, over all ids
	Unexpected []string // ids that came out but were never published, sorted
}

// String formats the tally for a test log.
func (t Tally) String() string {
	return fmt.Sprintf("records %d, outputs %d, lost %d, duplicates %d, unexpected %d",
		t.Records, t.Outputs, len(t.Lost), t.Duplicates, len(t.Unexpected))
}

// Tally compares what went in with what came out.
func (l *Ledger) Tally() Tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := Tally{Records: len(l.in)}
	for id := range l.in {
		n := l.out[id]
		t.Outputs += n
		if n == 0 {
			t.Lost = append(t.Lost, id)
		} else {
			t.Duplicates += n - 1
		}
	}
	for id := range l.out {
		if !l.in[id] {
			t.Unexpected = append(t.Unexpected, id)
		}
	}
	sort.Strings(t.Lost)
	sort.Strings(t.Unexpected)
	return t
}

// MiB formats a byte count in mebibytes.
func MiB(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
