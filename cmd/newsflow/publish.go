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
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/producer"
)

// cmdPublish is `newsflow publish`: JSON Lines files (one article per line)
// or plain-text files (one article per file), or "-" for JSON Lines on
// stdin, or the bundled samples, to a topic.
func cmdPublish(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	var brokers config.List
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers, HOST:PORT[,…] (required)")
	topic := fs.String("topic", "articles.raw", "topic to publish to")
	useSamples := fs.Bool("samples", false, "publish the bundled sample articles (and no files)")
	loop := fs.Bool("loop", false, "with --samples: publish them again and again, with fresh ids, until stopped")
	rate := fs.Float64("rate", 0, "articles per second (0: as fast as possible)")
	maxBytes := fs.Int("max-record-bytes", 8<<20, "largest record to read from a file")
	create := fs.Bool("create-topic", false, "create the topic if it does not exist (with --partitions)")
	partitions := fs.Int("partitions", 3, "partitions of a topic created with --create-topic")
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
	if err := checkTopic(ctx, brokers, transport, *topic, *create, *partitions); err != nil {
		return err
	}
	prod, err := producer.New(producer.Config{Brokers: brokers, Transport: transport})
	if err != nil {
		return usageError{err}
	}
	defer prod.Close()
	bar := newProgress(e.stderr)
	total := 0
	send := func(recs []samples.Record, suffix string) error {
		if err := throttle(ctx, *rate, len(recs)); err != nil {
			return err
		}
		if err := publishRecords(ctx, prod, *topic, recs, suffix); err != nil {
			return fmt.Errorf("publish to %s: %w", *topic, err)
		}
		total += len(recs)
		bar.update(total)
		return nil
	}
	if *useSamples {
		arts, err := samples.Articles()
		if err != nil {
			return err
		}
		for pass := 0; ; pass++ {
			suffix := ""
			if pass > 0 {
				suffix = fmt.Sprintf("#%d", pass)
			}
			for _, chunk := range chunks(arts, *rate) {
				if err := send(chunk, suffix); err != nil {
					return finishPublish(e, bar, total, *topic, ctx, err)
				}
			}
			if !*loop {
				break
			}
		}
		return finishPublish(e, bar, total, *topic, ctx, nil)
	}
	for _, name := range fs.Args() {
		recs, err := readRecords(e, name, *maxBytes)
		if err != nil {
			return finishPublish(e, bar, total, *topic, ctx, err)
		}
		for _, chunk := range chunks(recs, *rate) {
			if err := send(chunk, ""); err != nil {
				return finishPublish(e, bar, total, *topic, ctx, err)
			}
		}
	}
	return finishPublish(e, bar, total, *topic, ctx, nil)
}

func finishPublish(e env, bar *progress, total int, topic string, ctx context.Context, err error) error {
	bar.done()
	fmt.Fprintf(e.stdout, "published %d records to %s\n", total, topic)
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// chunks splits recs into write batches: 500 at a time, or about a tenth of
// a second's worth when a rate is set.
func chunks(recs []samples.Record, rate float64) [][]samples.Record {
	size := 500
	if rate > 0 {
		size = max(1, min(500, int(rate/10)))
	}
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
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(float64(n) / rate * float64(time.Second))):
		return nil
	}
}

// readRecords reads a file: JSON Lines when its name ends in .jsonl/.ndjson,
// is "-", or its content starts with '{' on several lines; otherwise the
// whole file is one plain-text article keyed by its base name.
func readRecords(e env, name string, maxBytes int) ([]samples.Record, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)*64+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	trimmed := bytes.TrimSpace(data)
	jsonl := name == "-" || strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson") ||
		(len(trimmed) > 0 && trimmed[0] == '{')
	if !jsonl {
		key := name
		if i := strings.LastIndexByte(key, '/'); i >= 0 {
			key = key[i+1:]
		}
		return []samples.Record{{Key: []byte(key), Value: data}}, nil
	}
	var out []samples.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxBytes+1)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
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
		out = append(out, samples.Record{Key: key, Value: append([]byte(nil), line...)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w (a line longer than --max-record-bytes?)", name, err)
	}
	return out, nil
}

// progress draws a one-line counter on a terminal; elsewhere it is silent.
type progress struct {
	w    io.Writer
	tty  bool
	last time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(n int) {
	if !p.tty || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	width := 30
	filled := (n / 50) % (width + 1)
	fmt.Fprintf(p.w, "\r[%s%s] %d records", strings.Repeat("#", filled), strings.Repeat(".", width-filled), n)
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// checkTopic fails fast when topic does not exist (a write to a missing
// topic would be retried for ever), or creates it when asked to.
func checkTopic(ctx context.Context, brokers []string, transport *kafka.Transport, topic string, create bool, partitions int) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if transport != nil {
		client.Transport = transport
	}
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return fmt.Errorf("metadata from %v: %w", brokers, err)
	}
	for _, t := range md.Topics {
		if t.Name == topic && t.Error == nil && len(t.Partitions) > 0 {
			return nil
		}
	}
	if !create {
		return usageError{fmt.Errorf("topic %q does not exist: create it, pass --create-topic, or start `newsflow run`, which creates its topics", topic)}
	}
	if partitions < 1 {
		return usageError{fmt.Errorf("--partitions must be at least 1, got %d", partitions)}
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return engine.EnsureTopics(cctx, brokers, transport, partitions, -1, topic)
}
