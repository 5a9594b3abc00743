package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/config"
)

// cmdBroker is `newsflow broker`: the embedded Kafka-protocol broker as a
// standalone process until SIGINT/SIGTERM. Data lives in memory only.
func cmdBroker(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9092", "address to listen on")
	partitions := fs.Int("partitions", 3, "partitions of the topics given with --topics and of auto-created topics")
	var topics config.List
	fs.Var(&topics, "topics", "topics to create at start, comma-separated")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	if err := config.CheckHostPort("listen", *listen); err != nil {
		return usageError{err}
	}
	if *partitions < 1 {
		return usageError{fmt.Errorf("--partitions must be at least 1, got %d", *partitions)}
	}
	b, err := broker.Start(broker.Options{Listen: *listen, Topics: topics, Partitions: *partitions})
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(e.stdout, "newsflow broker listening on %s (Kafka protocol, in memory); Ctrl-C to stop\n", strings.Join(b.Addrs(), ","))
	<-ctx.Done()
	return nil
}
