package consumer

import (
	"context"
	"fmt"
	"sort"

	"github.com/segmentio/kafka-go"
)

// Partitions returns the partition ids of topic, sorted, through client.
// It asks for the metadata of every topic: asking for one by name may
// create it on brokers that auto-create topics (with the broker's default
// settings, e.g. a changelog that is not compacted). A topic the brokers
// do not know is an error wrapping kafka.UnknownTopicOrPartition.
func Partitions(ctx context.Context, client *kafka.Client, topic string) ([]int, error) {
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("topic %q: %w", topic, t.Error)
		}
		ids := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ids = append(ids, p.ID)
		}
		sort.Ints(ids)
		return ids, nil
	}
	return nil, fmt.Errorf("topic %q does not exist: %w", topic, kafka.UnknownTopicOrPartition)
}
