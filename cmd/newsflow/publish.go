package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/batch"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/internal/reach"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/producer"
)

// cmdPublish is `newsflow publish`: JSON Lines files (one article per line)
// or plain-text files (one article per file), or "-" for JSON Lines on
// stdin, or the bundled samples, to a topic.
//
// Files are read in full before the brokers are contacted: a missing file
// or a record over --max-record-bytes is reported (naming the file and the
// line) before anything is published. Nothing is ever dropped or cut.
func cmdPublish(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	var brokers config.List
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers, HOST:PORT[,…] (required)")
	topic := fs.String("topic", "articles.raw", "topic to publish to")
	useSamples := fs.Bool("samples", false, "publish the bundled sample articles (and no files)")
	loop := fs.Bool("loop", false, "with --samples: publish them again and again, with fresh ids, until stopped")
	rate := fs.Float64("rate", 0, "articles per second (0: as fast as possible)")
	maxBytes := fs.Int("max-record-bytes", 8<<20, "largest record: a longer JSON line or a larger plain-text file is an error")
	create := fs.Bool("create-topic", false, "create the topic if it does not exist (with --partitions)")
	partitions := fs.Int("partitions", 3, "partitions of a topic created with --create-topic")
	connectTimeout := fs.Duration("connect-timeout", 15*time.Second, "how long to keep trying to reach the brokers")
	var sec kafkasec.Options
	app.RegisterSecurity(fs, &sec)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	sec = withEnv(e, sec)
	transport, err := sec.Transport()
	if err != nil {
		return usageError{err}
	}
	if err := config.CheckHostPorts("brokers", brokers); err != nil {
		return usageError{err}
	}
	if *useSamples == (fs.NArg() > 0) {
		return usageError{errors.New("give files to publish (or - for stdin), or --samples, but not both")}
	}
	if *loop && !*useSamples {
		return usageError{errors.New("--loop only goes with --samples")}
	}
	if *rate < 0 {
		return usageError{fmt.Errorf("--rate must not be negative, got %v", *rate)}
	}
	if *maxBytes < 1 {
		return usageError{fmt.Errorf("--max-record-bytes must be at least 1, got %d", *maxBytes)}
	}
	if err := config.CheckPositive("connect-timeout", *connectTimeout); err != nil {
		return usageError{err}
	}
	if n := slices.Index(fs.Args(), "-"); n >= 0 && slices.Index(fs.Args()[n+1:], "-") >= 0 {
		return usageError{errors.New(`stdin ("-") can be given only once`)}
	}

	// Every file first, before any broker is contacted.
	var arts []samples.Record
	total := 0 // records to publish; -1: not known in advance
	if *useSamples {
		if arts, err = samples.Articles(); err != nil {
			return err
		}
		total = len(arts)
		if *loop {
			total = -1
		}
	} else {
		if total, err = scanFiles(fs.Args(), *maxBytes); err != nil {
			return err
		}
	}

	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	rctx, cancel := context.WithTimeout(ctx, *connectTimeout)
	err = explainReach(sec, reach.Check(rctx, brokers, transport, log))
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted
		}
		return err
	}
	if err := checkTopic(ctx, brokers, transport, *topic, *create, *partitions); err != nil {
		return err
	}
	prod, err := producer.New(producer.Config{Brokers: brokers, Transport: transport})
	if err != nil {
		return usageError{err}
	}
	defer prod.Close()
	bar := newProgress(e.stderr, total)
	done := 0
	send := func(recs []samples.Record, suffix string) error {
		if err := throttle(ctx, *rate, len(recs)); err != nil {
			return err
		}
		if err := publishRecords(ctx, prod, *topic, recs, suffix, nil); err != nil {
			return fmt.Errorf("publish to %s: %w", *topic, err)
		}
		done += len(recs)
		bar.update(done)
		return nil
	}
	finish := func(err error) error {
		bar.done()
		fmt.Fprintf(e.stdout, "published %s to %s\n", plural(done, "record", "records"), *topic)
		if err != nil && ctx.Err() != nil {
			return nil
		}
		return err
	}
	if *useSamples {
		for pass := 0; ; pass++ {
			suffix := ""
			if pass > 0 {
				suffix = fmt.Sprintf("#%d", pass)
			}
			for _, chunk := range chunks(arts, *rate) {
				if err := send(chunk, suffix); err != nil {
					return finish(err)
				}
			}
			if !*loop {
				break
			}
		}
		return finish(nil)
	}
	size := chunkSize(*rate)
	for _, name := range fs.Args() {
		var batch []samples.Record
		err := eachFileRecord(e.stdin, name, *maxBytes, func(r samples.Record) error {
			if batch = append(batch, r); len(batch) < size {
				return nil
			}
			err := send(batch, "")
			batch = nil
			return err
		})
		if err == nil && len(batch) > 0 {
			err = send(batch, "")
		}
		if err != nil {
			return finish(err)
		}
	}
	return finish(nil)
}

// chunkSize is the number of records written together: 500, or about a
// tenth of a second's worth when a rate is set.
func chunkSize(rate float64) int {
	if rate > 0 {
		return max(1, min(500, int(rate/10)))
	}
	return 500
}

// chunks splits recs into write batches of chunkSize(rate).
func chunks(recs []samples.Record, rate float64) [][]samples.Record {
	size := chunkSize(rate)
	var out [][]samples.Record
	for len(recs) > 0 {
		n := min(size, len(recs))
		out = append(out, recs[:n])
		recs = recs[n:]
	}
	return out
}

// throttle waits n/rate seconds (rate 0: no wait).
func throttle(ctx context.Context, rate float64, n int) error {
	if rate <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(float64(n) / rate * float64(time.Second)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// scanFiles reads every named file (not stdin, "-") through, checking that
// it opens and that no record is over maxBytes, and returns the number of
// records in all of them, or -1 when stdin is among them.
func scanFiles(names []string, maxBytes int) (int, error) {
	total := 0
	for _, name := range names {
		if name == "-" {
			total = -1
			continue
		}
		n := 0
		err := eachFileRecord(nil, name, maxBytes, func(samples.Record) error {
			n++
			return nil
		})
		if err != nil {
			return 0, err
		}
		if total >= 0 {
			total += n
		}
	}
	return total, nil
}

// eachFileRecord opens a file (or stdin for "-") and calls fn with each of
// its records, in order (see readRecords). A file that cannot be opened is
// a usage error naming it.
func eachFileRecord(stdin io.Reader, name string, maxBytes int, fn func(samples.Record) error) error {
	if name == "-" {
		return readRecords(stdin, "stdin", true, maxBytes, fn)
	}
	f, err := os.Open(name)
	if err != nil {
		return usageError{fmt.Errorf("cannot read input file: %w", err)}
	}
	defer f.Close()
	return readRecords(f, name, false, maxBytes, fn)
}

// readRecords reads r, named name in errors, and calls fn with each record.
// It is JSON Lines (one record per non-blank line, keyed by its "id" field
// when it has one) when jsonl is set, the name ends in .jsonl or .ndjson,
// or the content starts with '{'; otherwise the whole of r is one
// plain-text article keyed by the file's base name. A line longer than
// maxBytes, or a plain-text file larger than maxBytes, is an error naming
// the file (and line): nothing is ever cut or dropped.
func readRecords(r io.Reader, name string, jsonl bool, maxBytes int, fn func(samples.Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if !jsonl {
		jsonl = strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson") || batch.StartsWithBrace(br)
	}
	if !jsonl {
		data, err := io.ReadAll(io.LimitReader(br, int64(maxBytes)+1))
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(data) > maxBytes {
			return fmt.Errorf("%s: larger than --max-record-bytes (%s): a plain-text file is one article, one record; raise --max-record-bytes", name, plural(maxBytes, "byte", "bytes"))
		}
		if len(bytes.TrimSpace(data)) == 0 {
			return fmt.Errorf("%s: empty file, no article to publish", name)
		}
		return fn(samples.Record{Key: []byte(filepath.Base(name)), Value: data})
	}
	for lineNo := 1; ; lineNo++ {
		line, n, err := batch.ReadLine(br, maxBytes)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s line %d: %w", name, lineNo, err)
		}
		if n > int64(maxBytes) {
			return fmt.Errorf("%s line %d: %d bytes, over --max-record-bytes (%d): raise --max-record-bytes or fix the line", name, lineNo, n, maxBytes)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var v struct {
			ID string `json:"id"`
		}
		var key []byte
		if json.Unmarshal(line, &v) == nil && v.ID != "" {
			key = []byte(v.ID)
		}
		// Malformed lines are published as they are: the processor
		// dead-letters them with a reason, which is what the DLQ is for.
		if err := fn(samples.Record{Key: key, Value: bytes.Clone(line)}); err != nil {
			return err
		}
	}
}

// checkTopic fails fast when topic does not exist (a write to a missing
// topic would be retried for ever), or creates it when asked to.
func checkTopic(ctx context.Context, brokers []string, transport *kafka.Transport, topic string, create bool, partitions int) error {
	parts, err := topicPartitions(ctx, brokers, transport, topic)
	if err == nil && len(parts) > 0 {
		return nil
	}
	var missing *missingTopicError
	if !errors.As(err, &missing) {
		return err
	}
	if !create {
		return usageError{fmt.Errorf("%w: create it, pass --create-topic, or start `newsflow run`, which creates its topics", err)}
	}
	if partitions < 1 {
		return usageError{fmt.Errorf("--partitions must be at least 1, got %d", partitions)}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return engine.EnsureTopics(cctx, brokers, transport, partitions, -1, topic)
}
