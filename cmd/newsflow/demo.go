package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// cmdDemo is `newsflow demo`: the embedded broker, the bundled samples and
// the full pipeline in one process, with no setup.
func cmdDemo(ctx context.Context, e env, args []string) error {
	s := app.DefaultSettings()
	s.MetricsAddr = "127.0.0.1:9464"
	s.LogLevel = "warn"
	s.ShutdownTimeout = 10 * time.Second
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	s.Register(fs)
	once := fs.Bool("once", false, "exit 0 once the samples are processed")
	rate := fs.Float64("rate", 0, "after the first pass, keep publishing samples at this many articles per second (0: publish once)")
	listen := fs.String("broker-listen", "127.0.0.1:0", "address of the embedded broker")
	quiet := fs.Bool("quiet", false, "do not print a line per article")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	if *rate < 0 || *rate > 100000 {
		return usageError{fmt.Errorf("--rate must be between 0 and 100000 articles per second, got %v", *rate)}
	}
	if len(s.Brokers) > 0 {
		if e.getenv(config.EnvName("brokers")) == "" || onCommandLine(args, "brokers") {
			return usageError{errors.New("demo runs its own embedded broker: use `newsflow run --brokers …` for external brokers")}
		}
		// An exported NEWSFLOW_BROKERS meant for `newsflow run` must not
		// stop the demo.
		fmt.Fprintf(e.stderr, "newsflow demo: %s is ignored: the demo runs its own embedded broker\n", config.EnvName("brokers"))
		s.Brokers = nil
	}
	if s.Security.Enabled() {
		return usageError{errors.New("the demo's embedded broker speaks plaintext: drop the --tls and --sasl-* flags (or use `newsflow run`)")}
	}
	b, err := broker.Start(broker.Options{Listen: *listen, Topics: []string{s.Input, s.Output, s.DLQ}, Partitions: s.Partitions})
	if err != nil {
		return err
	}
	defer b.Close()
	s.Brokers = b.Addrs()
	if err := s.Validate(); err != nil {
		return usageError{err}
	}
	log := s.Logger(e.stderr)
	pr := &printer{w: e.stdout, quiet: *quiet}
	inst, err := app.New(s, app.Options{Version: version, Logger: log, Observe: pr.article})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "newsflow demo: embedded broker at %s, status page and /metrics at http://%s/\n", strings.Join(s.Brokers, ","), inst.HTTPAddr())

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return inst.Run(gctx) })

	prod, err := producer.New(producer.Config{Brokers: s.Brokers, Logger: log})
	if err != nil {
		return err
	}
	defer prod.Close()
	arts, err := samples.Articles()
	if err != nil {
		return err
	}
	recs := append(arts, samples.Malformed()...)
	start := time.Now()
	if err := publishRecords(gctx, prod, s.Input, recs, "", demoTimes(arts, start, s.TrendWindow)); err != nil {
		stop()
		werr := g.Wait()
		if ctx.Err() != nil {
			// SIGINT/SIGTERM while publishing: a clean stop, not a failure.
			return ignoreCanceled(werr)
		}
		return errors.Join(err, werr)
	}
	fmt.Fprintf(e.stdout, "published %s (%s, %d malformed) to %s\n", plural(len(recs), "sample record", "sample records"),
		plural(len(arts), "article", "articles"), len(recs)-len(arts), s.Input)
	g.Go(func() error {
		// Wait until every published record is finished, then report.
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for inst.Finished() < int64(len(recs)) {
			select {
			case <-gctx.Done():
				return nil
			case <-t.C:
			}
		}
		pr.summary(inst, time.Since(start))
		// The trends stage counts behind the main one: wait (up to 30 s)
		// until it has finished every mention the main stage emitted.
		for waited := time.Duration(0); !inst.TrendsCaughtUp() && waited < 30*time.Second; waited += 50 * time.Millisecond {
			select {
			case <-gctx.Done():
				return nil
			case <-time.After(50 * time.Millisecond):
			}
		}
		pr.trends(inst.Trends(8))
		if *once {
			stop()
			return nil
		}
		fmt.Fprintln(e.stdout, "running; press Ctrl-C to stop")
		if *rate > 0 {
			return feed(gctx, prod, s.Input, arts, *rate)
		}
		return nil
	})
	err = g.Wait()
	if ctx.Err() != nil || *once {
		err = ignoreCanceled(err)
	}
	return err
}

// onCommandLine reports whether flag name is among args (before "--").
// The flag set cannot tell: a value from the environment counts as set.
func onCommandLine(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if n, ok := strings.CutPrefix(a, "-"); ok {
			n = strings.TrimPrefix(n, "-")
			if n == name || strings.HasPrefix(n, name+"=") {
				return true
			}
		}
	}
	return false
}

func ignoreCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// feed republishes the samples at rate articles per second, each with a
// fresh id ("<id>#<n>") so they are new articles downstream, until ctx ends.
func feed(ctx context.Context, prod *producer.Producer, topic string, arts []samples.Record, rate float64) error {
	interval := time.Duration(float64(time.Second) / rate)
	batch := 1
	if interval < 10*time.Millisecond {
		batch = int(10*time.Millisecond/interval) + 1
		interval *= time.Duration(batch)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 0; ; {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		recs := make([]samples.Record, 0, batch)
		for range batch {
			a := arts[n%len(arts)]
			n++
			recs = append(recs, a)
		}
		if err := publishRecords(ctx, prod, topic, recs, fmt.Sprintf("#%d", n), nil); err != nil {
			return ignoreCanceled(err)
		}
	}
}

// demoTimes gives the samples record timestamps (their event time: the
// samples' published dates carry no time of day) that make a story break
// now: the originals spread over the six hours before the current trend
// window, the two copied stories (originals and copies) inside it. The
// windows of the copied stories' entities then burst against an empty
// past, whatever the time of day.
func demoTimes(arts []samples.Record, now time.Time, window time.Duration) map[string]time.Time {
	start := now.Truncate(window)
	var breaking, others []string
	for _, a := range arts {
		id := string(a.Key)
		if i := strings.Index(id, "-copy"); i > 0 {
			breaking = append(breaking, id)
		}
	}
	stories := map[string]bool{}
	for _, id := range breaking {
		stories[id[:strings.Index(id, "-copy")]] = true
	}
	for _, a := range arts {
		if id := string(a.Key); stories[id] {
			breaking = append(breaking, id)
		} else if !strings.Contains(id, "-copy") {
			others = append(others, id)
		}
	}
	out := map[string]time.Time{}
	for i, id := range breaking {
		out[id] = start.Add(now.Sub(start) * time.Duration(i+1) / time.Duration(len(breaking)+1))
	}
	for i, id := range others {
		out[id] = start.Add(-6 * time.Hour).Add(6 * time.Hour * time.Duration(i) / time.Duration(len(others)+1))
	}
	return out
}

// publishRecords writes recs to topic; a non-empty idSuffix is appended to
// each JSON record's id and key; times, if set, gives record timestamps by
// id.
func publishRecords(ctx context.Context, prod *producer.Producer, topic string, recs []samples.Record, idSuffix string, times map[string]time.Time) error {
	msgs := make([]record.Record, len(recs))
	for i, r := range recs {
		key, val := r.Key, r.Value
		if idSuffix != "" {
			key = append(append([]byte(nil), key...), idSuffix...)
			val = []byte(strings.Replace(string(val), `"id": "`+string(r.Key)+`"`, `"id": "`+string(key)+`"`, 1))
		}
		msgs[i] = record.Record{Topic: topic, Key: key, Value: val, Time: times[string(r.Key)]}
	}
	return prod.Write(ctx, msgs)
}

// printer prints one line per enriched article and the final summary.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	quiet bool
	n     int
	// stories: articles per near-duplicate cluster, and the title of its
	// first article.
	stories map[string]*story
}

type story struct {
	n     int
	title string
}

func (p *printer) article(a *processor.Article) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	title := a.Title
	if r := []rune(title); len(r) > 60 {
		title = string(r[:59]) + "…"
	}
	var ents []string
	if d := a.Dedup; d != nil {
		if p.stories == nil {
			p.stories = map[string]*story{}
		}
		st := p.stories[d.Cluster]
		if st == nil {
			st = &story{}
			p.stories[d.Cluster] = st
		}
		st.n++
		if d.DuplicateOf == nil || st.title == "" {
			st.title = title
		}
		if d.DuplicateOf != nil {
			ents = append(ents, fmt.Sprintf("≈ copy of %s (%.0f%%)", *d.DuplicateOf, 100*d.Similarity))
		}
	}
	if p.quiet {
		return
	}
	lang := "?"
	if a.Language != nil {
		lang = a.Language.Code
	}
	for i, en := range a.Entities {
		if i == 4 {
			break
		}
		ents = append(ents, en.Name)
	}
	fmt.Fprintf(p.w, "✓ p%d@%-4d %-2s %10s %9s  %-60s  %s\n",
		a.SourcePos.Partition, a.SourcePos.Offset, lang, plural(a.Stats.Words, "word ", "words"), plural(len(a.Quotes), "quote ", "quotes"),
		title, strings.Join(ents, ", "))
}

func (p *printer) summary(inst *app.Instance, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mfs, err := inst.Registry.Gather()
	if err != nil {
		fmt.Fprintf(p.w, "summary unavailable: %v\n", err)
		return
	}
	outcomes := map[string]float64{}
	reasons := map[string]float64{}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "newsflow_pipeline_records_total":
			for _, m := range mf.GetMetric() {
				outcomes[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		case "newsflow_dlq_records_total":
			for _, m := range mf.GetMetric() {
				reasons[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	var rs []string
	for r, n := range reasons {
		rs = append(rs, fmt.Sprintf("%s %d", r, int(n)))
	}
	sort.Strings(rs)
	fmt.Fprintf(p.w, "done: %d enriched, %d dead-lettered (%s), %d filtered in %v\n",
		int(outcomes["enriched"]), int(outcomes["dead_lettered"]), strings.Join(rs, ", "), int(outcomes["filtered"]), d.Round(time.Millisecond))
	var clusters []*story
	for _, st := range p.stories {
		if st.n > 1 {
			clusters = append(clusters, st)
		}
	}
	sort.Slice(clusters, func(i, j int) bool {
		return clusters[i].n > clusters[j].n || clusters[i].n == clusters[j].n && clusters[i].title < clusters[j].title
	})
	if len(clusters) > 0 {
		fmt.Fprintf(p.w, "stories with copies (near duplicates):\n")
		for _, st := range clusters {
			fmt.Fprintf(p.w, "  %d × %s\n", st.n, st.title)
		}
	}
}

// trends prints the current trend windows, trending ones first.
func (p *printer) trends(ts []trends.Trend) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(ts) == 0 {
		return
	}
	fmt.Fprintf(p.w, "entities by trend score (distinct articles per hour of event time, against each entity's earlier hours):\n")
	for _, t := range ts {
		flag := ""
		if t.Trending {
			flag = "  TRENDING"
		}
		fmt.Fprintf(p.w, "  %-6s %-28s %s–%s  %2d articles  baseline %.1f  score %+.1f%s\n", t.Entity.Type, t.Entity.Name,
			t.Window.Start.Local().Format("15:04"), t.Window.End.Local().Format("15:04"), t.Count, t.Baseline, t.Score, flag)
	}
}
