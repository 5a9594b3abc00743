package trends_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
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
