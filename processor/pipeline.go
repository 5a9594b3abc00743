package processor

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Pipeline runs articles through a fixed list of stages, each under its
// middleware (see NewPipeline).
//
// A Pipeline is safe for concurrent use by many goroutines once built.
type Pipeline struct {
	chains    []Processor // per stage: pipeline middleware → Stage middleware → Recover → stage
	names     []string
	abandoned atomic.Int64
}

// NewPipeline builds a pipeline of stages, in order, every stage run under
// mw (the first is the outermost), for example
//
//	NewPipeline(stages, Timing(obs), Timeout(10*time.Second))
//
// Middleware for some stages only is given with Stage, and runs inside mw.
// Recover is always applied directly around each stage, innermost, so that
// a panic becomes an error of class ClassPanic even in a Timeout's
// goroutine. Nil middleware are ignored.
//
// NewPipeline fails if there are no stages, a stage is nil, a name is empty
// or used twice, or a middleware returns nil.
func NewPipeline(stages []Processor, mw ...Middleware) (*Pipeline, error) {
	if len(stages) == 0 {
		return nil, errors.New("processor: a pipeline needs at least one stage")
	}
	p := &Pipeline{}
	seen := make(map[string]bool, len(stages))
	for i, s := range stages {
		if s == nil {
			return nil, fmt.Errorf("processor: stage %d is nil", i)
		}
		name := s.Name()
		if name == "" || seen[name] {
			return nil, fmt.Errorf("processor: stage name %q is empty or used twice", name)
		}
		seen[name] = true
		var c Processor
		if st, ok := s.(*stage); ok {
			c = st.Processor // Recover is inside already
		} else {
			c = Recover(s)
		}
		if c = wrap(c, mw); c == nil {
			return nil, fmt.Errorf("processor: stage %q: a middleware returned nil", name)
		}
		p.chains = append(p.chains, c)
		p.names = append(p.names, name)
	}
	return p, nil
}

// Stages returns the stage names in order.
func (p *Pipeline) Stages() []string { return append([]string(nil), p.names...) }

// Process runs a through every stage and returns the surviving articles:
// none if a stage filtered it out, several if a stage split it. It blocks
// until the last stage returns, or a Timeout gives up on one.
//
// On failure it returns a *StageError naming the stage; the error's class
// is ClassOf(err). Process does not panic, whatever a stage or middleware
// does. After an error, a (and any article split from it) must not be used
// again: a stage call abandoned by Timeout may still be changing it. The
// engine dead-letters the record's original bytes, not the article.
func (p *Pipeline) Process(ctx context.Context, a *Article) ([]*Article, error) {
	start := time.Now()
	cur := []*Article{a}
	for i := range p.chains {
		var next []*Article
		for _, x := range cur {
			out, err := p.call(ctx, i, x)
			if err != nil {
				if errors.Is(err, ErrAbandoned) {
					p.abandoned.Add(1)
				}
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

// call runs stage i on x; a panic in the middleware around the stage (the
// stage's own is caught by Recover) becomes an error of class ClassPanic.
func (p *Pipeline) call(ctx context.Context, i int, x *Article) (out []*Article, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, panicError(v)
		}
	}()
	return p.chains[i].Process(ctx, x)
}

// Abandoned returns the number of stage calls Timeout has abandoned since
// the pipeline was built (errors with ErrAbandoned in their chain). Each
// was left running in its goroutine until its stage returned; a count that
// keeps growing means a stage hangs.
func (p *Pipeline) Abandoned() int64 { return p.abandoned.Load() }

func isInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

// Close closes every stage, through its middleware, in reverse order and
// joins their errors. Call it once, after every Process call has returned.
// A stage with calls abandoned by Timeout still running is closed once they
// return; if ctx is done first it is left unclosed, with an error.
func (p *Pipeline) Close(ctx context.Context) error {
	var errs []error
	for i := len(p.chains) - 1; i >= 0; i-- {
		if err := p.chains[i].Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", p.names[i], err))
		}
	}
	return errors.Join(errs...)
}
