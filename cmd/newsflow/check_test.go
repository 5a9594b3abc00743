package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// checkRows returns the RESULT column of check's table by CHECK, as printed.
func checkRows(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(l)
		for i, w := range f {
			if w == "pass" || w == "FAIL" || w == "warn" {
				m[strings.Join(f[:i], " ")] = w
				break
			}
		}
	}
	return m
}

func TestCheck(t *testing.T) {
	brokers := testkafka.Brokers(t)
	in, out, dlq, grp := testkafka.Name(t, "in"), testkafka.Name(t, "out"), testkafka.Name(t, "dlq"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 3, in, out)
	args := []string{"check", "--brokers", strings.Join(brokers, ","), "--input", in, "--output", out, "--dlq", dlq, "--group", grp, "--trends-topic", grp + ".trends.out", "--log-level", "error"}

	// Topics missing, creatable: pass, saying run will create them.
	r := newsflow(t, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "run will create it") {
		t.Fatalf("check = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got := checkRows(r.stdout)
	for _, c := range []string{"configuration", "brokers", "topic " + in + " (input)", "topic " + out + " (output)", "topic " + dlq + " (dead letters)", "group " + grp} {
		if got[c] != "pass" {
			t.Errorf("%s: %q, want pass\n%s", c, got[c], r.stdout)
		}
	}

	// Without --create-topics, a missing topic fails, named.
	r = newsflow(t, append(args, "--create-topics=false")...)
	if r.code != 1 || checkRows(r.stdout)["topic "+dlq+" (dead letters)"] != "FAIL" {
		t.Fatalf("check --create-topics=false = %d\n%s", r.code, r.stdout)
	}

	// A changelog that is not compacted fails.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := engine.EnsureTopicSpecs(ctx, brokers, nil, engine.TopicSpec{Name: grp + ".dedup-changelog", Partitions: 3, Replication: -1}); err != nil {
		t.Fatal(err)
	}
	r = newsflow(t, args...)
	if r.code != 1 || !strings.Contains(r.stdout, "must be compacted") {
		t.Fatalf("check with a non-compacted changelog = %d\n%s", r.code, r.stdout)
	}

	// A bad setting is a failed row, not a usage error.
	r = newsflow(t, append(args, "--dedup-threshold", "2")...)
	if r.code != 1 || checkRows(r.stdout)["configuration"] != "FAIL" || !strings.Contains(r.stdout, "--dedup-threshold") {
		t.Fatalf("check with a bad setting = %d\n%s", r.code, r.stdout)
	}

	// Unreachable brokers: the failed row names the address.
	r = newsflow(t, "check", "--brokers", closedAddr(t), "--connect-timeout", "1s", "--log-level", "error")
	if r.code != 1 || checkRows(r.stdout)["brokers"] != "FAIL" {
		t.Fatalf("check of closed brokers = %d\n%s", r.code, r.stdout)
	}
}
