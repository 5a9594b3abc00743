package engine

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/newsflow/newsflow/internal/broker"
)

func TestEnsureTopicsAndTheMessageLimitCheck(t *testing.T) {
	b, err := broker.Start(broker.Options{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr := &kafka.Transport{}
	if err := EnsureTopics(ctx, b.Addrs(), tr, 2, -1, "out", "dlq"); err != nil {
		t.Fatal(err)
	}
	// Existing topics are fine the second time.
	if err := EnsureTopics(ctx, b.Addrs(), tr, 2, -1, "out", "dlq"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The default broker takes 1,048,588 bytes.
	if err := CheckMessageLimit(ctx, b.Addrs(), tr, 1_000_000, log, "out", "dlq"); err != nil {
		t.Errorf("1,000,000 bytes: %v", err)
	}
	err = CheckMessageLimit(ctx, b.Addrs(), tr, 2_000_000, log, "out", "dlq")
	if err == nil || !strings.Contains(err.Error(), "max.message.bytes") || !strings.Contains(err.Error(), "--max-message-bytes") {
		t.Errorf("2,000,000 bytes on a 1 MiB topic: err = %v", err)
	}
	if err := EnsureTopics(ctx, b.Addrs(), tr, 0, -1, "x"); err == nil {
		t.Error("0 partitions accepted")
	}
}

func TestTheMessageLimitFollowsTheBrokerSetting(t *testing.T) {
	b, err := broker.Start(broker.Options{Partitions: 1, Topics: []string{"out"}, Extra: []kfake.Opt{
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "8388608"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := CheckMessageLimit(ctx, b.Addrs(), nil, 6<<20, slog.New(slog.NewTextHandler(io.Discard, nil)), "out"); err != nil {
		t.Errorf("6 MiB under an 8 MiB broker limit: %v", err)
	}
}

func TestNewMetricsRegistersOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveStage("decode", time.Millisecond, nil)
	if _, err := NewMetrics(reg); err == nil {
		t.Error("second registration accepted")
	}
}
