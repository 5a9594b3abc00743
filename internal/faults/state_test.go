package faults_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
)

// datedArticles are articles (see articles) with published times spread
// over six hours, shuffled within ±8 minutes.
func datedArticles(t *testing.T, prefix string, n int, seed uint64) []kafka.Message {
	t.Helper()
	msgs, _ := articles(t, prefix, n, 0)
	rng := rand.New(rand.NewPCG(seed, 2))
	base := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	for i := range msgs {
		var a map[string]any
		if err := json.Unmarshal(msgs[i].Value, &a); err != nil {
			t.Fatal(err)
		}
		at := base.Add(6 * time.Hour * time.Duration(i) / time.Duration(n)).Add(time.Duration(rng.Int64N(int64(16*time.Minute))) - 8*time.Minute)
		a["published"] = at.Format(time.RFC3339)
		msgs[i].Value, _ = json.Marshal(a)
	}
	rng.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	return msgs
}

// State after kill -9: the near-duplicate table and the trend windows are
// restored from their changelogs by each new process. Processes are killed
// while articles flow; at the end (1) every trend key's latest count
// equals a brute-force count over the enriched output, and (2) copies of
// articles processed before the kills, published after them, are found as
// duplicates.
func TestStateAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	const n, kills = 1500, 4
	brokers := testkafka.Brokers(t)
	e := newEnv(t, brokers, 3)
	msgs := datedArticles(t, "state", n, 7)
	bin := buildBinary(t)
	ctx := t.Context()
	// The articles arrive while the processes are killed and restarted.
	var pub errgroup.Group
	pub.Go(func() error {
		for rest := msgs; len(rest) > 0; {
			k := min(100, len(rest))
			if err := produce(ctx, brokers, e.in, 0, rest[:k]...); err != nil {
				return err
			}
			rest = rest[k:]
			time.Sleep(300 * time.Millisecond)
		}
		return nil
	})
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for i := range kills {
		before := outputCount(ctx, e)
		c := startStateChild(t, bin, e, i)
		if !waitFor(60*time.Second, func() bool { return outputCount(ctx, e) > before || caughtUp(ctx, e) }) {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
			t.Fatalf("process %d made no progress in 60 s:\n%s", i, c.logTail())
		}
		time.Sleep(time.Duration(rng.Int64N(int64(1500 * time.Millisecond))))
		if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = c.cmd.Wait()
		t.Logf("kill -9 #%d (outputs so far %d)", i+1, outputCount(ctx, e))
		if err := evictMembers(ctx, e); err != nil {
			t.Logf("evicting the dead members: %v (the broker's session timeout will)", err)
		}
	}
	if err := pub.Wait(); err != nil {
		t.Fatal(err)
	}
	final := startStateChild(t, bin, e, kills)
	defer func() {
		_ = final.cmd.Process.Signal(syscall.SIGTERM)
		_ = final.cmd.Wait()
	}()
	waitCommittedToEnd(t, e, 300*time.Second)

	// Copies of stories processed before the kills.
	var copies []kafka.Message
	for i, m := range msgs[:40] {
		var a map[string]any
		_ = json.Unmarshal(m.Value, &a)
		a["id"] = fmt.Sprintf("late-copy-%d", i)
		a["body"] = "(Sample Wire) — " + a["body"].(string)
		v, _ := json.Marshal(a)
		copies = append(copies, kafka.Message{Key: []byte(a["id"].(string)), Value: v, Time: time.Now()})
	}
	if err := produce(ctx, brokers, e.in, 0, copies...); err != nil {
		t.Fatal(err)
	}
	waitCommittedToEnd(t, e, 120*time.Second)

	out := readToEnd(t, e, e.out)
	arts := map[string]*processor.Article{}
	for _, m := range out {
		var a processor.Article
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		arts[a.ID] = &a
	}
	missed := 0
	for i := range copies {
		a := arts[fmt.Sprintf("late-copy-%d", i)]
		if a == nil {
			t.Fatalf("late-copy-%d not in the output", i)
		}
		if a.Dedup == nil || a.Dedup.DuplicateOf == nil {
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d copies of articles processed before the kills were not found as duplicates", missed, len(copies))
	}

	// Trends: the latest count of every key equals the brute force.
	want := map[string]map[string]bool{}
	for _, a := range arts {
		start := processor.EventTime(a).Truncate(time.Hour)
		for _, en := range a.Entities {
			if en.Type != processor.EntityPerson && en.Type != processor.EntityOrg && en.Type != processor.EntityLoc {
				continue
			}
			k := trends.TrendKey(en.Type, en.Name, start)
			if want[k] == nil {
				want[k] = map[string]bool{}
			}
			want[k][a.ID] = true
		}
	}
	trendsTopic := e.grp + ".trends.out"
	var latest map[string]trends.Trend
	if !waitFor(60*time.Second, func() bool {
		latest = map[string]trends.Trend{}
		for _, m := range readToEnd(t, e, trendsTopic) {
			var tr trends.Trend
			if err := json.Unmarshal(m.Value, &tr); err != nil {
				t.Fatal(err)
			}
			latest[string(m.Key)] = tr // readToEnd: partition and offset order
		}
		for k, ids := range want {
			if latest[k].Count != len(ids) {
				return false
			}
		}
		return true
	}) {
		bad := 0
		for k, ids := range want {
			if latest[k].Count != len(ids) {
				if bad < 10 {
					t.Errorf("%s: latest count %d, brute force %d", k, latest[k].Count, len(ids))
				}
				bad++
			}
		}
		t.Fatalf("%d of %d trend keys wrong after %d kill -9\n%s", bad, len(want), kills, final.logTail())
	}
	for k := range latest {
		if want[k] == nil {
			t.Errorf("trend %s counts articles that are not in the output", k)
		}
	}
	t.Logf("state after %d kill -9: %d articles, %d late copies all found, %d trend keys exact", kills, len(arts), len(copies), len(want))
}

// startStateChild is startChild with no mention late: this test is about
// exact counts (the unit tests of processor/trends are about lateness).
func startStateChild(t *testing.T, bin string, e env, n int) *child {
	t.Helper()
	return startChildWith(t, bin, e, n, "127.0.0.1:0", "--allowed-lateness", "48h")
}
