package trends_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor/trends"
)

// poisson draws from a Poisson distribution (Knuth).
func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// TestBurstScoreFlagsPlantedBursts runs two days of hourly mentions with
// planted bursts and checks the trending flag of every closed window.
func TestBurstScoreFlagsPlantedBursts(t *testing.T) {
	const hours = 48
	// rate returns the expected articles of an entity in an hour.
	rates := map[string]func(hour int) float64{
		"PERSON:Steady Low": func(int) float64 { return 3 },
		"ORG:Steady Mid":    func(int) float64 { return 10 },
		"LOC:Steady High":   func(int) float64 { return 40 },
		"LOC:Rare":          func(h int) float64 { return 0.3 },
		"PERSON:Burst":      func(h int) float64 { return map[bool]float64{true: 30, false: 4}[h == 30] },
		"ORG:Surge":         func(h int) float64 { return map[bool]float64{true: 100, false: 40}[h == 36] },
		"PERSON:Newcomer":   func(h int) float64 { return map[bool]float64{true: 15, false: 0}[h >= 40] },
		"PERSON:Slow Riser": func(h int) float64 { return 5 + float64(h)/4 },
	}
	want := map[string]bool{ // windows that must be trending
		key("PERSON:Burst", 30*time.Hour):    true,
		key("ORG:Surge", 36*time.Hour):       true,
		key("PERSON:Newcomer", 40*time.Hour): true,
	}
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			var xs []in
			ents := make([]string, 0, len(rates))
			for e := range rates {
				ents = append(ents, e)
			}
			slices.Sort(ents)
			id := 0
			for hr := range hours {
				for _, e := range ents {
					for range poisson(rng, rates[e](hr)) {
						id++
						at := time.Duration(hr)*time.Hour + time.Duration(rng.Int64N(int64(time.Hour))).Truncate(time.Millisecond)
						xs = append(xs, in{partitionOf(e, 2), mention(e, fmt.Sprint("a", id), at)})
					}
				}
			}
			slices.SortStableFunc(xs, func(a, b in) int { return strings.Compare(a.m.EventTime, b.m.EventTime) })
			h := newHarness(t, trends.Options{}, 2)
			h.feedAll(xs)

			early := false
			for _, s := range h.log {
				for _, tr := range trendsOf(t, s.outs) {
					if !tr.Final && tr.Trending && trends.TrendKey(tr.Entity.Type, tr.Entity.Name, tr.Window.Start) == key("PERSON:Burst", 30*time.Hour) {
						early = true
					}
				}
			}
			if !early {
				t.Errorf("the burst was not flagged before its window closed")
			}
			closed := 0
			for k, tr := range h.latest() {
				if !tr.Final {
					continue
				}
				closed++
				// An entity's first window is news. A slowly rising one
				// is checked once its baseline has had a day to settle:
				// against a baseline of a few windows, a high draw is a
				// false positive like any other (the default threshold
				// flags about 0.06% of steady Poisson windows).
				warm := tr.Window.Start.Sub(base) >= 2*time.Hour
				if strings.Contains(k, "Slow Riser") {
					warm = tr.Window.Start.Sub(base) >= 24*time.Hour
				}
				switch {
				case want[k] && !tr.Trending:
					t.Errorf("%s: planted burst not trending: count %d, baseline %v, score %v", k, tr.Count, tr.Baseline, tr.Score)
				case !want[k] && tr.Trending && warm:
					t.Errorf("%s: trending without a burst: count %d, baseline %v, score %v", k, tr.Count, tr.Baseline, tr.Score)
				}
			}
			if closed < hours*6 {
				t.Errorf("only %d windows closed", closed)
			}
			if tr := h.latest()[key("PERSON:Newcomer", 42*time.Hour)]; tr.Trending {
				t.Errorf("a newcomer still trending in its third steady window: %+v", tr)
			}
		})
	}
}
