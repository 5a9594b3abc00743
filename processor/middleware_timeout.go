package processor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrAbandoned is in the chain of the error of every stage call that
// Timeout stopped waiting for (errors.Is(err, ErrAbandoned)): the stage had
// not returned by its deadline, or by the time the caller's context was
// done. The call runs on in its own goroutine until the stage returns.
// Pipeline.Abandoned counts these calls; an Observer can count them per
// stage.
var ErrAbandoned = errors.New("stage call abandoned: it runs on in the background until the stage returns")

// errDeadline is the cause of a Timeout's own deadline, to tell it from the
// caller's.
var errDeadline = errors.New("stage deadline exceeded")

// Timeout returns middleware that gives every call of the stage at most d,
// so that a hung stage cannot block its partition for ever.
//
// Process runs next.Process on another goroutine, with a context whose
// deadline is d away, and waits for it:
//
//   - If the stage returns in time, its result is returned unchanged.
//   - If the deadline passes first, Process returns at once an *InputError
//     of class ClassTimeout naming the stage and d, with ErrAbandoned in
//     its chain; the engine dead-letters the record's original bytes. (A
//     stage that heeds its context fails at the deadline too; if its error
//     arrives first, it becomes an *InputError of class ClassTimeout,
//     without ErrAbandoned, unless it is an *InputError already.)
//   - If ctx is done first, Process returns ctx's error (not an
//     *InputError: the record is left unfinished), with ErrAbandoned in its
//     chain. If ctx is already done, the stage is not called.
//
// An abandoned call is not stopped: Go cannot stop a goroutine. A stage
// that ignores its context goes on running, and holds the article and
// whatever memory it uses, until it returns; its result is then dropped,
// and a panic in it is recovered. Because it may still be changing the
// article, the caller must not touch the article, or any article split
// from it, after Process returns an error (Pipeline and the engine do
// not).
//
// Close waits for abandoned calls that are still running, until its ctx
// is done, before closing the stage; if they have not all returned by then,
// it leaves the stage unclosed and says so in its error.
//
// The stage runs on goroutines that Timeout keeps for the next calls (a new
// goroutine would grow its stack anew for every call, which costs more than
// a small stage); one that stays idle for a minute, or finds the middleware
// closed, exits.
//
// With d <= 0, Timeout returns next unchanged: no timeout.
func Timeout(d time.Duration) Middleware {
	return func(next Processor) Processor {
		if d <= 0 {
			return next
		}
		return &timeouter{Processor: next, d: d, jobs: make(chan *call), quit: make(chan struct{})}
	}
}

// workerIdle is how long a Timeout goroutine waits for a call before it
// exits.
const workerIdle = time.Minute

type timeouter struct {
	Processor
	d         time.Duration
	jobs      chan *call    // unbuffered: a send succeeds only to an idle worker
	quit      chan struct{} // closed by Close: idle workers exit
	closeOnce sync.Once
	calls     inflight // calls handed to a worker and not finished
}

// call is one Process call handed to a worker.
type call struct {
	ctx  context.Context
	a    *Article
	done chan result // buffered: the worker never blocks on it
}

type result struct {
	out []*Article
	err error
}

func (t *timeouter) Process(ctx context.Context, a *Article) ([]*Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s not started: %w", t.Name(), context.Cause(ctx))
	}
	sctx, cancel := context.WithTimeoutCause(ctx, t.d, errDeadline)
	defer cancel()
	c := &call{ctx: sctx, a: a, done: make(chan result, 1)}
	t.calls.add()
	select {
	case t.jobs <- c:
	default:
		go t.work(c)
	}
	select {
	case r := <-c.done:
		return t.finished(sctx, r)
	case <-sctx.Done():
	}
	// A result that is ready wins over the deadline.
	select {
	case r := <-c.done:
		return t.finished(sctx, r)
	default:
	}
	// From here on a belongs to the abandoned call.
	if !errors.Is(context.Cause(sctx), errDeadline) {
		return nil, fmt.Errorf("%s: %w: %w", t.Name(), ErrAbandoned, context.Cause(ctx))
	}
	return nil, &InputError{Class: ClassTimeout,
		Err: fmt.Errorf("%s did not return within %v: %w", t.Name(), t.d, ErrAbandoned)}
}

// work runs c, then the calls handed to it, until it has been idle for
// workerIdle or the middleware is closed.
func (t *timeouter) work(c *call) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		out, err := t.run(c)
		c.done <- result{out, err}
		t.calls.done()
		idle.Reset(workerIdle)
		select {
		case c = <-t.jobs:
		case <-idle.C:
			return
		case <-t.quit:
			return
		}
	}
}

// run calls the stage, turning a panic into an error of class ClassPanic.
func (t *timeouter) run(c *call) (out []*Article, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, panicError(v)
		}
	}()
	return t.Processor.Process(c.ctx, c.a)
}

// finished returns the result of a call that returned. A failure after the
// stage's own deadline passed is a timeout, unless it is already an
// *InputError (a panic, bad input).
func (t *timeouter) finished(sctx context.Context, r result) ([]*Article, error) {
	if r.err != nil && !isInput(r.err) && errors.Is(context.Cause(sctx), errDeadline) {
		return nil, &InputError{Class: ClassTimeout,
			Err: fmt.Errorf("%s did not finish within %v: %w", t.Name(), t.d, r.err)}
	}
	return r.out, r.err
}

// Close stops the idle workers, waits for abandoned calls to return, until
// ctx is done, then closes the stage.
func (t *timeouter) Close(ctx context.Context) error {
	t.closeOnce.Do(func() { close(t.quit) })
	if n, err := t.calls.wait(ctx); err != nil {
		return fmt.Errorf("%s not closed: %d abandoned calls still running: %w", t.Name(), n, err)
	}
	return t.Processor.Close(ctx)
}

// inflight counts running calls and lets Close wait until there are none.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0; made by wait
}

func (f *inflight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	f.n--
	if f.n == 0 && f.idle != nil {
		close(f.idle)
		f.idle = nil
	}
	f.mu.Unlock()
}

// wait returns when no call is running, or when ctx is done with the
// number still running and ctx's cause.
func (f *inflight) wait(ctx context.Context) (int, error) {
	f.mu.Lock()
	if f.n == 0 {
		f.mu.Unlock()
		return 0, nil
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	idle := f.idle
	f.mu.Unlock()
	select {
	case <-idle:
		return 0, nil
	case <-ctx.Done():
		f.mu.Lock()
		n := f.n
		f.mu.Unlock()
		if n == 0 {
			return 0, nil
		}
		return n, context.Cause(ctx)
	}
}
