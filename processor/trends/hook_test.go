package trends_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/state"
)

// The production types fit the interfaces.
var (
	_ trends.Store                  = (*state.Store)(nil)
	_ trends.Restorer[*state.Store] = (*state.Partitioned)(nil)
	_ engine.ClaimHook              = (*trends.ClaimHook[*state.Store])(nil)
)

// restorer is a partitioned store of memStores whose restore replays a
// changelog (here: the store's current content).
type restorer struct {
	stores  map[int]*memStore
	dropped []int
	err     error
}

func (r *restorer) Restore(_ context.Context, p int, take func(string, []byte) bool) (*memStore, error) {
	if r.err != nil {
		return nil, r.err
	}
	s := newMemStore(p)
	if old := r.stores[p]; old != nil {
		for k, v := range old.snapshot() {
			s.restore(k, []byte(v), take)
		}
	}
	r.stores[p] = s
	return s, nil
}

func (r *restorer) Drop(p int) { r.dropped = append(r.dropped, p) }

func TestClaimHook(t *testing.T) {
	agg, err := trends.NewAggregator(trends.Options{TrendsTopic: trendsTopic})
	if err != nil {
		t.Fatal(err)
	}
	r := &restorer{stores: map[int]*memStore{}}
	hook, err := trends.NewClaimHook(r, agg)
	if err != nil {
		t.Fatal(err)
	}
	process := func() error {
		_, err := agg.Process(t.Context(), article(in{3, mention(jane, "a1", time.Hour)}))
		return err
	}
	if process() == nil {
		t.Fatal("a record of an unclaimed partition was processed")
	}
	if err := hook.BeginClaim(t.Context(), mentionsTopic, 3); err != nil {
		t.Fatal(err)
	}
	a := article(in{3, mention(jane, "a1", time.Hour)})
	if _, err := agg.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	for _, rec := range a.SideOutputs { // the engine writes the changelog
		if rec.Topic == changelogTopic {
			r.stores[3].apply(string(rec.Key), rec.Value)
		}
	}
	hook.EndClaim(mentionsTopic, 3)
	if process() == nil || len(r.dropped) != 1 || r.dropped[0] != 3 {
		t.Fatalf("after EndClaim: dropped %v", r.dropped)
	}
	// Claimed again: the window is rebuilt from the changelog, so the
	// same mention is a replay. The memberships went to the aggregator's
	// index as the restore read them: the store holds none.
	if err := hook.BeginClaim(t.Context(), mentionsTopic, 3); err != nil {
		t.Fatal(err)
	}
	r.stores[3].Range(func(k string, _ []byte) bool {
		if strings.HasPrefix(k, "w|") {
			t.Errorf("membership %q kept in the restored store", k)
		}
		return true
	})
	if ks := storeKeys(r.stores[3], "w|"); len(ks) != 1 {
		t.Errorf("changelog memberships %q, want 1", ks)
	}
	a = article(in{3, mention(jane, "a1", time.Hour)})
	if _, err := agg.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if got := find(t, a.SideOutputs, key(jane, time.Hour)); len(got) != 1 || got[0].Count != 1 {
		t.Errorf("replay after a new claim: %+v", got)
	}

	r.err = errors.New("broker gone")
	if err := hook.BeginClaim(t.Context(), mentionsTopic, 4); !errors.Is(err, r.err) {
		t.Errorf("BeginClaim error %v", err)
	}
	if _, err := trends.NewClaimHook[*memStore](nil, agg); err == nil {
		t.Errorf("NewClaimHook without stores accepted")
	}
}

func TestClaimHookOverPartitioned(t *testing.T) {
	agg, err := trends.NewAggregator(trends.Options{TrendsTopic: trendsTopic})
	if err != nil {
		t.Fatal(err)
	}
	var ps *state.Partitioned // the type argument is inferred from its methods
	hook, err := trends.NewClaimHook(ps, agg)
	if err != nil {
		t.Fatal(err)
	}
	var _ engine.ClaimHook = hook
}

// A claim of the previous generation ending after the next generation
// claimed the partition again does not drop the new claim's store.
func TestClaimHookOverlappingClaims(t *testing.T) {
	agg, err := trends.NewAggregator(trends.Options{TrendsTopic: trendsTopic})
	if err != nil {
		t.Fatal(err)
	}
	r := &restorer{stores: map[int]*memStore{}}
	hook, err := trends.NewClaimHook(r, agg)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the old claim, then the new one
		if err := hook.BeginClaim(t.Context(), mentionsTopic, 3); err != nil {
			t.Fatal(err)
		}
	}
	hook.EndClaim(mentionsTopic, 3) // the old claim ends late
	if len(r.dropped) != 0 {
		t.Fatalf("the end of the old claim dropped partition 3: %v", r.dropped)
	}
	if _, err := agg.Process(t.Context(), article(in{3, mention(jane, "a1", time.Hour)})); err != nil {
		t.Fatalf("the new claim lost its partition: %v", err)
	}
	hook.EndClaim(mentionsTopic, 3)
	if len(r.dropped) != 1 {
		t.Fatalf("dropped %v after the last claim ended", r.dropped)
	}
}
