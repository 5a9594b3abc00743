package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/internal/reach"
	"github.com/newsflow/newsflow/record"
)

// cmdSubscribe is `newsflow subscribe`: print the records of a topic, from
// every partition, without joining a group (it commits nothing).
func cmdSubscribe(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("subscribe", flag.ContinueOnError)
	var brokers config.List
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers, HOST:PORT[,…] (required)")
	topic := fs.String("topic", "articles.enriched", "topic to read")
	fromBeginning := fs.Bool("from-beginning", false, "start at the oldest record instead of new ones")
	maxN := fs.Int("max", 0, "exit after this many records (0: run until stopped)")
	format := fs.String("format", "pretty", "pretty (indented JSON with a header line) or raw (JSON Lines, the value only)")
	isolation := fs.String("isolation", "read_committed", "records written in transactions: read_committed (skip aborted ones) or read_uncommitted")
	idle := fs.Duration("idle-timeout", 0, "exit when no record arrives for this long (0: never)")
	connectTimeout := fs.Duration("connect-timeout", 15*time.Second, "how long to keep trying to reach the brokers")
	var sec kafkasec.Options
	app.RegisterSecurity(fs, &sec)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	sec = withEnv(e, sec)
	dialer, err := sec.Dialer(0)
	if err != nil {
		return usageError{err}
	}
	transport, err := sec.Transport()
	if err != nil {
		return usageError{err}
	}
	defer transport.CloseIdleConnections()
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	if err := config.CheckHostPorts("brokers", brokers); err != nil {
		return usageError{err}
	}
	if *format != "pretty" && *format != "raw" {
		return usageError{fmt.Errorf("--format must be pretty or raw, got %q", *format)}
	}
	if *maxN < 0 {
		return usageError{fmt.Errorf("--max must not be negative, got %d", *maxN)}
	}
	if *idle < 0 {
		return usageError{fmt.Errorf("--idle-timeout must not be negative, got %v", *idle)}
	}
	if err := config.CheckPositive("connect-timeout", *connectTimeout); err != nil {
		return usageError{err}
	}
	rctx, stopReach := context.WithTimeout(ctx, *connectTimeout)
	err = explainReach(sec, reach.Check(rctx, brokers, transport, slog.New(slog.NewTextHandler(e.stderr, nil))))
	stopReach()
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted
		}
		return err
	}
	parts, err := topicPartitions(ctx, brokers, transport, *topic)
	if err != nil {
		var missing *missingTopicError
		if errors.As(err, &missing) {
			return usageError{err}
		}
		return err
	}
	iso, err := consumer.ParseIsolation(*isolation)
	if err != nil {
		return usageError{fmt.Errorf("--%w", err)}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	count := 0
	lastSeen := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		// No group: nothing is committed. Transaction markers are never
		// printed; with read_committed, aborted records are not either.
		err := consumer.Read(gctx, consumer.ReadConfig{Brokers: brokers, Topic: *topic, Partition: parts,
			FromBeginning: *fromBeginning, Dialer: dialer, Transport: transport, Isolation: iso},
			func(m record.Record) error {
				mu.Lock()
				defer mu.Unlock()
				if *maxN == 0 || count < *maxN {
					printRecord(e.stdout, *format, m)
					count++
					lastSeen = time.Now()
				}
				if *maxN > 0 && count >= *maxN {
					cancel()
				}
				return nil
			})
		if err != nil {
			return fmt.Errorf("read %s: %w", *topic, err)
		}
		return nil
	})
	if *idle > 0 {
		g.Go(func() error {
			t := time.NewTicker(*idle / 10)
			defer t.Stop()
			for {
				select {
				case <-gctx.Done():
					return nil
				case <-t.C:
					mu.Lock()
					quiet := time.Since(lastSeen) > *idle
					mu.Unlock()
					if quiet {
						cancel()
						return nil
					}
				}
			}
		})
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func printRecord(w io.Writer, format string, m record.Record) {
	if format == "raw" {
		w.Write(m.Value)
		io.WriteString(w, "\n")
		return
	}
	fmt.Fprintf(w, "── %s/%d@%d key=%q %s\n", m.Topic, m.Partition, m.Offset, m.Key, m.Time.UTC().Format(time.RFC3339))
	for _, h := range m.Headers {
		fmt.Fprintf(w, "   %s: %s\n", h.Key, h.Value)
	}
	var buf bytes.Buffer
	if json.Indent(&buf, m.Value, "", "  ") == nil {
		buf.WriteByte('\n')
		w.Write(buf.Bytes())
		return
	}
	fmt.Fprintf(w, "%q\n", m.Value)
}

// explainReach adds to each address of a reach.Check error the hint of
// kafkasec (a TLS or SASL setting to fix), when it has one.
func explainReach(sec kafkasec.Options, err error) error {
	var re *reach.Error
	if errors.As(err, &re) {
		re.Explain(sec.Explain)
	}
	return err
}

// missingTopicError says that a topic does not exist, with the likely
// intended one when the name looks like a typo of an existing topic.
type missingTopicError struct {
	topic    string
	existing []string // sorted, without internal topics
}

func (e *missingTopicError) Error() string {
	msg := fmt.Sprintf("topic %q does not exist", e.topic)
	if s := config.Suggest(e.topic, e.existing); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	switch n := len(e.existing); {
	case n == 0:
		return msg + " (the brokers have no topics yet)"
	case n <= 8:
		return msg + " (existing topics: " + strings.Join(e.existing, ", ") + ")"
	default:
		return msg + fmt.Sprintf(" (existing topics: %s, and %d more)", strings.Join(e.existing[:8], ", "), n-8)
	}
}

// topicPartitions returns the partition ids of topic (consumer.Partitions,
// which never auto-creates a topic), or a *missingTopicError naming the
// topics that do exist when the brokers do not know it.
func topicPartitions(ctx context.Context, brokers []string, transport *kafka.Transport, topic string) ([]int, error) {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if transport != nil {
		client.Transport = transport
	}
	ids, err := consumer.Partitions(ctx, client, topic)
	if err == nil {
		return ids, nil
	}
	if !errors.Is(err, kafka.UnknownTopicOrPartition) {
		return nil, fmt.Errorf("from %s: %w", strings.Join(brokers, ","), err)
	}
	// Only on this error path: list the topics there are, for the message.
	var existing []string
	if md, merr := client.Metadata(ctx, &kafka.MetadataRequest{}); merr == nil {
		for _, t := range md.Topics {
			if !t.Internal && t.Error == nil {
				existing = append(existing, t.Name)
			}
		}
	}
	sort.Strings(existing)
	return nil, &missingTopicError{topic: topic, existing: existing}
}
