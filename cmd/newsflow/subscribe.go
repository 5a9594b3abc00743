package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/kafkasec"
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
	idle := fs.Duration("idle-timeout", 0, "exit when no record arrives for this long (0: never)")
	var sec kafkasec.Options
	app.RegisterSecurity(fs, &sec)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	dialer, err := withEnv(e, sec).Dialer(0)
	if err != nil {
		return usageError{err}
	}
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
	conn, err := dialer.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return fmt.Errorf("connect to %s: %w", brokers[0], err)
	}
	parts, err := conn.ReadPartitions(*topic)
	conn.Close()
	if err != nil {
		return fmt.Errorf("read partitions of %s: %w", *topic, err)
	}
	start := kafka.LastOffset
	if *fromBeginning {
		start = kafka.FirstOffset
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	count := 0
	lastSeen := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range parts {
		g.Go(func() error {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Dialer: dialer, Topic: *topic, Partition: p.ID, MaxWait: 200 * time.Millisecond})
			defer r.Close()
			if err := r.SetOffset(start); err != nil {
				return err
			}
			for {
				m, err := r.ReadMessage(gctx) // no group: nothing is committed
				if err != nil {
					if gctx.Err() != nil {
						return nil
					}
					return fmt.Errorf("read %s/%d: %w", *topic, p.ID, err)
				}
				mu.Lock()
				if *maxN == 0 || count < *maxN {
					printRecord(e.stdout, *format, m)
					count++
					lastSeen = time.Now()
				}
				done := *maxN > 0 && count >= *maxN
				mu.Unlock()
				if done {
					cancel()
					return nil
				}
			}
		})
	}
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

func printRecord(w io.Writer, format string, m kafka.Message) {
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
