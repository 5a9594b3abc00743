package faults_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// embedded starts an embedded broker for a fault test; the tests that
// inject faults need it even when $NEWSFLOW_TEST_BROKERS is set.
func embedded(t *testing.T, opts broker.Options) *broker.Broker {
	t.Helper()
	b, err := broker.Start(opts)
	if err != nil {
		t.Fatalf("start embedded broker: %v", err)
	}
	return b
}

// disruption breaks the broker for a while: breakIt starts the trouble,
// restore ends it.
type disruption struct {
	breakIt func(t *testing.T)
	restore func(t *testing.T)
	// feedDuring: the second third of the input is produced once the
	// fault has started, not before it, so that the instance has records
	// to write while it lasts (the input topic must stay writable).
	// Without it an instance fast enough to finish that third before the
	// fault writes nothing during a produce fault, and its readiness
	// rightly never drops.
	feedDuring bool
}

// faultFor is how long each broker fault lasts.
func faultFor() time.Duration {
	if full() {
		return 15 * time.Second
	}
	return 3 * time.Second
}

// runDisruption runs articles through one instance while d breaks the
// broker, and checks that nothing is lost and the instance recovers by
// itself. It returns how many readiness samples during the fault were not
// ready.
func runDisruption(t *testing.T, e env, name string, d disruption) (notReady, samples int) {
	t.Helper()
	r := start(t, e.settings(name))
	msgs, ids := articles(t, name, 900, 50)
	third := len(msgs) / 3
	if err := produce(t.Context(), e.brokers, e.in, 0, msgs[:third]...); err != nil {
		t.Fatal(err)
	}
	if !waitFor(60*time.Second, func() bool { return outputCount(t.Context(), e) > 0 }) {
		t.Fatalf("%s: no output before the fault", name)
	}
	if !d.feedDuring {
		if err := produce(t.Context(), e.brokers, e.in, 0, msgs[third:2*third]...); err != nil {
			t.Fatal(err)
		}
	}
	rd := watchReadiness(r)
	d.breakIt(t)
	began := time.Now()
	if d.feedDuring {
		if err := produce(t.Context(), e.brokers, e.in, 0, msgs[third:2*third]...); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(faultFor() - time.Since(began))
	notReady, samples = rd.stop()
	d.restore(t)
	restored := time.Now()
	var readyAgain time.Duration
	if waitFor(60*time.Second, r.ready) {
		readyAgain = time.Since(restored)
	} else {
		t.Errorf("%s: not ready 60 s after the fault ended", name)
	}
	if err := produce(t.Context(), e.brokers, e.in, 0, msgs[2*third:]...); err != nil {
		t.Fatal(err)
	}
	waitCommittedToEnd(t, e, 120*time.Second)
	caughtUp := time.Since(restored)
	if err := r.shutdown(); err != nil {
		t.Error(err)
	}
	tally, _ := account(t, e, ids)
	t.Logf("%s: fault %v; not ready in %d of %d samples during the fault; ready again %v after it ended; caught up %v after it ended; %s",
		name, faultFor(), notReady, samples, readyAgain.Round(time.Millisecond), caughtUp.Round(time.Millisecond), tally)
	checkTally(t, tally)
	return notReady, samples
}

// Fault 2, broker trouble: errors injected on produce, fetch, offset
// commit and metadata requests for a few seconds, and a broker that goes
// away and comes back with its data. newsflow retries, reports not ready
// while its writes fail, resumes by itself and loses nothing.
func TestBrokerErrors(t *testing.T) {
	cases := []struct {
		name  string
		fault func(e env) kfake.Fault
		// mustBeNotReady: readiness must drop during this fault; the
		// input is then fed while the fault lasts (see feedDuring), which
		// needs a fault that leaves the input topic writable.
		mustBeNotReady bool
	}{
		{"produce", func(e env) kfake.Fault {
			return kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: e.out, Err: kerr.NotEnoughReplicas, Count: -1}
		}, true},
		{"fetch", func(e env) kfake.Fault {
			return kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: e.in, Err: kerr.UnknownServerError, Count: -1}
		}, false},
		{"offset-commit", func(e env) kfake.Fault {
			return kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Group: e.grp, Err: kerr.CoordinatorNotAvailable, Count: -1}
		}, false},
		{"metadata", func(e env) kfake.Fault {
			return kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Err: kerr.LeaderNotAvailable, Count: -1}
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := embedded(t, broker.Options{Partitions: 3})
			t.Cleanup(b.Close)
			e := newEnv(t, b.Addrs(), 3)
			var h *kfake.FaultHandle
			notReady, _ := runDisruption(t, e, tc.name, disruption{
				breakIt:    func(*testing.T) { h = b.Cluster().Fault(tc.fault(e)) },
				restore:    func(t *testing.T) { t.Logf("%s: %d requests faulted", tc.name, h.Hits()); h.Remove() },
				feedDuring: tc.mustBeNotReady,
			})
			if tc.mustBeNotReady && notReady == 0 {
				t.Errorf("%s: /readyz never said 503 while the fault lasted", tc.name)
			}
		})
	}
	t.Run("broker-restart", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		b := embedded(t, broker.Options{Partitions: 3, Extra: []kfake.Opt{kfake.DataDir(dir)}})
		addr := b.Addrs()[0]
		t.Cleanup(func() { b.Close() })
		e := newEnv(t, b.Addrs(), 3)
		notReady, _ := runDisruption(t, e, "broker-restart", disruption{
			breakIt: func(*testing.T) { b.Close() },
			restore: func(t *testing.T) {
				b = embedded(t, broker.Options{Listen: addr, Partitions: 3, Extra: []kfake.Opt{kfake.DataDir(dir)}})
			},
		})
		if notReady == 0 {
			t.Errorf("broker-restart: /readyz never said 503 while the broker was down")
		}
	})
}

// EnvKafkaScript names the variable holding the path of scripts/kafka.sh;
// with it (and $NEWSFLOW_TEST_BROKERS pointing at that script's broker),
// TestRealBrokerOutage stops and restarts the real broker.
const EnvKafkaScript = "NEWSFLOW_TEST_KAFKA_SCRIPT"

// Fault 2 against Apache Kafka: the broker process is stopped (its data
// kept) for 10–30 s and started again, with `scripts/kafka.sh down` and
// `up`.
func TestRealBrokerOutage(t *testing.T) {
	script := os.Getenv(EnvKafkaScript)
	if script == "" || !testkafka.Real() {
		t.Skipf("needs a real broker started by scripts/kafka.sh: set %s to the script and %s (eval \"$(scripts/kafka.sh env)\")", EnvKafkaScript, testkafka.EnvBrokers)
	}
	run := func(t *testing.T, arg string) {
		ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, script, arg).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", script, arg, err, out)
		}
	}
	e := newEnv(t, testkafka.Brokers(t), 3)
	var down time.Time
	var downFor time.Duration
	notReady, samples := runDisruption(t, e, "kafka-outage", disruption{
		breakIt: func(t *testing.T) {
			down = time.Now()
			run(t, "down")
		},
		restore: func(t *testing.T) {
			// faultFor is short; a real outage lasts at least 10 s.
			if d := 10*time.Second - time.Since(down); d > 0 {
				time.Sleep(d)
			}
			run(t, "up")
			downFor = time.Since(down)
		},
	})
	t.Logf("kafka-outage: broker down (stop to started again) for %v", downFor.Round(time.Second))
	if notReady == 0 {
		t.Errorf("/readyz never said 503 in %d samples while the broker was down", samples)
	}
}
