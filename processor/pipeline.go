package processor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

// Middleware wraps a Processor with cross-cutting behaviour (recover,
// timing, …) so stages stay plain.
type Middleware func(Processor) Processor

// Observer is told about every stage run; the engine uses it for the
// per-stage duration histograms. ObserveStage is called concurrently.
type Observer interface {
	ObserveStage(stage string, d time.Duration, err error)
}

// Pipeline runs articles through a fixed list of stages, each wrapped in
// Recover and, when an Observer is given, Timing.
//
// A Pipeline is safe for concurrent use by many goroutines once built.
type Pipeline struct {
	stages  []Processor // as given, for Close
	wrapped []Processor // with middleware
	names   []string
}

// NewPipeline builds a pipeline of stages, in order. obs may be nil. It
// fails if there are no stages or two share a name.
func NewPipeline(obs Observer, stages ...Processor) (*Pipeline, error) {
	if len(stages) == 0 {
		return nil, errors.New("processor: a pipeline needs at least one stage")
	}
	p := &Pipeline{stages: stages}
	seen := make(map[string]bool, len(stages))
	for _, s := range stages {
		if s == nil {
			return nil, errors.New("processor: nil stage")
		}
		name := s.Name()
		if name == "" || seen[name] {
			return nil, fmt.Errorf("processor: stage name %q is empty or used twice", name)
		}
		seen[name] = true
		w := Recover(s)
		if obs != nil {
			w = Timing(obs)(w)
		}
		p.wrapped = append(p.wrapped, w)
		p.names = append(p.names, name)
	}
	return p, nil
}

// Stages returns the stage names in order.
func (p *Pipeline) Stages() []string { return append([]string(nil), p.names...) }

// Process runs a through every stage and returns the surviving articles
// (none if a stage filtered it). On failure it returns a *StageError naming
// the stage; the error's class is ClassOf(err). Process does not panic.
func (p *Pipeline) Process(ctx context.Context, a *Article) ([]*Article, error) {
	start := time.Now()
	cur := []*Article{a}
	for i, st := range p.wrapped {
		var next []*Article
		for _, x := range cur {
			out, err := st.Process(ctx, x)
			if err != nil {
				if ctx.Err() != nil && !isInput(err) {
					err = fmt.Errorf("%w (context: %w)", err, ctx.Err())
				}
				return nil, &StageError{Stage: p.names[i], Err: err}
			}
			if len(cur) == 1 {
				next = out
			} else {
				next = append(next, out...)
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil, nil
		}
	}
	d := time.Since(start)
	for _, x := range cur {
		x.Processing.Stages = p.names
		x.Processing.DurationMS = float64(d.Microseconds()) / 1000
	}
	return cur, nil
}

func isInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// Close closes every stage in reverse order and joins their errors.
func (p *Pipeline) Close(ctx context.Context) error {
	var errs []error
	for i := len(p.stages) - 1; i >= 0; i-- {
		if err := p.stages[i].Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", p.names[i], err))
		}
	}
	return errors.Join(errs...)
}

// Recover turns a panic inside Process into an *InputError of class
// ClassPanic carrying the panic value and stack, so the record is
// dead-lettered and the process lives on.
func Recover(next Processor) Processor {
	return &recoverer{Processor: next}
}

type recoverer struct{ Processor }

func (r *recoverer) Process(ctx context.Context, a *Article) (out []*Article, err error) {
	defer func() {
		if v := recover(); v != nil {
			out = nil
			err = &InputError{Class: ClassPanic, Err: fmt.Errorf("panic: %v\n%s", v, debug.Stack())}
		}
	}()
	return r.Processor.Process(ctx, a)
}

// Timing reports each Process call's duration and error to obs.
func Timing(obs Observer) Middleware {
	return func(next Processor) Processor { return &timer{Processor: next, obs: obs} }
}

type timer struct {
	Processor
	obs Observer
}

func (t *timer) Process(ctx context.Context, a *Article) ([]*Article, error) {
	start := time.Now()
	out, err := t.Processor.Process(ctx, a)
	t.obs.ObserveStage(t.Name(), time.Since(start), err)
	return out, err
}
