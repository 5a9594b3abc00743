package faults_test

import (
	"slices"
	"testing"

	"github.com/newsflow/newsflow/internal/faults"
)

func TestLedgerTally(t *testing.T) {
	cases := []struct {
		name          string
		in, out       []string
		lost, unexp   []string
		dups, outputs int
	}{
		{"all once", []string{"a", "b"}, []string{"b", "a"}, nil, nil, 0, 2},
		{"one lost", []string{"a", "b", "c"}, []string{"a", "c"}, []string{"b"}, nil, 0, 2},
		{"duplicates", []string{"a", "b"}, []string{"a", "a", "b", "a"}, nil, nil, 2, 4},
		{"unexpected", []string{"a"}, []string{"a", "z"}, nil, []string{"z"}, 0, 1},
		{"nothing out", []string{"b", "a"}, nil, []string{"a", "b"}, nil, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := faults.NewLedger()
			l.In(c.in...)
			l.Out(c.out...)
			got := l.Tally()
			if got.Records != len(c.in) || got.Outputs != c.outputs || got.Duplicates != c.dups ||
				!slices.Equal(got.Lost, c.lost) || !slices.Equal(got.Unexpected, c.unexp) {
				t.Errorf("tally = %+v, want lost %v, unexpected %v, %d duplicates, %d outputs", got, c.lost, c.unexp, c.dups, c.outputs)
			}
		})
	}
}
