package eval

import (
	"strings"
	"unicode"
)

// RougeScores are ROUGE F1 scores (harmonic mean of precision and recall,
// each in [0, 1]) of a candidate text against one reference.
type RougeScores struct {
	R1 float64 `json:"rouge1"` // unigram overlap
	R2 float64 `json:"rouge2"` // bigram overlap
	RL float64 `json:"rougeL"` // longest common subsequence
}

// Rouge scores candidate against reference with ROUGE-1, ROUGE-2 and
// ROUGE-L (summary-level LCS over the whole text, not per sentence), F1.
//
// Tokenisation: both texts are lower-cased and split into maximal runs of
// letters and digits (Unicode); everything else — punctuation, quotes,
// apostrophes, hyphens — separates tokens and is dropped, so "Gassama's"
// gives "gassama" and "s", and "four-year-old" gives three tokens. No
// stemming and no stop-word removal, as in the common rouge-score
// defaults. N-gram overlap counts are clipped: a candidate n-gram matches
// at most as many times as it occurs in the reference.
//
// An empty candidate or reference scores 0. Rouge is safe for concurrent
// use; time is O(len(candidate tokens) × len(reference tokens)) for ROUGE-L.
func Rouge(candidate, reference string) RougeScores {
	c, r := rougeTokens(candidate), rougeTokens(reference)
	if len(c) == 0 || len(r) == 0 {
		return RougeScores{}
	}
	return RougeScores{
		R1: ngramF1(c, r, 1),
		R2: ngramF1(c, r, 2),
		RL: f1(lcs(c, r), len(c), len(r)),
	}
}

// rougeTokens lower-cases s and splits it into runs of letters and digits.
func rougeTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// ngramF1 is the clipped n-gram overlap F1 of candidate c and reference r.
func ngramF1(c, r []string, n int) float64 {
	if len(c) < n || len(r) < n {
		return 0
	}
	ref := make(map[string]int, len(r))
	for i := 0; i+n <= len(r); i++ {
		ref[strings.Join(r[i:i+n], " ")]++
	}
	match := 0
	for i := 0; i+n <= len(c); i++ {
		k := strings.Join(c[i:i+n], " ")
		if ref[k] > 0 {
			ref[k]--
			match++
		}
	}
	return f1(match, len(c)-n+1, len(r)-n+1)
}

// f1 returns the F1 of match overlapping units out of candidate and
// reference totals.
func f1(match, candidate, reference int) float64 {
	if match == 0 || candidate == 0 || reference == 0 {
		return 0
	}
	p := float64(match) / float64(candidate)
	rc := float64(match) / float64(reference)
	return 2 * p * rc / (p + rc)
}

// lcs returns the length of the longest common subsequence of a and b,
// using two rows of memory.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
