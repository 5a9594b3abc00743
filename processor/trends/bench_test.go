package trends_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
)

// BenchmarkAggregator measures one mention through the aggregator: decode,
// count in a 1 h window, trend record, and its share of the windows'
// closes (finals, baselines, tombstones). 200 entities, one mention per
// second of event time (~18 per entity and window), 4 partitions.
func BenchmarkAggregator(b *testing.B) {
	for _, bc := range []struct {
		name string
		opt  trends.Options
	}{
		{"tumbling", trends.Options{}},
		{"hopping 1h every 15m", trends.Options{Hop: 15 * time.Minute}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const partitions = 4
			rng := rand.New(rand.NewPCG(1, 2))
			arts := make([]*processor.Article, b.N)
			for i := range arts {
				e := fmt.Sprintf("%s:Entity %d", []string{"PERSON", "ORG", "LOC"}[i%3], int(200*rng.Float64()*rng.Float64()))
				m := mention(e, fmt.Sprint("article-", i), time.Duration(i)*time.Second)
				v, err := json.Marshal(m)
				if err != nil {
					b.Fatal(err)
				}
				arts[i] = &processor.Article{Raw: v, Key: []byte(e), SourcePos: processor.Position{Partition: partitionOf(e, partitions)}}
			}
			opt := bc.opt
			opt.TrendsTopic = trendsTopic
			agg, err := trends.NewAggregator(opt)
			if err != nil {
				b.Fatal(err)
			}
			for p := range partitions {
				agg.Restored(p, newMemStore(p))
			}
			ctx := b.Context()
			b.ReportAllocs()
			b.ResetTimer()
			outs := 0
			for i := range b.N {
				if _, err := agg.Process(ctx, arts[i]); err != nil {
					b.Fatal(err)
				}
				outs += len(arts[i].SideOutputs)
				arts[i] = nil
			}
			b.ReportMetric(float64(outs)/float64(b.N), "records/op")
		})
	}
}

// BenchmarkMembershipMemory measures the live heap per membership (an
// article counted in an entity's window) of open windows: b.N mentions of
// 36-byte ids, all in one hour, over 10,000 entities (Zipf-like), so no
// window closes. It reports B/membership, the figure behind the memory
// budget in docs/state.md.
func BenchmarkMembershipMemory(b *testing.B) {
	const partitions = 4
	rng := rand.New(rand.NewPCG(3, 4))
	agg, err := trends.NewAggregator(trends.Options{TrendsTopic: trendsTopic, Metrics: trends.NewMetrics()})
	if err != nil {
		b.Fatal(err)
	}
	for p := range partitions {
		agg.Restored(p, trends.NewMapStore()) // keeps no changelog, as state.Store
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range b.N {
		// Made here, not beforehand: the articles' memory would be freed
		// while the memberships grow, and hide them.
		e := fmt.Sprintf("%s:Entity %d", []string{"PERSON", "ORG", "LOC"}[i%3], int(10000*rng.Float64()*rng.Float64()))
		m := mention(e, fmt.Sprintf("article-%028d", i), 10*time.Hour+time.Duration(i%3000)*time.Millisecond)
		v, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		a := &processor.Article{Raw: v, Key: []byte(e), SourcePos: processor.Position{Partition: partitionOf(e, partitions)}}
		if _, err := agg.Process(b.Context(), a); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "B/membership")
	runtime.KeepAlive(agg)
}
