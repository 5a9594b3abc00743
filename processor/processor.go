package processor

import (
	"context"
	"errors"
	"fmt"
)

// Processor is one stage of the pipeline.
//
// Process receives one decoded article and returns the articles to pass on:
// usually the same pointer (possibly modified in place), none to filter the
// article out, or several to split it. A returned error fails the record:
// the engine dead-letters it with the error, the stage name and the error's
// Class, unless ctx is done and the error is not an *InputError, in which
// case the record is left unfinished (it will be processed again after a
// restart). After an error the caller must not use the article again (see
// Timeout).
//
// Process should return soon after ctx is done; in a pipeline built with
// Timeout, ctx carries the stage's deadline, and a call that outlives it is
// abandoned (see Timeout).
//
// Process may be called concurrently from several goroutines, each with its
// own article; implementations keep per-article state on the stack or in the
// Article and guard any shared state themselves. Process must not keep a
// reference to the article after it returns.
//
// Close releases the processor's resources. It is called once, after the
// last Process call has returned; it must return by the time ctx is done.
type Processor interface {
	Name() string
	Process(ctx context.Context, a *Article) ([]*Article, error)
	Close(ctx context.Context) error
}

// Func adapts a function that modifies an article in place into a
// Processor that always passes the article on. Close does nothing.
func Func(name string, fn func(ctx context.Context, a *Article) error) Processor {
	return funcProcessor{name: name, fn: fn}
}

type funcProcessor struct {
	name string
	fn   func(ctx context.Context, a *Article) error
}

func (f funcProcessor) Name() string { return f.name }

func (f funcProcessor) Process(ctx context.Context, a *Article) ([]*Article, error) {
	if err := f.fn(ctx, a); err != nil {
		return nil, err
	}
	return []*Article{a}, nil
}

func (funcProcessor) Close(context.Context) error { return nil }

// Error classes: the bounded set of reasons a record is dead-lettered for.
// They are the values of the DLQ "newsflow-error-class" header and of the
// "reason" label of newsflow_records_dead_lettered_total.
//
// The first five are faults of the record. ClassProcessor is any other
// error of a stage. ClassPanic and ClassTimeout are faults of a stage, not
// of the record (a bug, a hung stage); the record is dead-lettered all the
// same, so that one record cannot stall its partition.
const (
	ClassInvalidJSON  = "invalid_json"    // the value starts with '{' but does not parse
	ClassInvalidUTF8  = "invalid_utf8"    // the value is not valid UTF-8
	ClassMissingBody  = "missing_body"    // no body, or no visible text in it
	ClassTooLarge     = "too_large"       // the value is over the size limit
	ClassInvalidField = "invalid_field"   // a field of the wrong type, or an over-long id
	ClassProcessor    = "processor_error" // a stage's error that is not an *InputError
	ClassPanic        = "panic"           // a stage panicked (see Recover)
	ClassTimeout      = "timeout"         // a stage ran past its deadline (see Timeout)
)

// Classes lists every error class, for metrics initialisation and docs.
var Classes = []string{
	ClassInvalidJSON, ClassInvalidUTF8, ClassMissingBody, ClassTooLarge,
	ClassInvalidField, ClassProcessor, ClassPanic, ClassTimeout,
}

// InputError is a permanent error: processing the record again cannot
// succeed, so it is dead-lettered, even while the pipeline's context is
// being cancelled. Mostly the record itself is at fault (invalid JSON, no
// body); for ClassPanic and ClassTimeout the stage is, but retrying would
// fail or hang the same way.
type InputError struct {
	Class string // one of the Class* constants
	Err   error
}

func (e *InputError) Error() string { return e.Class + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// NewInputError returns an *InputError of the given class.
func NewInputError(class, format string, args ...any) error {
	return &InputError{Class: class, Err: fmt.Errorf(format, args...)}
}

// ClassOf returns the error class of err: the Class of an *InputError in its
// chain, else ClassProcessor.
func ClassOf(err error) string {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Class
	}
	return ClassProcessor
}

// StageError is the error the pipeline returns when a stage fails; it names
// the stage.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return "stage " + e.Stage + ": " + e.Err.Error() }
func (e *StageError) Unwrap() error { return e.Err }

// StageOf returns the stage named by a *StageError in err's chain, or "".
func StageOf(err error) string {
	var se *StageError
	if errors.As(err, &se) {
		return se.Stage
	}
	return ""
}
