package trends_test

import (
	"sync"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/record"
)

// TestConcurrentPartitions processes the partitions from one goroutine
// each (in order within each), with Top and a claim of another partition
// running beside them: the counts stay exact, since every mention of an
// entity is in one partition.
func TestConcurrentPartitions(t *testing.T) {
	const partitions = 3
	xs := shuffled(5, 300, partitions, 6*time.Hour, trends.DefaultAllowedLateness)
	want := bruteForce(t, xs, time.Hour, time.Hour)
	agg, err := trends.NewAggregator(trends.Options{TrendsTopic: trendsTopic})
	if err != nil {
		t.Fatal(err)
	}
	for p := range partitions {
		agg.Restored(p, newMemStore(p))
	}
	logs := make([][]record.Record, partitions)
	var wg sync.WaitGroup
	for p := range partitions {
		wg.Go(func() {
			for _, x := range xs {
				if x.partition != p {
					continue
				}
				a := article(x)
				if _, err := agg.Process(t.Context(), a); err != nil {
					t.Error(err)
					return
				}
				logs[p] = append(logs[p], a.SideOutputs...)
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			agg.Top(5)
			agg.Restored(partitions, newMemStore(partitions))
			agg.Dropped(partitions)
		}
	})
	wg.Wait()
	latest := map[string]trends.Trend{}
	for _, l := range logs {
		for _, tr := range trendsOf(t, l) {
			latest[trends.TrendKey(tr.Entity.Type, tr.Entity.Name, tr.Window.Start)] = tr
		}
	}
	if len(latest) != len(want) {
		t.Errorf("%d keys, want %d", len(latest), len(want))
	}
	for k, n := range want {
		if latest[k].Count != n {
			t.Errorf("%s: count %d, want %d", k, latest[k].Count, n)
		}
	}
}
