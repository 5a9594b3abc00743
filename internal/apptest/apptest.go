// Package apptest runs newsflow instances inside integration tests: the
// settings tests start from, and an instance running in the background
// with a bounded, reported shutdown. It is for tests only.
package apptest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/app"
)

// ShutdownTimeout bounds how long Shutdown waits for Run to return.
const ShutdownTimeout = 40 * time.Second

// Settings returns instance settings for tests: the given brokers, topics,
// group and instance name, fast commits (100 ms), a 10 s shutdown deadline,
// a free loopback HTTP port and a trends topic of the group's own.
func Settings(brokers []string, in, out, dlq, group, instance string) app.Settings {
	s := app.DefaultSettings()
	s.Brokers = brokers
	s.Input, s.Output, s.DLQ, s.Group = in, out, dlq, group
	s.MetricsAddr = "127.0.0.1:0"
	s.CommitInterval = 100 * time.Millisecond
	s.ShutdownTimeout = 10 * time.Second
	s.Instance = instance
	// Tests against a shared real broker must not share a trends topic.
	s.TrendsTopic = group + ".trends.out"
	return s
}

// Running is an instance whose Run goroutine the test owns.
type Running struct {
	*app.Instance
	cancel  context.CancelFunc
	stopped chan struct{} // closed when Run has returned
	err     error         // Run's result, set before stopped is closed
	handled atomic.Bool   // the test took Run's error itself
}

// Start builds an instance from s and runs it in the background. When tb
// ends, the instance is shut down and a Run error (or a shutdown over
// ShutdownTimeout) fails tb, unless the test took the error with
// WaitFailure. log may be nil.
func Start(tb testing.TB, s app.Settings, log *slog.Logger) *Running {
	tb.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	inst, err := app.New(s, app.Options{Version: "test", Logger: log})
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{Instance: inst, cancel: cancel, stopped: make(chan struct{})}
	go func() {
		r.err = inst.Run(ctx)
		close(r.stopped)
	}()
	tb.Cleanup(func() {
		if err := r.Shutdown(); err != nil && !r.handled.Load() {
			tb.Errorf("instance %s: %v", s.Instance, err)
		}
	})
	return r
}

// Shutdown cancels the instance and waits, at most ShutdownTimeout, for Run
// to return; it returns Run's error. It may be called more than once.
func (r *Running) Shutdown() error {
	r.cancel()
	select {
	case <-r.stopped:
		if r.err != nil {
			return fmt.Errorf("instance run: %w", r.err)
		}
		return nil
	case <-time.After(ShutdownTimeout):
		return fmt.Errorf("instance run did not return within %v of cancel", ShutdownTimeout)
	}
}

// WaitFailure waits up to d for Run to return by itself and returns its
// error; the test then owns that error (the cleanup does not report it).
// It fails if Run is still running after d, or returned nil.
func (r *Running) WaitFailure(d time.Duration) error {
	select {
	case <-r.stopped:
		r.handled.Store(true)
		if r.err == nil {
			return errors.New("instance run returned nil")
		}
		return r.err
	case <-time.After(d):
		return fmt.Errorf("instance run still going after %v", d)
	}
}
