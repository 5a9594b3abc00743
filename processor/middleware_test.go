package processor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/processor"
)

// fake is a stage made of a function; it counts its Close calls.
type fake struct {
	name   string
	fn     func(ctx context.Context, a *processor.Article) ([]*processor.Article, error)
	closed atomic.Int32
}

func (f *fake) Name() string { return f.name }
func (f *fake) Process(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
	return f.fn(ctx, a)
}
func (f *fake) Close(context.Context) error { f.closed.Add(1); return nil }

// pass is a stage that passes the article on and appends its name to
// a.Title, so a test can see which stages ran.
func pass(name string) *fake {
	return &fake{name: name, fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
		a.Title += name + ";"
		return []*processor.Article{a}, nil
	}}
}

// tracer returns middleware that logs "name>" before the call and "<name"
// after it.
func tracer(name string, log *[]string) processor.Middleware {
	return func(next processor.Processor) processor.Processor {
		return &traced{Processor: next, name: name, log: log}
	}
}

type traced struct {
	processor.Processor
	name string
	log  *[]string
}

func (t *traced) Process(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
	*t.log = append(*t.log, t.name+">")
	out, err := t.Processor.Process(ctx, a)
	*t.log = append(*t.log, "<"+t.name)
	return out, err
}

func mustPipeline(t *testing.T, stages []processor.Processor, mw ...processor.Middleware) *processor.Pipeline {
	t.Helper()
	p, err := processor.NewPipeline(stages, mw...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMiddlewareOrder: pipeline middleware run outside a stage's own
// middleware, each list first-outermost, with Recover innermost.
func TestMiddlewareOrder(t *testing.T) {
	var log []string
	logged := func(name string) *fake {
		return &fake{name: name, fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
			log = append(log, name)
			return []*processor.Article{a}, nil
		}}
	}
	tr := func(name string) processor.Middleware { return tracer(name, &log) }
	tests := []struct {
		name   string
		stages []processor.Processor
		mw     []processor.Middleware
		want   string
	}{
		{"no middleware", []processor.Processor{logged("s")}, nil, "s"},
		{"pipeline middleware",
			[]processor.Processor{logged("s1"), logged("s2")},
			[]processor.Middleware{tr("X"), tr("Y")},
			"X> Y> s1 <Y <X X> Y> s2 <Y <X"},
		{"stage middleware applies to its stage only",
			[]processor.Processor{processor.Stage(logged("s1"), tr("A"), tr("B")), logged("s2")},
			nil,
			"A> B> s1 <B <A s2"},
		{"stage middleware inside pipeline middleware",
			[]processor.Processor{processor.Stage(logged("s1"), tr("A"), tr("B")), logged("s2")},
			[]processor.Middleware{tr("X"), tr("Y")},
			"X> Y> A> B> s1 <B <A <Y <X X> Y> s2 <Y <X"},
		{"nested Stage: the outer call's middleware outside",
			[]processor.Processor{processor.Stage(processor.Stage(logged("s"), tr("A")), tr("B"))},
			nil,
			"B> A> s <A <B"},
		{"nil middleware are ignored",
			[]processor.Processor{processor.Stage(logged("s"), nil, tr("A"))},
			[]processor.Middleware{nil, processor.Timing(nil)},
			"A> s <A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log = nil
			p := mustPipeline(t, tt.stages, tt.mw...)
			if _, err := p.Process(t.Context(), &processor.Article{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(log, " "); got != tt.want {
				t.Errorf("calls %q, want %q", got, tt.want)
			}
		})
	}
}

// TestStageNameAndClose: a Stage keeps its stage's name, and closing the
// pipeline closes every stage once, through its middleware.
func TestStageNameAndClose(t *testing.T) {
	s1, s2 := pass("s1"), pass("s2")
	st := processor.Stage(s1, processor.OnlyLanguages("en"), processor.Timeout(time.Minute))
	if st.Name() != "s1" {
		t.Errorf("Stage name %q, want s1", st.Name())
	}
	p := mustPipeline(t, []processor.Processor{st, s2}, processor.Timeout(time.Minute))
	if got := p.Stages(); !slices.Equal(got, []string{"s1", "s2"}) {
		t.Errorf("Stages() = %q", got)
	}
	if err := p.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s1.closed.Load() != 1 || s2.closed.Load() != 1 {
		t.Errorf("closed s1 %d times, s2 %d times; want once each", s1.closed.Load(), s2.closed.Load())
	}
}

func panicky(name string) *fake {
	return &fake{name: name, fn: func(context.Context, *processor.Article) ([]*processor.Article, error) {
		panic("stage bug")
	}}
}

// TestRecover: a panic anywhere in a stage's chain is an error of class
// ClassPanic naming the stage; Recover sits inside every middleware, even
// inside a Timeout's goroutine.
func TestRecover(t *testing.T) {
	var seen error // what a stage middleware saw coming out of the stage
	witness := func(next processor.Processor) processor.Processor {
		return &fake{name: next.Name(), fn: func(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
			out, err := next.Process(ctx, a)
			seen = err
			return out, err
		}}
	}
	panicMW := func(next processor.Processor) processor.Processor {
		if next.Name() != "boom" {
			return next
		}
		return &fake{name: next.Name(), fn: func(context.Context, *processor.Article) ([]*processor.Article, error) {
			panic("middleware bug")
		}}
	}
	tests := []struct {
		name        string
		stage       processor.Processor
		mw          []processor.Middleware
		wantWitness bool // the witness saw the panic as an error
	}{
		{"bare stage", panicky("boom"), nil, false},
		{"Recover inside stage middleware", processor.Stage(panicky("boom"), witness), nil, true},
		{"Recover inside Timeout", panicky("boom"), []processor.Middleware{processor.Timeout(time.Minute)}, false},
		{"panicking middleware", processor.Stage(pass("boom"), panicMW), nil, false},
		{"panicking pipeline middleware", pass("boom"), []processor.Middleware{panicMW}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen = nil
			p := mustPipeline(t, []processor.Processor{pass("first"), tt.stage}, tt.mw...)
			_, err := p.Process(t.Context(), &processor.Article{})
			if processor.ClassOf(err) != processor.ClassPanic || processor.StageOf(err) != "boom" {
				t.Fatalf("class %q stage %q (%v), want panic in boom", processor.ClassOf(err), processor.StageOf(err), err)
			}
			if !strings.Contains(err.Error(), "bug") {
				t.Errorf("error %q lacks the panic value", err)
			}
			if tt.wantWitness && processor.ClassOf(seen) != processor.ClassPanic {
				t.Errorf("stage middleware saw %v, want the recovered panic", seen)
			}
		})
	}
}

type observation struct {
	stage string
	class string // "" for no error
}

type recorder struct {
	mu  sync.Mutex
	obs []observation
}

func (r *recorder) ObserveStage(stage string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	class := ""
	if err != nil {
		class = processor.ClassOf(err)
	}
	r.obs = append(r.obs, observation{stage, class})
}

func TestTiming(t *testing.T) {
	failing := &fake{name: "bad", fn: func(context.Context, *processor.Article) ([]*processor.Article, error) {
		return nil, processor.NewInputError(processor.ClassInvalidField, "no")
	}}
	tests := []struct {
		name  string
		stage processor.Processor
		lang  string
		want  []observation
	}{
		{"success", pass("ok"), "en", []observation{{"ok", ""}}},
		{"error", failing, "en", []observation{{"bad", processor.ClassInvalidField}}},
		{"panic", panicky("boom"), "en", []observation{{"boom", processor.ClassPanic}}},
		{"gated stage is observed with its name", processor.Stage(pass("en-only"), processor.OnlyLanguages("en")), "fr", []observation{{"en-only", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := mustPipeline(t, []processor.Processor{tt.stage}, processor.Timing(rec))
			_, _ = p.Process(t.Context(), &processor.Article{Language: &processor.Language{Code: tt.lang}})
			if !slices.Equal(rec.obs, tt.want) {
				t.Errorf("observed %+v, want %+v", rec.obs, tt.want)
			}
		})
	}
	st := pass("s")
	if got := processor.Timing(nil)(st); got != processor.Processor(st) {
		t.Errorf("Timing(nil) wrapped the stage: %T", got)
	}
}

// hung is a stage that blocks, ignoring its context, until release is
// closed; then it writes to the article (which the caller must no longer
// touch) and closes finished.
type hung struct {
	*fake
	release, finished chan struct{}
}

func newHung(name string) *hung {
	h := &hung{release: make(chan struct{}), finished: make(chan struct{})}
	h.fake = &fake{name: name, fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
		<-h.release
		a.Title = "written after the caller gave up"
		close(h.finished)
		return []*processor.Article{a}, nil
	}}
	return h
}

// processWithin runs p.Process and fails the test if it blocks for more
// than limit (the bound only catches a hang; it is no performance check).
func processWithin(t *testing.T, ctx context.Context, p *processor.Pipeline, a *processor.Article, limit time.Duration) ([]*processor.Article, error) {
	t.Helper()
	type res struct {
		out []*processor.Article
		err error
	}
	ch := make(chan res, 1)
	go func() {
		out, err := p.Process(ctx, a)
		ch <- res{out, err}
	}()
	select {
	case r := <-ch:
		return r.out, r.err
	case <-time.After(limit):
		t.Fatalf("Process still blocked after %v", limit)
		return nil, nil
	}
}

// TestTimeoutHungStage: a stage that blocks ignoring its context fails the
// record with ClassTimeout once its deadline passes, without waiting for
// it; the abandoned call finishes in the background, unseen by the caller.
func TestTimeoutHungStage(t *testing.T) {
	const d = 20 * time.Millisecond
	h := newHung("stuck")
	p := mustPipeline(t, []processor.Processor{pass("before"), h, pass("after")}, processor.Timeout(d))
	start := time.Now()
	out, err := processWithin(t, t.Context(), p, &processor.Article{}, 10*time.Second)
	if elapsed := time.Since(start); elapsed < d {
		t.Errorf("gave up after %v, before the %v deadline", elapsed, d)
	}
	if out != nil || processor.ClassOf(err) != processor.ClassTimeout || processor.StageOf(err) != "stuck" {
		t.Fatalf("out %v, class %q, stage %q (%v); want a timeout of stuck", out, processor.ClassOf(err), processor.StageOf(err), err)
	}
	if !errors.Is(err, processor.ErrAbandoned) || !strings.Contains(err.Error(), "stuck did not return within 20ms") {
		t.Errorf("error %q: want ErrAbandoned, the stage and the deadline", err)
	}
	if n := p.Abandoned(); n != 1 {
		t.Errorf("Abandoned() = %d, want 1", n)
	}
	// The stage is still running: Close does not close it before it
	// returns.
	expired, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	if err := p.Close(expired); err == nil || !strings.Contains(err.Error(), "1 abandoned calls still running") {
		t.Errorf("Close with a call running = %v, want an error saying so", err)
	}
	if n := h.closed.Load(); n != 0 {
		t.Errorf("hung stage closed %d times while its call was running", n)
	}
	// Once it returns (and writes to the article, racing with nobody),
	// Close closes it.
	close(h.release)
	<-h.finished
	if err := p.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := h.closed.Load(); n != 1 {
		t.Errorf("hung stage closed %d times, want 1", n)
	}
}

// TestTimeout covers the other outcomes of a call under Timeout.
func TestTimeout(t *testing.T) {
	const d = 20 * time.Millisecond
	heeds := &fake{name: "heeds", fn: func(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
		<-ctx.Done()
		return nil, fmt.Errorf("gave up: %w", ctx.Err())
	}}
	fails := &fake{name: "fails", fn: func(context.Context, *processor.Article) ([]*processor.Article, error) {
		return nil, errors.New("plain failure")
	}}
	split := &fake{name: "split", fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
		return []*processor.Article{a, {ID: "second"}}, nil
	}}
	tests := []struct {
		name      string
		stage     processor.Processor
		wantOut   int
		wantClass string // "" for no error
		// mayAbandon: whether Timeout may give up waiting (a stage that
		// heeds its deadline returns just after it, which may or may not
		// be in time to be seen).
		mayAbandon bool
	}{
		{"in time: result unchanged", split, 2, "", false},
		{"in time: error unchanged", fails, 0, processor.ClassProcessor, false},
		{"stage heeds its deadline: timeout", heeds, 0, processor.ClassTimeout, true},
		{"panic in the goroutine", panicky("boom"), 0, processor.ClassPanic, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPipeline(t, []processor.Processor{tt.stage}, processor.Timeout(d))
			out, err := processWithin(t, t.Context(), p, &processor.Article{}, 10*time.Second)
			if len(out) != tt.wantOut {
				t.Errorf("%d articles, want %d", len(out), tt.wantOut)
			}
			if (err != nil) != (tt.wantClass != "") || (err != nil && processor.ClassOf(err) != tt.wantClass) {
				t.Fatalf("error %v (class %q), want class %q", err, processor.ClassOf(err), tt.wantClass)
			}
			if errors.Is(err, processor.ErrAbandoned) && !tt.mayAbandon {
				t.Errorf("call abandoned: %v", err)
			}
			if tt.wantClass == processor.ClassTimeout && !strings.Contains(err.Error(), "within 20ms") {
				t.Errorf("error %q does not name the deadline", err)
			}
		})
	}
}

// TestTimeoutCallerGivesUp: when the caller's context ends first, the call
// is abandoned with the context's error, not an *InputError, so the engine
// leaves the record unfinished instead of dead-lettering it.
func TestTimeoutCallerGivesUp(t *testing.T) {
	h := newHung("stuck")
	defer func() { close(h.release); <-h.finished }()
	p := mustPipeline(t, []processor.Processor{h}, processor.Timeout(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(10*time.Millisecond, cancel)
	_, err := processWithin(t, ctx, p, &processor.Article{}, 10*time.Second)
	var ie *processor.InputError
	if !errors.Is(err, context.Canceled) || !errors.Is(err, processor.ErrAbandoned) || errors.As(err, &ie) {
		t.Fatalf("error %v: want context.Canceled and ErrAbandoned, no InputError", err)
	}
	if n := p.Abandoned(); n != 1 {
		t.Errorf("Abandoned() = %d, want 1", n)
	}
	// With ctx already done, the stage is not called at all.
	calls := 0
	counted := &fake{name: "counted", fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
		calls++
		return []*processor.Article{a}, nil
	}}
	p2 := mustPipeline(t, []processor.Processor{counted}, processor.Timeout(time.Hour))
	if _, err := p2.Process(ctx, &processor.Article{}); !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("done ctx: error %v, %d calls; want context.Canceled and none", err, calls)
	}
}

func TestTimeoutDisabled(t *testing.T) {
	st := pass("s")
	for _, d := range []time.Duration{0, -time.Second} {
		if got := processor.Timeout(d)(st); got != processor.Processor(st) {
			t.Errorf("Timeout(%v) wrapped the stage: %T", d, got)
		}
	}
}

// TestTimeoutConcurrent: many calls at once, some timing out, under the race
// detector.
func TestTimeoutConcurrent(t *testing.T) {
	slowEvery := &fake{name: "sometimes-slow", fn: func(ctx context.Context, a *processor.Article) ([]*processor.Article, error) {
		if a.ID == "slow" {
			<-ctx.Done() // heeds the deadline
			return nil, ctx.Err()
		}
		a.Title += "done;"
		return []*processor.Article{a}, nil
	}}
	p := mustPipeline(t, []processor.Processor{pass("a"), slowEvery, pass("b")}, processor.Timeout(20*time.Millisecond))
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			slow := i%8 == 0
			a := &processor.Article{ID: "fast"}
			if slow {
				a.ID = "slow"
			}
			out, err := p.Process(t.Context(), a)
			switch {
			case slow && processor.ClassOf(err) != processor.ClassTimeout:
				t.Errorf("slow article: %v, want a timeout", err)
			case !slow && (err != nil || len(out) != 1 || out[0].Title != "a;done;b;"):
				t.Errorf("fast article: %v, %d articles", err, len(out))
			}
		})
	}
	wg.Wait()
	if err := p.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestLanguageGate: the gate runs the stage or records a skip, by the
// article's language.
func TestLanguageGate(t *testing.T) {
	english := processor.OnlyLanguages("en")
	spaced := processor.ExceptLanguages("zh", "ja")
	tests := []struct {
		name       string
		gate       processor.Middleware
		lang       *processor.Language
		wantRun    bool
		wantReason string
	}{
		{"only: no language detected runs", english, nil, true, ""},
		{"only: undetermined runs", english, &processor.Language{Code: "und"}, true, ""},
		{"only: listed language runs", english, &processor.Language{Code: "en"}, true, ""},
		{"only: codes compare in lower case", english, &processor.Language{Code: "EN"}, true, ""},
		{"only: other language skips", english, &processor.Language{Code: "fr"}, false, "language fr"},
		{"except: other language runs", spaced, &processor.Language{Code: "fr"}, true, ""},
		{"except: no language detected runs", spaced, nil, true, ""},
		{"except: undetermined runs", spaced, &processor.Language{Code: "und"}, true, ""},
		{"except: listed language skips", spaced, &processor.Language{Code: "ja"}, false, "language ja"},
		{"except und skips und", processor.LanguageGate{Except: []string{"und"}}.Middleware(), &processor.Language{Code: "und"}, false, "language und"},
		{"only and except", processor.LanguageGate{Only: []string{"en", "fr"}, Except: []string{"fr"}}.Middleware(), &processor.Language{Code: "fr"}, false, "language fr"},
		{"custom reason", processor.LanguageGate{Only: []string{"en"}, Reason: func(c string) string { return c + " is not English" }}.Middleware(),
			&processor.Language{Code: "de"}, false, "de is not English"},
		{"no lists runs everything", processor.LanguageGate{}.Middleware(), &processor.Language{Code: "fr"}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &processor.Article{Language: tt.lang}
			out, err := processor.Stage(pass("st"), tt.gate).Process(t.Context(), a)
			if err != nil || len(out) != 1 || out[0] != a {
				t.Fatalf("Process = %v, %v; want the article passed on", out, err)
			}
			if ran := a.Title == "st;"; ran != tt.wantRun {
				t.Errorf("stage ran: %v, want %v", ran, tt.wantRun)
			}
			var want []processor.SkipRecord
			if !tt.wantRun {
				want = []processor.SkipRecord{{Stage: "st", Reason: tt.wantReason}}
			}
			if !slices.Equal(a.Skipped, want) {
				t.Errorf("skipped %+v, want %+v", a.Skipped, want)
			}
		})
	}
}

// TestGateSkipsExactlyTheGatedStages runs a pipeline shaped like the
// default one: only the gated stages are skipped, with one record each, and
// the others run.
func TestGateSkipsExactlyTheGatedStages(t *testing.T) {
	detect := func(code string) processor.Processor {
		return processor.Func("language", func(_ context.Context, a *processor.Article) error {
			if code != "" {
				a.Language = &processor.Language{Code: code}
			}
			return nil
		})
	}
	tests := []struct {
		lang     string
		wantRan  string
		wantSkip []processor.SkipRecord
	}{
		{"en", "clean;ents;summary;tone;stats;", nil},
		{"", "clean;ents;summary;tone;stats;", nil},
		{"fr", "clean;summary;stats;", []processor.SkipRecord{{"ents", "language fr"}, {"tone", "language fr"}}},
		{"zh", "clean;stats;", []processor.SkipRecord{{"ents", "language zh"}, {"summary", "language zh"}, {"tone", "language zh"}}},
	}
	for _, tt := range tests {
		t.Run("language "+tt.lang, func(t *testing.T) {
			p := mustPipeline(t, []processor.Processor{
				pass("clean"),
				detect(tt.lang),
				processor.Stage(pass("ents"), processor.OnlyLanguages("en")),
				processor.Stage(pass("summary"), processor.ExceptLanguages("zh")),
				processor.Stage(pass("tone"), processor.OnlyLanguages("en")),
				pass("stats"),
			}, processor.Timing(&recorder{}), processor.Timeout(time.Minute))
			out, err := p.Process(t.Context(), &processor.Article{})
			if err != nil || len(out) != 1 {
				t.Fatalf("Process = %v, %v", out, err)
			}
			if out[0].Title != tt.wantRan {
				t.Errorf("ran %q, want %q", out[0].Title, tt.wantRan)
			}
			if !slices.Equal(out[0].Skipped, tt.wantSkip) {
				t.Errorf("skipped %+v, want %+v", out[0].Skipped, tt.wantSkip)
			}
		})
	}
}

// TestPipelineSplitsAndFilters: a split article goes through the later
// stages one by one; a filter drops an article and runs nothing after it;
// the survivors carry the stage list.
func TestPipelineSplitsAndFilters(t *testing.T) {
	split := &fake{name: "split", fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
		b := *a
		a.ID, b.ID = a.ID+"-1", a.ID+"-2"
		return []*processor.Article{a, &b}, nil
	}}
	dropSecond := &fake{name: "drop-2", fn: func(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
		if strings.HasSuffix(a.ID, "-2") {
			return nil, nil
		}
		return []*processor.Article{a}, nil
	}}
	dropAll := &fake{name: "drop-all", fn: func(context.Context, *processor.Article) ([]*processor.Article, error) {
		return nil, nil
	}}
	tests := []struct {
		name    string
		stages  []processor.Processor
		wantIDs []string
		wantRan string // Title of each survivor
	}{
		{"split", []processor.Processor{pass("a"), split, pass("b")}, []string{"x-1", "x-2"}, "a;b;"},
		{"split then filter one", []processor.Processor{split, dropSecond, pass("b")}, []string{"x-1"}, "b;"},
		{"filter all", []processor.Processor{pass("a"), dropAll, pass("b")}, nil, ""},
	}
	for _, tt := range tests {
		for _, mw := range [][]processor.Middleware{nil, {processor.Timeout(time.Minute)}} {
			t.Run(fmt.Sprintf("%s/%d middleware", tt.name, len(mw)), func(t *testing.T) {
				p := mustPipeline(t, tt.stages, mw...)
				out, err := p.Process(t.Context(), &processor.Article{ID: "x"})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, a := range out {
					ids = append(ids, a.ID)
					if a.Title != tt.wantRan {
						t.Errorf("%s ran %q, want %q", a.ID, a.Title, tt.wantRan)
					}
					if !slices.Equal(a.Processing.Stages, p.Stages()) {
						t.Errorf("%s: Processing.Stages %q", a.ID, a.Processing.Stages)
					}
				}
				if !slices.Equal(ids, tt.wantIDs) {
					t.Errorf("articles %q, want %q", ids, tt.wantIDs)
				}
			})
		}
	}
}

// BenchmarkTimeout measures what Timeout adds to one stage call, for a
// stage with a shallow and a deep stack (a goroutine started per call
// would grow its stack anew each time).
func BenchmarkTimeout(b *testing.B) {
	for _, depth := range []int{0, 64} {
		st := processor.Func("s", func(context.Context, *processor.Article) error {
			recurse(depth)
			return nil
		})
		for _, mw := range []struct {
			name string
			mw   []processor.Middleware
		}{{"none", nil}, {"timeout", []processor.Middleware{processor.Timeout(time.Minute)}}} {
			b.Run(fmt.Sprintf("%s/depth-%d", mw.name, depth), func(b *testing.B) {
				p, err := processor.NewPipeline([]processor.Processor{st}, mw.mw...)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Process(b.Context(), &processor.Article{}); err != nil {
						b.Fatal(err)
					}
				}
				if err := p.Close(b.Context()); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}

// recurse uses about 300 bytes of stack per level.
//
//go:noinline
func recurse(n int) int {
	var buf [256]byte
	buf[n%256] = byte(n)
	if n == 0 {
		return int(buf[0])
	}
	return recurse(n-1) + int(buf[n%256])
}
