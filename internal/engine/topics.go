package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopics creates the topics that do not exist yet, with partitions
// partitions and the given replication factor (-1: the broker's default),
// and waits until the brokers report them. Auto-creation is never relied on
// (it can hang or race, kafka-go #1208, #806). Existing topics are left as
// they are. It retries transient errors until ctx is done.
func EnsureTopics(ctx context.Context, brokers []string, transport *kafka.Transport, partitions, replication int, topics ...string) error {
	if partitions < 1 {
		return fmt.Errorf("engine: partitions %d must be at least 1", partitions)
	}
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if transport != nil {
		client.Transport = transport
	}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: replication})
	}
	backoff := 100 * time.Millisecond
	for {
		err := createAndWait(ctx, client, req, topics)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("engine: create topics %v: %w (last error: %w)", topics, ctx.Err(), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("engine: create topics %v: %w (last error: %w)", topics, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func createAndWait(ctx context.Context, client *kafka.Client, req *kafka.CreateTopicsRequest, topics []string) error {
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return err
	}
	for t, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			return fmt.Errorf("topic %s: %w", t, terr)
		}
	}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return err
	}
	for _, t := range md.Topics {
		if t.Error != nil {
			return fmt.Errorf("topic %s: %w", t.Name, t.Error)
		}
		if len(t.Partitions) == 0 {
			return fmt.Errorf("topic %s has no partitions yet", t.Name)
		}
	}
	return nil
}
