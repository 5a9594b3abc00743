package processor

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"time"
)

// Middleware wraps a stage with cross-cutting behaviour (recover, timing,
// timeout, a language gate) so that stages stay plain.
//
// The Processor a Middleware returns wraps next: its Name returns
// next.Name() and its Close calls next.Close (embedding next gives both).
// Its Process may work before and after calling next.Process, or answer
// without calling it (a gate). Like any Processor it is called
// concurrently, each call with its own article.
//
// Where several middleware apply, the first listed is the outermost: it
// sees the call first and the result last.
type Middleware func(next Processor) Processor

// Observer is told about every stage call; the engine uses it for the
// per-stage duration histograms. ObserveStage is called concurrently, from
// the goroutines calling Pipeline.Process, and must not block.
type Observer interface {
	ObserveStage(stage string, d time.Duration, err error)
}

// Stage returns p with middleware of its own, for behaviour that applies to
// some stages only (a language gate, a longer Timeout). The result has p's
// name. Inside a Pipeline, one call of the stage runs through
//
//	pipeline middleware → Stage middleware → Recover → p
//
// each list with its first element outermost. Used on its own, the result
// runs mw around Recover(p). Stage(Stage(p, a...), b...) is
// Stage(p, b..., a...). Nil middleware are ignored; Stage(nil) is nil.
func Stage(p Processor, mw ...Middleware) Processor {
	if p == nil {
		return nil
	}
	if s, ok := p.(*stage); ok {
		return newStage(s.inner, append(slices.Clip(mw), s.mw...))
	}
	return newStage(p, mw)
}

// stage is a Processor with its own middleware; see Stage.
type stage struct {
	Processor // the chain: mw around Recover(inner); nil if a middleware returned nil
	inner     Processor
	mw        []Middleware
}

func newStage(p Processor, mw []Middleware) *stage {
	return &stage{Processor: wrap(Recover(p), mw), inner: p, mw: slices.Clone(mw)}
}

// Name returns the wrapped stage's name, whatever the middleware do.
func (s *stage) Name() string { return s.inner.Name() }

// wrap applies mw to p, mw[0] outermost, skipping nil middleware. It
// returns nil if a middleware returns nil.
func wrap(p Processor, mw []Middleware) Processor {
	for i := len(mw) - 1; i >= 0 && p != nil; i-- {
		if mw[i] != nil {
			p = mw[i](p)
		}
	}
	return p
}

// Recover is the middleware that turns a panic in next.Process into an
// *InputError of class ClassPanic carrying the panic value and the stack.
// A panic is a bug in the processor, not a fault of the record; the record
// is dead-lettered all the same, so that its partition moves on and the
// process lives. A Pipeline applies Recover around every stage, innermost,
// whatever other middleware it is given.
func Recover(next Processor) Processor {
	return &recoverer{Processor: next}
}

type recoverer struct{ Processor }

func (r *recoverer) Process(ctx context.Context, a *Article) (out []*Article, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, panicError(v)
		}
	}()
	return r.Processor.Process(ctx, a)
}

func panicError(v any) error {
	return &InputError{Class: ClassPanic, Err: fmt.Errorf("panic: %v\n%s", v, debug.Stack())}
}

// Timing returns middleware that reports the duration and error of every
// call to obs, measured around next.Process (so a Timeout inside it counts
// the time until the call was abandoned). With a nil obs it returns next
// unchanged.
func Timing(obs Observer) Middleware {
	return func(next Processor) Processor {
		if obs == nil {
			return next
		}
		return &timer{Processor: next, obs: obs}
	}
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
