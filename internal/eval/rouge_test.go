package eval

import (
	"fmt"
	"math"
	"testing"
)

// The expected values are computed by hand in the comments.
func TestRouge(t *testing.T) {
	tests := []struct {
		name                 string
		candidate, reference string
		want                 RougeScores
	}{
		{
			// unigrams: the×2 cat on mat = 5 of 6 each side → 5/6;
			// bigrams: "the cat" "on the" "the mat" = 3 of 5 → 3/5;
			// LCS "the cat on the mat" = 5 → 5/6.
			name:      "one word differs",
			candidate: "the cat sat on the mat",
			reference: "the cat is on the mat",
			want:      RougeScores{R1: 5.0 / 6, R2: 3.0 / 5, RL: 5.0 / 6},
		},
		{
			// Case and punctuation are dropped: identical token lists.
			name:      "case and punctuation",
			candidate: "Gassama's RESCUE!",
			reference: "gassama s — rescue",
			want:      RougeScores{R1: 1, R2: 1, RL: 1},
		},
		{
			// Clipped: "the" matches once; P = 1/4, R = 1/2, F = 1/3.
			// No bigram matches. LCS = 1 → 1/3.
			name:      "clipping",
			candidate: "the the the the",
			reference: "the cat",
			want:      RougeScores{R1: 1.0 / 3, R2: 0, RL: 1.0 / 3},
		},
		{
			// Same bag of words in another order: R1 = 1, no bigram in
			// common, LCS = 3 ("the on the") of 6 → 1/2.
			name:      "order",
			candidate: "mat the on sat cat the",
			reference: "the cat sat on the mat",
			want:      RougeScores{R1: 1, R2: 0, RL: 0.5},
		},
		{name: "empty candidate", candidate: "", reference: "the cat", want: RougeScores{}},
		{name: "punctuation only", candidate: "?!", reference: "the cat", want: RougeScores{}},
		{
			// One token each side, equal: R1 = RL = 1; no bigrams → 0.
			name:      "single token",
			candidate: "Paris",
			reference: "paris.",
			want:      RougeScores{R1: 1, R2: 0, RL: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rouge(tt.candidate, tt.reference)
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"R1", got.R1, tt.want.R1}, {"R2", got.R2, tt.want.R2}, {"RL", got.RL, tt.want.RL}} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestRougeSymmetricF1(t *testing.T) {
	a, b := "a migrant scaled a building to save a child", "a child was saved by a migrant who climbed a building"
	x, y := Rouge(a, b), Rouge(b, a)
	if math.Abs(x.R1-y.R1) > 1e-12 || math.Abs(x.R2-y.R2) > 1e-12 || math.Abs(x.RL-y.RL) > 1e-12 {
		t.Fatalf("F1 not symmetric: %+v vs %+v", x, y)
	}
}

func ExampleRouge() {
	s := Rouge("A migrant saved a child in Paris.", "A Malian migrant saved a child hanging from a balcony in Paris.")
	fmt.Printf("R1 %.3f R2 %.3f RL %.3f\n", s.R1, s.R2, s.RL)
	// 7 of 7 candidate unigrams match (of 12 in the reference): F1 14/19;
	// bigrams: 4 of 6 and of 11: F1 8/17; the whole candidate is a
	// subsequence of the reference: RL = R1.
	// Output: R1 0.737 R2 0.471 RL 0.737
}
