// Package bench measures newsflow end to end against the embedded broker:
// the throughput of a bare kafka-go copy loop (fetch → write → commit, no
// processing: the plumbing's ceiling), the throughput of the full newsflow
// pipeline over the same records, its end-to-end latency at a steady rate,
// and its memory over the run. `newsflow bench` prints the Report.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// Options configure Run.
type Options struct {
	// Brokers, if set, is a broker (with the bench topics created, or
	// auto-creating them) outside this process, so that the memory figures
	// are newsflow's alone; default: an embedded broker in process.
	Brokers    []string
	Articles   int           // records for the throughput runs; default 200,000
	Partitions int           // default 3
	LatencyFor time.Duration // length of the steady-rate latency run; default 10 s
	Pipeline   string        // "full" (default) or "core"
	Progress   io.Writer     // progress lines; nil for none
	// ExactlyOnce also runs the pipeline and the latency run with
	// --guarantee exactly-once over the same articles, for the ratio.
	ExactlyOnce bool
	// MemProfile, if set, receives a heap profile (pprof) taken during the
	// pipeline run when the heap in use was at its highest.
	MemProfile string
}

// Topics are the topics the benchmark uses.
var Topics = []string{"bench.in", "bench.copy", "bench.out", "bench.dlq", "bench.lat.in", "bench.lat.out", "bench.lat.dlq",
	"bench.eos.out", "bench.eos.dlq", "bench.eos.lat.in", "bench.eos.lat.out", "bench.eos.lat.dlq"}

// Report is what Run measured.
type Report struct {
	Articles     int     `json:"articles"`
	AvgBytes     int     `json:"avg_article_bytes"`
	CopyPerSec   float64 `json:"copy_loop_articles_per_sec"`
	CopyMBPerSec float64 `json:"copy_loop_mb_per_sec"`
	PipePerSec   float64 `json:"pipeline_articles_per_sec"`
	PipeMBPerSec float64 `json:"pipeline_mb_per_sec"`
	Ratio        float64 `json:"pipeline_to_copy_ratio"`
	LatencyRate  float64 `json:"latency_run_articles_per_sec"`
	LatencyCount int     `json:"latency_samples"`
	P50ms        float64 `json:"latency_p50_ms"`
	P99ms        float64 `json:"latency_p99_ms"`
	// Exactly-once figures (when Options.ExactlyOnce): throughput, its
	// ratio to at-least-once, and latency at half the at-least-once load.
	EOSPerSec  float64   `json:"exactly_once_articles_per_sec,omitempty"`
	EOSRatio   float64   `json:"exactly_once_to_at_least_once_ratio,omitempty"`
	EOSCount   int       `json:"exactly_once_latency_samples,omitempty"`
	EOSP50ms   float64   `json:"exactly_once_latency_p50_ms,omitempty"`
	EOSP99ms   float64   `json:"exactly_once_latency_p99_ms,omitempty"`
	CommitIntv float64   `json:"commit_interval_ms,omitempty"`
	HeapMB     []float64 `json:"heap_inuse_mb_samples"`
	PeakRSSMB  float64   `json:"peak_rss_mb"`
	Stages     []string  `json:"stages"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	// BrokerOutOfProcess says whether the memory figures exclude the broker.
	BrokerOutOfProcess bool `json:"broker_out_of_process"`
}

// Run runs the benchmark. It blocks for the whole run (minutes for the
// default sizes) and honours ctx.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Articles <= 0 {
		o.Articles = 200_000
	}
	if o.Partitions <= 0 {
		o.Partitions = 3
	}
	if o.LatencyFor <= 0 {
		o.LatencyFor = 10 * time.Second
	}
	progress := func(format string, a ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", a...)
		}
	}
	brokers := o.Brokers
	if len(brokers) == 0 {
		b, err := broker.Start(broker.Options{Partitions: o.Partitions, Topics: Topics})
		if err != nil {
			return nil, err
		}
		defer b.Close()
		brokers = b.Addrs()
	}
	c, err := newCorpus()
	if err != nil {
		return nil, err
	}
	progress("loading %d articles into the broker…", o.Articles)
	total, err := produce(ctx, brokers, "bench.in", c, o.Articles)
	if err != nil {
		return nil, err
	}
	avg := int(total / int64(o.Articles))
	rep := &Report{Articles: o.Articles, AvgBytes: avg, GOMAXPROCS: runtime.GOMAXPROCS(0), BrokerOutOfProcess: len(o.Brokers) > 0}
	totalMB := float64(o.Articles*avg) / 1e6

	progress("bare kafka-go copy loop (fetch → write → commit)…")
	d, err := copyLoop(ctx, brokers, "bench.in", "bench.copy", o.Articles, o.Partitions)
	if err != nil {
		return nil, fmt.Errorf("copy loop: %w", err)
	}
	rep.CopyPerSec = float64(o.Articles) / d.Seconds()
	rep.CopyMBPerSec = totalMB / d.Seconds()
	progress("  %.0f articles/s", rep.CopyPerSec)

	progress("newsflow pipeline over the same %d articles…", o.Articles)
	s := settings(brokers, "bench.in", "bench.out", "bench.dlq", "bench.pipeline", o.Pipeline)
	rep.CommitIntv = float64(s.CommitInterval.Milliseconds())
	var heap []float64
	var peakRSS float64
	var peakHeap float64
	var profErr error
	d, stages, err := runUntil(ctx, s, int64(o.Articles), nil, func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h := float64(ms.HeapInuse) / 1e6
		heap = append(heap, h)
		peakRSS = math.Max(peakRSS, rssMB())
		if o.MemProfile != "" && h > peakHeap {
			peakHeap = h
			profErr = writeHeapProfile(o.MemProfile)
		}
	}, nil)
	if profErr != nil {
		return nil, fmt.Errorf("heap profile: %w", profErr)
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	rep.Stages = stages
	rep.PipePerSec = float64(o.Articles) / d.Seconds()
	rep.PipeMBPerSec = totalMB / d.Seconds()
	rep.Ratio = rep.PipePerSec / rep.CopyPerSec
	rep.HeapMB = thin(heap, 10)
	rep.PeakRSSMB = peakRSS
	progress("  %.0f articles/s (%.0f%% of the copy loop)", rep.PipePerSec, 100*rep.Ratio)

	rate := rep.PipePerSec / 2
	rep.LatencyRate = rate
	progress("latency at half that load (%.0f articles/s) for %v…", rate, o.LatencyFor)
	lat, err := latencyRun(ctx, brokers, c, rate, o.LatencyFor, o.Pipeline, "")
	if err != nil {
		return nil, fmt.Errorf("latency run: %w", err)
	}
	rep.LatencyCount = len(lat)
	rep.P50ms = percentile(lat, 0.50)
	rep.P99ms = percentile(lat, 0.99)
	if !o.ExactlyOnce {
		return rep, nil
	}

	progress("newsflow pipeline, exactly-once, over the same %d articles…", o.Articles)
	s = settings(brokers, "bench.in", "bench.eos.out", "bench.eos.dlq", "bench.pipeline.eos", o.Pipeline)
	s.Guarantee = "exactly-once"
	d, _, err = runUntil(ctx, s, int64(o.Articles), nil, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("exactly-once pipeline: %w", err)
	}
	rep.EOSPerSec = float64(o.Articles) / d.Seconds()
	rep.EOSRatio = rep.EOSPerSec / rep.PipePerSec
	progress("  %.0f articles/s (%.0f%% of at-least-once)", rep.EOSPerSec, 100*rep.EOSRatio)
	progress("exactly-once latency at %.0f articles/s for %v…", rate, o.LatencyFor)
	lat, err = latencyRun(ctx, brokers, c, rate, o.LatencyFor, o.Pipeline, "exactly-once")
	if err != nil {
		return nil, fmt.Errorf("exactly-once latency run: %w", err)
	}
	rep.EOSCount = len(lat)
	rep.EOSP50ms = percentile(lat, 0.50)
	rep.EOSP99ms = percentile(lat, 0.99)
	return rep, nil
}

// writeHeapProfile writes the heap profile of the last GC to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// corpus makes distinct 2–5 KB JSON articles from the bundled samples on
// demand, so the benchmark process holds no copy of the whole stream and
// its memory figures are newsflow's.
type corpus struct {
	base []map[string]any
}

func newCorpus() (*corpus, error) {
	recs, err := samples.Articles()
	if err != nil {
		return nil, err
	}
	c := &corpus{base: make([]map[string]any, len(recs))}
	for i, r := range recs {
		if err := json.Unmarshal(r.Value, &c.base[i]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// msg returns article i (the same bytes for the same i).
func (c *corpus) msg(i int) kafka.Message {
	a := c.base[i%len(c.base)]
	id := fmt.Sprintf("%s-%d", a["id"], i)
	v, _ := json.Marshal(map[string]any{"id": id, "source": a["source"], "url": a["url"], "published": a["published"],
		"title": a["title"], "body": a["body"], "language": a["language"]})
	return kafka.Message{Key: []byte(id), Value: v}
}

func writer(brokers []string, topic string) *kafka.Writer {
	return &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: 2 * time.Millisecond, BatchSize: 1000, BatchBytes: 1_000_000}
}

// produce writes articles 0..n-1 of c and returns their total bytes.
func produce(ctx context.Context, brokers []string, topic string, c *corpus, n int) (int64, error) {
	w := writer(brokers, topic)
	defer w.Close()
	var total int64
	batch := make([]kafka.Message, 0, 1000)
	for i := 0; i < n; i += 1000 {
		batch = batch[:0]
		for j := i; j < min(i+1000, n); j++ {
			m := c.msg(j)
			total += int64(len(m.Value))
			batch = append(batch, m)
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			return 0, fmt.Errorf("produce: %w", err)
		}
	}
	return total, nil
}

// copyLoop is the ceiling: one group reader per partition, each fetching
// up to 1000 records, writing them synchronously (acks=all) and committing.
func copyLoop(ctx context.Context, brokers []string, in, out string, n, readers int) (time.Duration, error) {
	w := writer(brokers, out)
	defer w.Close()
	var copied atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for range readers {
		g.Go(func() error {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, GroupID: "bench.copy", Topic: in,
				MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 50 * time.Millisecond, CommitInterval: 0})
			defer r.Close()
			batch := make([]kafka.Message, 0, 1000)
			for copied.Load() < int64(n) {
				batch = batch[:0]
				m, err := r.FetchMessage(gctx)
				if err != nil {
					return nil
				}
				batch = append(batch, m)
				fctx, fcancel := context.WithTimeout(gctx, 2*time.Millisecond)
				for len(batch) < cap(batch) {
					m, err := r.FetchMessage(fctx)
					if err != nil {
						break
					}
					batch = append(batch, m)
				}
				fcancel()
				outs := make([]kafka.Message, len(batch))
				for i, m := range batch {
					outs[i] = kafka.Message{Key: m.Key, Value: m.Value}
				}
				if err := w.WriteMessages(gctx, outs...); err != nil {
					return err
				}
				if err := r.CommitMessages(gctx, batch...); err != nil {
					return err
				}
				if copied.Add(int64(len(batch))) >= int64(n) {
					cancel()
				}
			}
			return nil
		})
	}
	err := g.Wait()
	if copied.Load() < int64(n) {
		return 0, errors.Join(err, fmt.Errorf("copied %d of %d", copied.Load(), n))
	}
	return time.Since(start), nil
}

func settings(brokers []string, in, out, dlq, group, pipeline string) app.Settings {
	s := app.DefaultSettings()
	if pipeline != "" {
		s.Pipeline = pipeline
	}
	s.Brokers = brokers
	s.Input, s.Output, s.DLQ, s.Group = in, out, dlq, group
	s.MetricsAddr = "127.0.0.1:0"
	// The benchmark's topics exist; this creates the near-duplicate
	// table's changelog (full pipeline) when it does not.
	s.CreateTopics = true
	s.Instance = "bench"
	s.LogLevel = "error"
	return s
}

// runUntil runs an instance until it has finished n records (or ctx ends),
// calling sample every 500 ms, and returns the time from start to the
// n-th finished record.
func runUntil(ctx context.Context, s app.Settings, n int64, observe func(*processor.Article), sample func(), started chan<- *app.Instance) (time.Duration, []string, error) {
	inst, err := app.New(s, app.Options{Version: "bench", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observe: observe})
	if err != nil {
		return 0, nil, err
	}
	if started != nil {
		started <- inst
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- inst.Run(rctx) }()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	var d time.Duration
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
loop:
	for {
		select {
		case err := <-done:
			return 0, nil, fmt.Errorf("instance stopped early: %w", err)
		case <-ctx.Done():
			stop()
			<-done
			return 0, nil, ctx.Err()
		case <-t.C:
			if sample != nil {
				sample()
			}
		case <-poll.C:
			if inst.Finished() >= n {
				d = time.Since(start)
				break loop
			}
		}
	}
	stop()
	if err := <-done; err != nil {
		return 0, nil, err
	}
	return d, inst.Stages(), nil
}

// latencyRun publishes at a steady rate for dur and measures, per article,
// the time from the input record's timestamp until its output is visible
// to an independent read_committed reader of the output topic (for
// exactly-once, that is after the transaction commits). guarantee "" is
// at-least-once.
func latencyRun(ctx context.Context, brokers []string, c *corpus, rate float64, dur time.Duration, pipeline, guarantee string) ([]float64, error) {
	var mu sync.Mutex
	var lat []float64
	n := max(1, int(rate*dur.Seconds()))
	in, out, dlq, group := "bench.lat.in", "bench.lat.out", "bench.lat.dlq", "bench.latency"
	if guarantee == "exactly-once" {
		in, out, dlq, group = "bench.eos.lat.in", "bench.eos.lat.out", "bench.eos.lat.dlq", "bench.latency.eos"
	}
	s := settings(brokers, in, out, dlq, group, pipeline)
	if guarantee != "" {
		s.Guarantee = guarantee
	}
	rctx, stopReader := context.WithCancel(ctx)
	defer stopReader()
	readDone := make(chan error, 1)
	go func() {
		parts := make([]int, 0, 16)
		md, err := kafka.DialContext(rctx, "tcp", brokers[0])
		if err != nil {
			readDone <- err
			return
		}
		ps, err := md.ReadPartitions(out)
		md.Close()
		if err != nil {
			readDone <- err
			return
		}
		for _, p := range ps {
			parts = append(parts, p.ID)
		}
		readDone <- consumer.Read(rctx, consumer.ReadConfig{Brokers: brokers, Topic: out, Partition: parts, FromBeginning: true},
			func(r record.Record) error {
				var a struct {
					Pos struct {
						Timestamp time.Time `json:"timestamp"`
					} `json:"source_position"`
				}
				if json.Unmarshal(r.Value, &a) == nil && !a.Pos.Timestamp.IsZero() {
					mu.Lock()
					lat = append(lat, float64(time.Since(a.Pos.Timestamp).Microseconds())/1000)
					if len(lat) >= n {
						stopReader()
					}
					mu.Unlock()
				}
				return nil
			})
	}()
	g, gctx := errgroup.WithContext(ctx)
	started := make(chan *app.Instance, 1)
	g.Go(func() error {
		_, _, err := runUntil(gctx, s, int64(n), nil, nil, started)
		return err
	})
	g.Go(func() error {
		// Publish once the instance is in the group, so the join is not
		// counted as latency.
		var inst *app.Instance
		select {
		case inst = <-started:
		case <-gctx.Done():
			return nil
		}
		for ok, _ := inst.Ready(); !ok; ok, _ = inst.Ready() {
			select {
			case <-gctx.Done():
				return nil
			case <-time.After(20 * time.Millisecond):
			}
		}
		w := writer(brokers, in)
		defer w.Close()
		// Small batches every 10 ms keep the rate steady.
		per := max(1, int(rate/100))
		tick := time.NewTicker(time.Duration(float64(time.Second) * float64(per) / rate))
		defer tick.Stop()
		for i := 0; i < n; i += per {
			select {
			case <-gctx.Done():
				return nil
			case <-tick.C:
			}
			batch := make([]kafka.Message, 0, per)
			now := time.Now()
			for j := i; j < min(i+per, n); j++ {
				m := c.msg(j)
				m.Time = now
				batch = append(batch, m)
			}
			if err := w.WriteMessages(gctx, batch...); err != nil {
				return err
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// The last outputs become visible at the instance's final commit.
	select {
	case err := <-readDone:
		if err != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("output reader: %w", err)
		}
	case <-time.After(10 * time.Second):
		stopReader()
		<-readDone
	}
	mu.Lock()
	defer mu.Unlock()
	return lat, nil
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func thin(xs []float64, n int) []float64 {
	if len(xs) < n {
		n = len(xs)
	}
	out := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		if n == 1 {
			out = append(out, math.Round(xs[0]*10)/10)
			break
		}
		out = append(out, math.Round(xs[i*(len(xs)-1)/(n-1)]*10)/10)
	}
	return out
}

// rssMB reads the resident set size from /proc (Linux); 0 elsewhere.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// WriteText prints the report as a readable table.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "newsflow bench: %d articles of %d bytes on average, embedded broker, GOMAXPROCS %d\n", r.Articles, r.AvgBytes, r.GOMAXPROCS)
	fmt.Fprintf(w, "  stages: %s\n", strings.Join(r.Stages, " → "))
	fmt.Fprintf(w, "  bare kafka-go copy loop : %9.0f articles/s  %7.1f MB/s\n", r.CopyPerSec, r.CopyMBPerSec)
	fmt.Fprintf(w, "  newsflow pipeline       : %9.0f articles/s  %7.1f MB/s  (%.0f%% of the copy loop)\n", r.PipePerSec, r.PipeMBPerSec, 100*r.Ratio)
	fmt.Fprintf(w, "  end-to-end latency at %.0f articles/s (%d samples; input timestamp → output visible to a read_committed reader): p50 %.1f ms, p99 %.1f ms\n", r.LatencyRate, r.LatencyCount, r.P50ms, r.P99ms)
	if r.EOSPerSec > 0 {
		fmt.Fprintf(w, "  exactly-once pipeline   : %9.0f articles/s  (%.0f%% of at-least-once)\n", r.EOSPerSec, 100*r.EOSRatio)
		fmt.Fprintf(w, "  exactly-once latency at %.0f articles/s (%d samples): p50 %.1f ms, p99 %.1f ms (commit interval %.0f ms)\n", r.LatencyRate, r.EOSCount, r.EOSP50ms, r.EOSP99ms, r.CommitIntv)
	}
	where := "including the in-process broker's data"
	if r.BrokerOutOfProcess {
		where = "newsflow alone, the broker runs in its own process"
	}
	fmt.Fprintf(w, "  heap in use over the pipeline run (MB, %s): %v; peak RSS %.0f MB\n", where, r.HeapMB, r.PeakRSSMB)
}
