package trends

import (
	"fmt"
	"math"

	json "github.com/goccy/go-json"
)

// negligible is the size below which a decayed baseline is forgotten.
const negligible = 0.01

// maxForget bounds the empty windows after which a baseline is forgotten
// (reached only with a tiny Alpha and a huge history).
const maxForget = 1 << 20

// baseline is an entity's history: the exponentially weighted moving
// average and variance of its counts in earlier baseline windows (the
// windows that start on a multiple of Options.Window), windows without a
// mention counting as 0. It is the value of the entity's b| key.
type baseline struct {
	Mean float64 `json:"mean"`
	Var  float64 `json:"var"`
	// N is the number of windows folded in, empty ones included.
	N int64 `json:"n"`
	// Last is the start (Unix ms) of the last window folded in.
	Last int64 `json:"last"`
}

// weight is the weight of the next window: max(alpha, 1/n) for the n-th,
// so that the first windows are averaged plainly.
func (b *baseline) weight(alpha float64) float64 {
	return max(alpha, 1/float64(b.N+1))
}

// fold adds one window's count (West's incremental EWMA and variance).
func (b *baseline) fold(x, alpha float64) {
	a := b.weight(alpha)
	diff := x - b.Mean
	incr := a * diff
	b.Mean += incr
	b.Var = (1 - a) * (b.Var + diff*incr)
	b.N++
}

// decayed returns b after k more empty windows. Once the weight has
// settled at alpha it uses the closed form of k folds of 0:
//
//	mean_k = q^k·mean,  var_k = q^k·(var + mean²·(1 − q^k)),  q = 1 − alpha
func (b baseline) decayed(k int64, alpha float64) baseline {
	for ; k > 0 && b.weight(alpha) > alpha; k-- {
		b.fold(0, alpha)
	}
	if k <= 0 {
		return b
	}
	qk := math.Pow(1-alpha, float64(k))
	b.Var = qk * (b.Var + b.Mean*b.Mean*(1-qk))
	b.Mean *= qk
	b.N += k
	return b
}

// forgetAfter returns how many empty windows after Last make b
// negligible (mean and variance below 0.01): from then on the entity is
// new again.
func (b baseline) forgetAfter(alpha float64) int64 {
	var k int64
	for ; k < maxForget && (b.Mean >= negligible || b.Var >= negligible); k++ {
		b.fold(0, alpha)
	}
	return k
}

func parseBaseline(v []byte) (baseline, error) {
	var b baseline
	if err := json.Unmarshal(v, &b); err != nil {
		return b, fmt.Errorf("baseline: %w", err)
	}
	if b.N < 1 || b.Mean < 0 || b.Var < 0 || math.IsNaN(b.Mean) || math.IsNaN(b.Var) || math.IsInf(b.Mean, 0) || math.IsInf(b.Var, 0) {
		return b, fmt.Errorf("baseline: invalid %+v", b)
	}
	return b, nil
}

// entityBaseline is a baseline in memory, with when it is forgotten.
type entityBaseline struct {
	baseline
	// forget is forgetAfter(alpha), expiry the end (Unix ms) of the
	// forget-th empty window after Last: when the stage's watermark
	// passes it, the b| key is deleted.
	forget, expiry int64
}

func newEntityBaseline(b baseline, o *Options) *entityBaseline {
	size := o.Window.Milliseconds()
	k := b.forgetAfter(o.Alpha)
	return &entityBaseline{baseline: b, forget: k, expiry: b.Last + (k+1)*size}
}

// at returns the baseline as it stands for a window starting at start:
// decayed by the empty baseline windows between the last folded in and
// start, or zero (no history) when that is at least forget windows. A nil
// eb has no history.
func (eb *entityBaseline) at(start int64, o *Options) baseline {
	if eb == nil {
		return baseline{}
	}
	skipped := max(floorDiv(start-eb.Last, o.Window.Milliseconds())-1, 0)
	if skipped >= eb.forget {
		return baseline{}
	}
	return eb.baseline.decayed(skipped, o.Alpha)
}

// score is the burst score of count against b (see the package doc):
// the expected count (b's mean, at least Floor), the z-score, and whether
// the window is trending.
func (o *Options) score(count int, b baseline) (expected, z float64, trending bool) {
	expected = max(b.Mean, o.Floor)
	z = (float64(count) - expected) / math.Sqrt(max(b.Var, expected))
	return expected, z, count >= o.MinCount && z >= o.Threshold
}
