// Package state is newsflow's state layer: key→value tables kept in memory
// and backed by compacted Kafka changelog topics, in the two kinds Kafka
// Streams and Goka have.
//
//   - A Global table: every instance reads every partition of the
//     changelog, restores it to its end before it processes a record, then
//     follows it, so updates written by any instance reach all of them. The
//     near-duplicate fingerprints live in one.
//   - A Partitioned store: one store per input partition of the topic it
//     aggregates, in the changelog partition of the same number, restored
//     only by the instance that owns the input partition, when it claims it
//     and before any of its records is processed.
//
// Writes: a state update is an output of the input record that caused it.
// The caller writes the changelog record this package returns (or one it
// builds itself, for a Global table) in the same ordered write as the
// record's other outputs, so that the update gates the offset commit
// (at-least-once) or is part of the same transaction (exactly-once). The
// in-memory table may run ahead of the changelog for updates whose write is
// not acknowledged yet; when such a write fails for good, the partition is
// consumed again and a Partitioned store restored again, and a Global
// table's entry is written again by the replayed record.
//
// Reads of a changelog are read_committed: updates of aborted transactions
// are never applied, and a restore reads to the high watermark it saw when
// it began, so it waits for every transaction open then to commit or abort
// (see consumer.ReadConfig.CaughtUp).
package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/consumer"
)

// Config is what both kinds need to read a changelog.
type Config struct {
	Brokers   []string // required
	Topic     string   // required: the changelog topic (cleanup.policy=compact)
	Name      string   // required: the store's name, the "store" label of its metrics
	Dialer    *kafka.Dialer
	Transport *kafka.Transport
	// Metrics receives the state series; default: an unregistered set.
	Metrics *Metrics
	Logger  *slog.Logger
}

func (c *Config) setDefaults() error {
	if len(c.Brokers) == 0 || c.Topic == "" || c.Name == "" {
		return errors.New("state: brokers, a changelog topic and a store name are required")
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c.Metrics.init(c.Name)
	return nil
}

// ChangelogConfigs are the topic settings of a changelog topic newsflow
// creates: compacted, so that the log keeps the last value of each key and
// a tombstone (a null value) deletes it.
func ChangelogConfigs() map[string]string {
	return map[string]string{"cleanup.policy": "compact"}
}

// partitions returns the partition ids of the changelog (without ever
// creating it: see consumer.Partitions).
func partitions(ctx context.Context, cfg *Config) ([]int, error) {
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Timeout: 10 * time.Second}
	if cfg.Transport != nil {
		client.Transport = cfg.Transport
	}
	ps, err := consumer.Partitions(ctx, client, cfg.Topic)
	if err != nil {
		return nil, fmt.Errorf("state: changelog: %w", err)
	}
	return ps, nil
}
