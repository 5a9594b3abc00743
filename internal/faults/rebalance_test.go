package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/testkafka"
)

// Fault 3, rebalance storm: instances of one group join and leave every
// few seconds while articles flow. Nothing is lost, and no offset is ever
// committed before every record below it has an acknowledged output.
func TestRebalanceStorm(t *testing.T) {
	n, storm := 3000, 10*time.Second
	if full() {
		n, storm = 12000, 60*time.Second
	}
	brokers := testkafka.Brokers(t)
	e := newEnv(t, brokers, 6)
	msgs, ids := articles(t, "storm", n, 100)

	var pub errgroup.Group
	pub.Go(func() error {
		chunks := 30
		chunk := max(len(msgs)/chunks, 1)
		pause := storm / time.Duration(chunks)
		for rest := msgs; len(rest) > 0; {
			k := min(chunk, len(rest))
			if err := produce(context.Background(), brokers, e.in, 0, rest[:k]...); err != nil {
				return err
			}
			rest = rest[k:]
			time.Sleep(pause)
		}
		return nil
	})
	watch := watchCommits(e)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	var live []running
	started := 0
	join := func() {
		started++
		live = append(live, start(t, e.settings(fmt.Sprintf("storm-%d", started))))
	}
	join()
	join()
	joins, leaves := 2, 0
	end := time.Now().Add(storm)
	for time.Now().Before(end) {
		time.Sleep(time.Duration(500+rng.IntN(1500)) * time.Millisecond)
		if len(live) < 2 || (len(live) < 4 && rng.IntN(2) == 0) {
			join()
			joins++
			continue
		}
		i := rng.IntN(len(live))
		if err := live[i].shutdown(); err != nil {
			t.Errorf("leaving instance: %v", err)
		}
		live = append(live[:i], live[i+1:]...)
		leaves++
	}
	if err := pub.Wait(); err != nil {
		t.Fatal(err)
	}
	settle := time.Now()
	waitCommittedToEnd(t, e, 180*time.Second)
	caughtUp := time.Since(settle)
	for _, r := range live {
		if err := r.shutdown(); err != nil {
			t.Error(err)
		}
	}
	watch.stop()

	tally, outs := account(t, e, ids)
	inEnd, err := e.endOffsets(t.Context(), e.in)
	if err != nil {
		t.Fatal(err)
	}
	observed, violations := watch.check(t, inEnd, outs)
	t.Logf("rebalance storm for %v: %d joins, %d leaves; %s; commits observed %d, commits ahead of acknowledged output %d; caught up %v after the storm",
		storm, joins, leaves, tally, observed, violations, caughtUp.Round(time.Millisecond))
	checkTally(t, tally)
	if violations > 0 {
		t.Errorf("%d committed offsets were ahead of acknowledged outputs", violations)
	}
	if observed == 0 {
		t.Errorf("no commit observed during the storm")
	}
}
