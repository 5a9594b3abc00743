package keyphrases

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBestK(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, k int }{{0, 3}, {5, 10}, {10, 10}, {100, 7}, {1000, 80}} {
		scores := make([]int, tc.n)
		idx := make([]int, tc.n)
		for i := range scores {
			scores[i] = r.IntN(50) // ties on purpose
			idx[i] = i
		}
		better := func(x, y int) bool { return scores[x] > scores[y] || scores[x] == scores[y] && x < y }
		got := bestK(idx, tc.k, better)
		slices.SortFunc(got, func(x, y int) int {
			if better(x, y) {
				return -1
			}
			return 1
		})
		want := slices.Clone(idx)
		slices.SortFunc(want, func(x, y int) int {
			if better(x, y) {
				return -1
			}
			return 1
		})
		want = want[:min(tc.k, tc.n)]
		if !slices.Equal(got, want) {
			t.Errorf("n=%d k=%d: got %v, want %v", tc.n, tc.k, got, want)
		}
	}
}
