package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/testkafka"
)

// offsetsSetup creates a 3-partition topic with 4 records in each
// partition and commits 1, 3 and nothing for a new group.
func offsetsSetup(t *testing.T) (brokers, topic, group string) {
	t.Helper()
	bs := testkafka.Brokers(t)
	topic, group = testkafka.Name(t, "in"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, bs, 3, topic)
	var msgs []kafka.Message
	for p := range 3 {
		for i := range 4 {
			msgs = append(msgs, kafka.Message{Partition: p, Value: []byte(fmt.Sprintf("%d-%d", p, i))})
		}
	}
	w := &kafka.Writer{Addr: kafka.TCP(bs...), Topic: topic, Balancer: byPartition{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	c := &kafka.Client{Addr: kafka.TCP(bs...), Timeout: 10 * time.Second}
	if _, err := c.OffsetCommit(t.Context(), &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1,
		Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: 1}, {Partition: 1, Offset: 3}}}}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(bs, ","), topic, group
}

// byPartition sends a message to the partition it names.
type byPartition struct{}

func (byPartition) Balance(m kafka.Message, _ ...int) int { return m.Partition }

var spaces = regexp.MustCompile(` +`)

// rows returns the lines of a table with runs of spaces made one.
func rows(out string) []string {
	var rs []string
	for _, l := range strings.Split(out, "\n") {
		rs = append(rs, strings.TrimSpace(spaces.ReplaceAllString(l, " ")))
	}
	return rs
}

func TestOffsetsDescribe(t *testing.T) {
	brokers, topic, group := offsetsSetup(t)
	r := newsflow(t, "offsets", "--brokers", brokers, "--group", group, "--topic", topic)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	got := rows(r.stdout)
	for _, want := range []string{
		fmt.Sprintf("Consumer group %q has no active members (state Empty).", group),
		"GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID",
		fmt.Sprintf("%s %s 0 1 4 3 - - -", group, topic),
		fmt.Sprintf("%s %s 1 3 4 1 - - -", group, topic),
		fmt.Sprintf("%s %s 2 - 4 4 - - -", group, topic),
		fmt.Sprintf("%s %s TOTAL 4 12 8", group, topic),
	} {
		if !containsLine(got, want) {
			t.Errorf("no line %q in:\n%s", want, r.stdout)
		}
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// A dry run prints the plan and changes nothing; --execute commits it.
func TestOffsetsResetDryRunThenExecute(t *testing.T) {
	brokers, topic, group := offsetsSetup(t)
	bs := strings.Split(brokers, ",")
	before := testkafka.Committed(t, bs, group, topic)
	args := []string{"offsets", "reset", "--brokers", brokers, "--group", group, "--topic", topic, "--shift-by", "-2"}
	r := newsflow(t, args...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	got := rows(r.stdout)
	for _, want := range []string{
		fmt.Sprintf("Dry run, nothing changed: consumer group %q on topic %q, by -2 records (--shift-by).", group, topic),
		"PARTITION CURRENT-OFFSET NEW-OFFSET LOG-START LOG-END LAG-AFTER",
		"0 1 0 0 4 4", "1 3 1 0 4 3", "2 - 0 0 4 4", "TOTAL 11",
		"Run the same command with --execute to commit these offsets.",
	} {
		if !containsLine(got, want) {
			t.Errorf("no line %q in:\n%s", want, r.stdout)
		}
	}
	if after := testkafka.Committed(t, bs, group, topic); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a dry run moved the offsets: %v → %v", before, after)
	}
	r = newsflow(t, append(args, "--execute")...)
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("Committed: consumer group %q", group)) {
		t.Fatalf("--execute: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if after := testkafka.Committed(t, bs, group, topic); after[0] != 0 || after[1] != 1 || after[2] != 0 {
		t.Errorf("committed %v after --execute, want 0, 1, 0", after)
	}
}

// With a member in the group the dry run says --execute will be refused,
// and --execute is refused (exit 1) naming the state.
func TestOffsetsResetRefusesAnActiveGroup(t *testing.T) {
	brokers, topic, group := offsetsSetup(t)
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: group, Brokers: strings.Split(brokers, ","), Topics: []string{topic},
		HeartbeatInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	gen, err := cg.Next(ctx)
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	args := []string{"offsets", "reset", "--brokers", brokers, "--group", group, "--topic", topic, "--to-earliest"}
	r := newsflow(t, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "The group has 1 active member (state Stable): --execute will be refused") {
		t.Errorf("dry run: exit %d, stdout %q", r.code, r.stdout)
	}
	r = newsflow(t, append(args, "--execute")...)
	if want := fmt.Sprintf("group %q has an active member (state Stable): offsets can be reset only while no consumer is in the group", group); r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("--execute: exit %d, stderr %q: want 1 and %q", r.code, r.stderr, want)
	}
	if got := testkafka.Committed(t, strings.Split(brokers, ","), group, topic); got[0] != 1 || got[1] != 3 {
		t.Errorf("offsets moved: %v", got)
	}
	r = newsflow(t, "offsets", "--brokers", brokers, "--group", group, "--topic", topic)
	if !strings.Contains(r.stdout, "has 1 active member (state Stable)") || strings.Count(r.stdout, " "+gen.MemberID+" ") != 3 {
		t.Errorf("describe: want member %s on the 3 partitions:\n%s", gen.MemberID, r.stdout)
	}
}

// NEWSFLOW_EXECUTE (or a target) left in the environment does not turn a
// dry run into a reset.
func TestOffsetsResetFlagsComeFromTheCommandLineOnly(t *testing.T) {
	brokers, topic, group := offsetsSetup(t)
	r := cli{env: []string{"NEWSFLOW_EXECUTE=true", "NEWSFLOW_TO_LATEST=true"}}.run(t,
		"offsets", "reset", "--brokers", brokers, "--group", group, "--topic", topic, "--to-earliest")
	if r.code != 0 || !strings.Contains(r.stdout, "Dry run, nothing changed") ||
		!strings.Contains(r.stderr, "NEWSFLOW_EXECUTE=true is ignored: --execute is read from the command line only") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := testkafka.Committed(t, strings.Split(brokers, ","), group, topic); got[0] != 1 || got[1] != 3 {
		t.Errorf("offsets moved: %v", got)
	}
}

func TestOffsetsUsageErrors(t *testing.T) {
	brokers := strings.Join(testkafka.Brokers(t), ",")
	topic := testkafka.Name(t, "in")
	testkafka.CreateTopics(t, strings.Split(brokers, ","), 1, topic)
	base := []string{"--brokers", brokers, "--group", "g", "--topic", topic}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"offsets", "--group", "g", "--topic", topic}, "--brokers is required"},
		{[]string{"offsets", "--brokers", brokers, "--topic", topic}, "--group is required"},
		{[]string{"offsets", "--brokers", brokers, "--group", "g"}, "--topic is required"},
		{append([]string{"offsets", "--to-earliest"}, base...), "--to-earliest: only with `newsflow offsets reset`"},
		{append([]string{"offsets", "--execute"}, base...), "--execute: only with `newsflow offsets reset`"},
		{append([]string{"offsets", "rest"}, base...), `unknown argument "rest"`},
		{append([]string{"offsets", "reset"}, base...), "needs exactly one of --to-datetime, --to-earliest, --to-latest and --shift-by (got 0)"},
		{append([]string{"offsets", "reset", "--to-earliest", "--to-latest"}, base...), "(got 2)"},
		{append([]string{"offsets", "reset", "--to-datetime", "2026-03-01"}, base...), "did you mean 2026-03-01T00:00:00Z?"},
		{append([]string{"offsets", "reset", "--to-datetime", "yesterday"}, base...), "is not an RFC 3339 time"},
		{append([]string{"offsets", "reset", "--to-datetime", "1969-12-31T00:00:00Z"}, base...), "before 1970"},
		{[]string{"offsets", "--brokers", brokers, "--group", "g", "--topic", topic + "x"}, fmt.Sprintf("topic %q does not exist", topic+"x")},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			r := newsflow(t, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q: want exit 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
