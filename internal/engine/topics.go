package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopics creates the topics that do not exist yet, with partitions
// partitions and the given replication factor (-1: the broker's default),
// and waits until the brokers report them. Auto-creation is never relied on
// (it can hang or race, kafka-go #1208, #806). Existing topics are left as
// they are. It retries transient errors until ctx is done.
func EnsureTopics(ctx context.Context, brokers []string, transport *kafka.Transport, partitions, replication int, topics ...string) error {
	specs := make([]TopicSpec, len(topics))
	for i, t := range topics {
		specs[i] = TopicSpec{Name: t, Partitions: partitions, Replication: replication}
	}
	return EnsureTopicSpecs(ctx, brokers, transport, specs...)
}

// TopicSpec is a topic to create: its name, partitions (at least 1),
// replication factor (-1: the broker's default) and topic configuration
// (e.g. cleanup.policy=compact for a changelog).
type TopicSpec struct {
	Name        string
	Partitions  int
	Replication int
	Configs     map[string]string
}

// EnsureTopicSpecs is EnsureTopics for topics that differ in partitions or
// configuration. Existing topics are left as they are.
func EnsureTopicSpecs(ctx context.Context, brokers []string, transport *kafka.Transport, specs ...TopicSpec) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if transport != nil {
		client.Transport = transport
	}
	req := &kafka.CreateTopicsRequest{}
	var topics []string
	for _, sp := range specs {
		if sp.Partitions < 1 {
			return fmt.Errorf("engine: topic %s: partitions %d must be at least 1", sp.Name, sp.Partitions)
		}
		tc := kafka.TopicConfig{Topic: sp.Name, NumPartitions: sp.Partitions, ReplicationFactor: sp.Replication}
		keys := make([]string, 0, len(sp.Configs))
		for k := range sp.Configs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: k, ConfigValue: sp.Configs[k]})
		}
		req.Topics = append(req.Topics, tc)
		topics = append(topics, sp.Name)
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

// CheckMessageLimit checks that every topic accepts records of limit bytes:
// its max.message.bytes (or the broker's message.max.bytes it inherits)
// must be at least limit, the size newsflow cuts its outputs and dead
// letters to. A topic that takes less would refuse the largest outputs and
// dead letters for good. It returns an error saying what to change, or nil.
// Topics whose configuration cannot be read (no DescribeConfigs permission,
// or a broker without it) are logged and passed over.
func CheckMessageLimit(ctx context.Context, brokers []string, transport *kafka.Transport, limit int64, log *slog.Logger, topics ...string) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if transport != nil {
		client.Transport = transport
	}
	req := &kafka.DescribeConfigsRequest{}
	for _, t := range topics {
		req.Resources = append(req.Resources, kafka.DescribeConfigRequestResource{
			ResourceType: kafka.ResourceTypeTopic, ResourceName: t,
		})
	}
	resp, err := client.DescribeConfigs(ctx, req)
	if err != nil {
		log.Warn("cannot read the topics' max.message.bytes; not checked", "topics", topics, "err", err)
		return nil
	}
	for _, r := range resp.Resources {
		if r.Error != nil {
			log.Warn("cannot read the topic's max.message.bytes; not checked", "topic", r.ResourceName, "err", r.Error)
			continue
		}
		// The topic's own setting wins; else the broker's message.max.bytes
		// (some brokers, e.g. the embedded one, list it among the topic's
		// entries instead of folding it into max.message.bytes); else the
		// default.
		v, rank := int64(-1), 0
		for _, e := range r.ConfigEntries {
			n, err := strconv.ParseInt(e.ConfigValue, 10, 64)
			if err != nil {
				continue
			}
			var rk int
			switch {
			case e.ConfigName == "max.message.bytes" && e.ConfigSource == 1: // DYNAMIC_TOPIC_CONFIG
				rk = 3
			case e.ConfigName == "message.max.bytes":
				rk = 2
			case e.ConfigName == "max.message.bytes":
				rk = 1
			}
			if rk > rank {
				v, rank = n, rk
			}
		}
		if v >= 0 {
			if v < limit {
				return fmt.Errorf("topic %s takes records of at most %d bytes (max.message.bytes), below --max-message-bytes %d: set --max-message-bytes to %d or less, or raise the topic's max.message.bytes", r.ResourceName, v, limit, v)
			}
		}
	}
	return nil
}

// TopicConfig returns the value of one configuration entry of a topic, as
// the broker describes it (the topic's own setting or the default it
// inherits), and whether the broker listed it.
func TopicConfig(ctx context.Context, brokers []string, transport *kafka.Transport, topic, name string) (string, bool, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if transport != nil {
		client.Transport = transport
	}
	resp, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{name},
	}}})
	if err != nil {
		return "", false, fmt.Errorf("describe the configuration of topic %s: %w", topic, err)
	}
	for _, r := range resp.Resources {
		if r.Error != nil {
			return "", false, fmt.Errorf("describe the configuration of topic %s: %w", topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName == name {
				return e.ConfigValue, true, nil
			}
		}
	}
	return "", false, nil
}
