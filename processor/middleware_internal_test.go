package processor

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestTimeoutFinishedAfterDeadline covers a call that returns after its
// deadline passed but before Timeout gave up on it (a race the black-box
// tests cannot force): a failure is a timeout, unless it is an *InputError
// already; a success stands.
func TestTimeoutFinishedAfterDeadline(t *testing.T) {
	to := &timeouter{Processor: Func("slow", nil), d: time.Millisecond}
	expired, cancel := context.WithTimeoutCause(t.Context(), time.Nanosecond, errDeadline)
	defer cancel()
	<-expired.Done()
	live := t.Context()
	a := &Article{}
	tests := []struct {
		name      string
		sctx      context.Context
		res       result
		wantClass string // "" for no error
	}{
		{"error after the deadline", expired, result{err: context.DeadlineExceeded}, ClassTimeout},
		{"input error after the deadline", expired, result{err: NewInputError(ClassInvalidField, "x")}, ClassInvalidField},
		{"success after the deadline", expired, result{out: []*Article{a}}, ""},
		{"error in time", live, result{err: errors.New("x")}, ClassProcessor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := to.finished(tt.sctx, tt.res)
			if tt.wantClass == "" {
				if err != nil || len(out) != 1 {
					t.Fatalf("got %v, %v; want the result", out, err)
				}
				return
			}
			if ClassOf(err) != tt.wantClass || errors.Is(err, ErrAbandoned) {
				t.Fatalf("error %v (class %s), want class %s, not abandoned", err, ClassOf(err), tt.wantClass)
			}
		})
	}
}
