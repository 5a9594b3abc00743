package trends

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Restorer is the partitioned store as the claim hook uses it:
// *state.Partitioned is one, with S = *state.Store.
type Restorer[S Store] interface {
	// Restore reads the changelog of partition p into a new store and
	// returns it, giving each record to take first and leaving out of
	// the store those take returns true for; it blocks until done or ctx
	// ends.
	Restore(ctx context.Context, p int, take func(key string, value []byte) bool) (S, error)
	// Drop forgets partition p.
	Drop(p int)
}

// ClaimHook is the engine claim hook (engine.ClaimHook) of the
// aggregation engine: when a mentions partition is claimed it restores
// the partition's store and hands it to the aggregator (Restored), before
// any record of the partition is processed; when the claim ends it drops
// both. It replaces the partitioned store's own hook: do not register
// both. Its methods may be called concurrently for different partitions.
//
// Claims of one partition may overlap: a claim of the previous group
// generation can still be finishing (its records abandoned past the drain
// deadline) when the next generation claims the partition again. The hook
// counts the claims of each partition and forgets a partition only when
// its last claim ends, so that the end of an old claim never drops the
// store the new one restored.
type ClaimHook[S Store] struct {
	stores Restorer[S]
	agg    *Aggregator

	mu     sync.Mutex
	claims map[int]int // partition -> claims begun and not ended
}

// NewClaimHook returns the claim hook of agg over stores, e.g.
// NewClaimHook(partitioned, agg) with a *state.Partitioned.
func NewClaimHook[S Store](stores Restorer[S], agg *Aggregator) (*ClaimHook[S], error) {
	if stores == nil || agg == nil {
		return nil, errors.New("trends: the claim hook needs a partitioned store and an aggregator")
	}
	return &ClaimHook[S]{stores: stores, agg: agg, claims: map[int]int{}}, nil
}

// BeginClaim restores partition p and rebuilds the aggregator's windows
// from it, the memberships as the restore reads them (Restoring). It
// blocks until the restore is done or ctx ends.
func (h *ClaimHook[S]) BeginClaim(ctx context.Context, topic string, p int) error {
	h.mu.Lock()
	h.claims[p]++
	h.mu.Unlock()
	r := h.agg.Restoring(p)
	s, err := h.stores.Restore(ctx, p, r.Take)
	if err != nil {
		return fmt.Errorf("trends: claim of %s/%d: %w", topic, p, err)
	}
	r.Done(s)
	return nil
}

// EndClaim forgets partition p in the aggregator and the store, once no
// other claim of it is open.
func (h *ClaimHook[S]) EndClaim(_ string, p int) {
	h.mu.Lock()
	h.claims[p]--
	last := h.claims[p] <= 0
	if last {
		delete(h.claims, p)
	}
	h.mu.Unlock()
	if last {
		h.agg.Dropped(p)
		h.stores.Drop(p)
	}
}
