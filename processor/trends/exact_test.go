package trends_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/processor/trends"
)

// entityKeys are the entities of the synthetic streams; some names hold
// the separators of the store and trend keys.
var entityKeys = func() []string {
	var ks []string
	for i := range 40 {
		switch i % 4 {
		case 0:
			ks = append(ks, fmt.Sprintf("PERSON:Person %02d", i))
		case 1:
			ks = append(ks, fmt.Sprintf("ORG:Org|%02d|Inc", i))
		case 2:
			ks = append(ks, fmt.Sprintf("LOC:Zürich:%02d@home", i))
		default:
			ks = append(ks, fmt.Sprintf("NORP:Group %02d", i))
		}
	}
	return ks
}()

// shuffled makes a stream of mentions of n articles over span, out of
// event-time order by up to lateness: each record's event time is
// within lateness of the largest before it. Some articles are sent twice
// (duplicates) and some republished with a later event time under the
// same id.
func shuffled(seed uint64, n, partitions int, span, lateness time.Duration) []in {
	rng := rand.New(rand.NewPCG(seed, 7))
	type keyed struct {
		sortAt time.Duration
		x      in
	}
	var ks []keyed
	add := func(id string, at time.Duration, ents []string) {
		for _, e := range ents {
			j := time.Duration(rng.Int64N(int64(lateness)))
			ks = append(ks, keyed{at + j, in{partition: partitionOf(e, partitions), m: mention(e, id, at)}})
		}
	}
	for i := range n {
		id := fmt.Sprintf("a-%d", i)
		if i%7 == 0 {
			id = fmt.Sprintf("a|%d|x", i)
		}
		at := time.Duration(rng.Int64N(int64(span))).Truncate(time.Millisecond)
		var ents []string
		for range 1 + rng.IntN(4) {
			r := rng.Float64()
			e := entityKeys[int(r*r*float64(len(entityKeys)))]
			if !slices.Contains(ents, e) {
				ents = append(ents, e)
			}
		}
		add(id, at, ents)
		switch {
		case i%29 == 0:
			add(id, at, ents) // duplicate
		case i%31 == 0:
			add(id, at+3*time.Minute, ents) // republished
		}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return int(a.sortAt - b.sortAt) })
	xs := make([]in, len(ks))
	for i, k := range ks {
		xs[i] = k.x
	}
	return xs
}

// bruteForce counts, for every window key, the distinct article ids with
// that entity whose event time falls in the window.
func bruteForce(t testing.TB, xs []in, window, hop time.Duration) map[string]int {
	t.Helper()
	ids := map[string]map[string]bool{}
	for _, x := range xs {
		at, err := time.Parse(time.RFC3339, x.m.EventTime)
		if err != nil {
			t.Fatal(err)
		}
		for s := at.Truncate(hop); s.Add(window).After(at); s = s.Add(-hop) {
			k := trends.TrendKey(x.m.Entity.Type, x.m.Entity.Name, s)
			if ids[k] == nil {
				ids[k] = map[string]bool{}
			}
			ids[k][x.m.Article] = true
		}
	}
	out := map[string]int{}
	for k, s := range ids {
		out[k] = len(s)
	}
	return out
}

// checkExact fails unless the latest count of every key is the brute-force
// count, and every key has one.
func checkExact(t *testing.T, h *harness, want map[string]int) {
	t.Helper()
	got := h.latest()
	bad := 0
	for k, n := range want {
		if tr, ok := got[k]; !ok || tr.Count != n {
			if bad++; bad <= 5 {
				t.Errorf("%s: latest count %d (present %v), brute force %d", k, tr.Count, ok, n)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: a trend record for a window without articles", k)
		}
	}
	if bad > 5 {
		t.Errorf("… %d keys wrong of %d", bad, len(want))
	}
}

// checkFinals fails if a key has more than one final, or the set of keys
// with a final differs from want's.
func checkFinals(t *testing.T, got, want map[string]int) {
	t.Helper()
	for k, n := range got {
		if n != 1 {
			t.Errorf("%s: %d finals", k, n)
		}
	}
	for k := range want {
		if got[k] == 0 {
			t.Errorf("%s: no final", k)
		}
	}
	for k := range got {
		if want[k] == 0 {
			t.Errorf("%s: a final the uninterrupted run has not", k)
		}
	}
}

var windowings = []struct {
	name string
	opt  trends.Options
}{
	{"tumbling 1h", trends.Options{}},
	{"hopping 1h every 20m", trends.Options{Hop: 20 * time.Minute}},
	{"tumbling 15m, lateness 30m", trends.Options{Window: 15 * time.Minute, AllowedLateness: 30 * time.Minute}},
}

func TestLatestCountsAreExact(t *testing.T) {
	const partitions = 3
	for _, w := range windowings {
		t.Run(w.name, func(t *testing.T) {
			probe := w.opt
			probe.TrendsTopic = trendsTopic
			if err := probe.Validate(); err != nil {
				t.Fatal(err)
			}
			xs := shuffled(1, 500, partitions, 8*time.Hour, probe.AllowedLateness)
			want := bruteForce(t, xs, probe.Window, probe.Hop)

			ref := newHarness(t, w.opt, partitions)
			ref.feedAll(xs)
			checkExact(t, ref, want)
			if n := testutil.ToFloat64(ref.metrics.Late); n != 0 {
				t.Errorf("%v late mentions in a stream within the allowed lateness", n)
			}
			refRaw, refFinals := ref.latestRaw(), ref.finals()
			t.Logf("%d mentions, %d windows, %d final, %v trend records", len(xs), len(want), len(refFinals),
				testutil.ToFloat64(ref.metrics.Updates)+testutil.ToFloat64(ref.metrics.Finals))
			if len(refFinals) < len(want)/2 {
				t.Errorf("only %d of %d windows final", len(refFinals), len(want))
			}
			// Every window that ended an hour before the end of the stream
			// is final.
			end := base.Add(8*time.Hour - probe.AllowedLateness - time.Hour)
			for _, tr := range ref.latest() {
				if !tr.Window.End.After(end) && !tr.Final {
					t.Errorf("%s@%v: not final", tr.Entity.Name, tr.Window.Start)
				}
			}

			t.Run("replays change nothing", func(t *testing.T) {
				h := newHarness(t, w.opt, partitions)
				h.feedAll(xs)
				h.feedAll(xs[:len(xs)/2])   // long closed windows: late
				h.feedAll(xs[len(xs)-300:]) // open windows: re-emitted
				if d := diffRaw(h.latestRaw(), refRaw); d != "" {
					t.Errorf("latest values changed by the replay:\n%s", d)
				}
				checkFinals(t, h.finals(), refFinals)
				if testutil.ToFloat64(h.metrics.Late)+testutil.ToFloat64(h.metrics.Replays) < float64(len(xs)/2+300) {
					t.Errorf("replayed mentions not seen as late or replays")
				}
				if testutil.ToFloat64(h.metrics.Replays) == 0 {
					t.Errorf("no replay found its article counted already")
				}
			})
			t.Run("kill -9 in the middle of a write", func(t *testing.T) {
				for _, cut := range []int{len(xs) / 5, len(xs) / 2} {
					for _, keep := range []float64{0.2, 0.5, 0.9} {
						h := newHarness(t, w.opt, partitions)
						h.feedAll(xs[:cut+120])
						h.crashMidWrite(cut, keep)
						h.feedAll(xs[cut:])
						// Counted once: no count over the brute force, and
						// no final with a wrong count, nor two finals.
						stale := 0
						for k, tr := range h.latest() {
							if tr.Count > want[k] || tr.Final && tr.Count != want[k] {
								t.Errorf("cut %d, keep %v: %s: count %d (final %v), brute force %d", cut, keep, k, tr.Count, tr.Final, want[k])
							}
							if tr.Count != want[k] || !tr.Final && refFinals[k] == 1 {
								stale++
							}
						}
						// Windows closed by the interrupted batch may keep
						// a stale latest record (see the package doc).
						t.Logf("cut %d, keep %v: %d of %d windows without their final value", cut, keep, stale, len(want))
						for k, n := range h.finals() {
							if n > 1 {
								t.Errorf("cut %d, keep %v: %s: %d finals", cut, keep, k, n)
							}
						}
					}
				}
			})
			t.Run("indexing while the restore reads equals indexing the restored store", func(t *testing.T) {
				// The claim hook indexes memberships as the changelog is
				// read, tombstones included (Restoring.Take); Restored
				// indexes a store that holds the compacted changelog. After
				// a crash mid-write (orphan windows, partly deleted) both
				// must go on to the same outputs.
				for _, cut := range []int{len(xs) / 5, len(xs) / 2} {
					for _, keep := range []float64{0.2, 0.9} {
						var runs [2][]string
						for i, byRange := range []bool{false, true} {
							h := newHarness(t, w.opt, partitions)
							h.restoreByRange = byRange
							h.feedAll(xs[:cut+120])
							h.crashMidWrite(cut, keep)
							from := len(h.log)
							h.feedAll(xs[cut:])
							for _, s := range h.log[from:] {
								var changelog []string
								for _, r := range s.outs {
									if r.Topic == trendsTopic {
										runs[i] = append(runs[i], string(r.Key)+" "+string(r.Value))
									} else {
										changelog = append(changelog, fmt.Sprintf("%s=%q", r.Key, r.Value))
									}
								}
								sort.Strings(changelog) // a close's tombstones follow the index's order
								runs[i] = append(runs[i], strings.Join(changelog, " "))
							}
						}
						if i := firstDiff(runs[0], runs[1]); i >= 0 {
							t.Errorf("cut %d, keep %v: outputs after the restart differ at %d of %d/%d:\nwhile reading:  %s\nrestored store: %s",
								cut, keep, i, len(runs[0]), len(runs[1]), at(runs[0], i), at(runs[1], i))
						}
					}
				}
			})
			for _, cut := range []int{0, len(xs) / 5, len(xs) / 2, len(xs) - 3} {
				t.Run(fmt.Sprintf("kill -9 at %d then restart", cut), func(t *testing.T) {
					h := newHarness(t, w.opt, partitions)
					h.feedAll(xs[:min(cut+40, len(xs))])
					h.crash(cut) // the outputs after cut were never written
					h.feedAll(xs[cut:])
					if d := diffRaw(h.latestRaw(), refRaw); d != "" {
						t.Errorf("latest values differ from the uninterrupted run:\n%s", d)
					}
					checkFinals(t, h.finals(), refFinals)
				})
				t.Run(fmt.Sprintf("restart at %d and replay from %d", cut+40, cut), func(t *testing.T) {
					h := newHarness(t, w.opt, partitions)
					h.feedAll(xs[:min(cut+40, len(xs))])
					h.crash(len(h.log)) // all written, the offsets of the last 40 not committed
					h.feedAll(xs[cut:])
					if d := diffRaw(h.latestRaw(), refRaw); d != "" {
						t.Errorf("latest values differ from the uninterrupted run:\n%s", d)
					}
					checkFinals(t, h.finals(), refFinals)
				})
			}
		})
	}
}

// firstDiff is the first index at which a and b differ, or -1.
func firstDiff(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}

// at is s[i], or "(none)" past its end.
func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}
