// Package wait holds the one context-aware sleep the retry loops of
// consumer, state and app share.
package wait

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends, and reports whether d passed. It
// blocks; the timer is released either way.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
