package offsets_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/offsets"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// setup creates a 3-partition topic and writes n records to each
// partition, the i-th record of every partition stamped t0 + i minutes.
func setup(t *testing.T, n int, t0 time.Time) (brokers []string, topic string) {
	t.Helper()
	brokers = testkafka.Brokers(t)
	topic = testkafka.Name(t, "in")
	testkafka.CreateTopics(t, brokers, 3, topic)
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: partitionOf{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, BatchSize: 1000}
	defer w.Close()
	var msgs []kafka.Message
	for i := range n {
		for p := range 3 {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint(p)), Value: []byte(fmt.Sprintf("p%d-%d", p, i)),
				Time: t0.Add(time.Duration(i) * time.Minute)})
		}
	}
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	return brokers, topic
}

// partitionOf sends a message to the partition its key names.
type partitionOf struct{}

func (partitionOf) Balance(m kafka.Message, _ ...int) int { return int(m.Key[0] - '0') }

// commit commits offsets for group as an administrator would.
func commit(t *testing.T, brokers []string, group, topic string, offs map[int]int64) {
	t.Helper()
	c := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	var cs []kafka.OffsetCommit
	for p, o := range offs {
		cs = append(cs, kafka.OffsetCommit{Partition: p, Offset: o})
	}
	res, err := c.OffsetCommit(t.Context(), &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{topic: cs}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("commit %d: %v", p.Partition, p.Error)
		}
	}
}

func admin(brokers []string) *offsets.Admin { return offsets.New(brokers, nil, 10*time.Second) }

// Describe reports what was committed, the log ends, and the lag (from the
// log start where nothing was committed).
func TestDescribeMatchesWhatWasCommitted(t *testing.T) {
	brokers, topic := setup(t, 10, time.Now().Add(-time.Hour))
	group := testkafka.Name(t, "g")
	commit(t, brokers, group, topic, map[int]int64{0: 4, 1: 10})
	d, err := admin(brokers).Describe(t.Context(), group, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ committed, end, lag int64 }{{4, 10, 6}, {10, 10, 0}, {-1, 10, 10}}
	if len(d.Partitions) != 3 {
		t.Fatalf("%d partitions, want 3", len(d.Partitions))
	}
	for i, w := range want {
		p := d.Partitions[i]
		if p.Partition != i || p.Committed != w.committed || p.LogEnd != w.end || p.LogStart != 0 || p.Lag() != w.lag || p.Member != nil {
			t.Errorf("partition %d: %+v lag %d, want committed %d, end %d, lag %d", i, p, p.Lag(), w.committed, w.end, w.lag)
		}
	}
	if d.Lag() != 16 || d.Group.Active() || d.Group.State != "Empty" {
		t.Errorf("total lag %d, state %q: want 16, Empty", d.Lag(), d.Group.State)
	}
	// A group that never existed: nothing committed, state Dead.
	d, err = admin(brokers).Describe(t.Context(), testkafka.Name(t, "nobody"), topic)
	if err != nil {
		t.Fatal(err)
	}
	if d.Group.State != "Dead" || d.Partitions[0].Committed != -1 || d.Lag() != 30 {
		t.Errorf("unknown group: state %q, committed %d, lag %d", d.Group.State, d.Partitions[0].Committed, d.Lag())
	}
	if _, err := admin(brokers).Describe(t.Context(), group, testkafka.Name(t, "absent")); !errors.Is(err, kafka.UnknownTopicOrPartition) {
		t.Errorf("missing topic: %v", err)
	}
}

// A plan changes nothing; applying it moves the offsets, for every kind
// of target.
func TestResetPlansAndApplies(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	brokers, topic := setup(t, 10, t0) // records at t0, t0+1m, … t0+9m
	tests := []struct {
		name   string
		start  map[int]int64
		target offsets.Target
		want   []int64
	}{
		{"earliest", map[int]int64{0: 5, 1: 10, 2: 0}, offsets.Earliest(), []int64{0, 0, 0}},
		{"latest", map[int]int64{0: 5, 1: 10, 2: 0}, offsets.Latest(), []int64{10, 10, 10}},
		{"shift back, clamped", map[int]int64{0: 5, 1: 10, 2: 1}, offsets.ShiftBy(-3), []int64{2, 7, 0}},
		{"shift forward, clamped; none committed counts from the log start", map[int]int64{0: 5, 1: 9}, offsets.ShiftBy(4), []int64{9, 10, 4}},
		{"exactly a record's time", map[int]int64{0: 9}, offsets.AtTime(t0.Add(3 * time.Minute)), []int64{3, 3, 3}},
		{"between two records: the later one", map[int]int64{0: 9}, offsets.AtTime(t0.Add(3*time.Minute + time.Second)), []int64{4, 4, 4}},
		{"before every record", map[int]int64{0: 9}, offsets.AtTime(t0.Add(-time.Hour)), []int64{0, 0, 0}},
		{"after every record: the log end", map[int]int64{0: 1}, offsets.AtTime(t0.Add(time.Hour)), []int64{10, 10, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group := testkafka.Name(t, "g")
			commit(t, brokers, group, topic, tt.start)
			before := testkafka.Committed(t, brokers, group, topic)
			a := admin(brokers)
			plan, err := a.PlanReset(t.Context(), group, topic, tt.target)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range plan.Moves {
				cur := int64(-1)
				if o, ok := tt.start[i]; ok {
					cur = o
				}
				if m.Partition != i || m.New != tt.want[i] || m.Current != cur || m.Lag() != 10-tt.want[i] {
					t.Errorf("move %d: %+v, want %d → %d", i, m, cur, tt.want[i])
				}
			}
			if after := testkafka.Committed(t, brokers, group, topic); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("the plan changed the offsets: %v → %v", before, after)
			}
			if err := a.Apply(t.Context(), plan); err != nil {
				t.Fatal(err)
			}
			got := testkafka.Committed(t, brokers, group, topic)
			for i, w := range tt.want {
				if got[i] != w {
					t.Errorf("committed after apply: %v, want %v", got, tt.want)
					break
				}
			}
		})
	}
}

// A reset is refused while the group has a member; the member and its
// partitions show in the description; once it leaves, the reset goes
// through.
func TestResetRefusesAnActiveGroup(t *testing.T) {
	brokers, topic := setup(t, 5, time.Now().Add(-time.Hour))
	group := testkafka.Name(t, "g")
	commit(t, brokers, group, topic, map[int]int64{0: 5, 1: 5, 2: 5})
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: group, Brokers: brokers, Topics: []string{topic},
		HeartbeatInterval: 200 * time.Millisecond, SessionTimeout: 6 * time.Second, RebalanceTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	gen, err := cg.Next(ctx)
	if err != nil {
		cg.Close()
		t.Fatalf("join: %v", err)
	}
	if len(gen.Assignments[topic]) != 3 {
		t.Errorf("member got %v, want the 3 partitions", gen.Assignments[topic])
	}
	a := admin(brokers)
	d, err := a.Describe(t.Context(), group, topic)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Group.Active() || len(d.Group.Members) != 1 {
		t.Errorf("group %+v: want an active group of one member", d.Group)
	}
	for _, p := range d.Partitions {
		if p.Member == nil || p.Member.ID != gen.MemberID {
			t.Errorf("partition %d assigned to %+v, want member %s", p.Partition, p.Member, gen.MemberID)
		}
	}
	plan, err := a.PlanReset(t.Context(), group, topic, offsets.Earliest())
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Group.Active() {
		t.Errorf("plan's group %+v: want active", plan.Group)
	}
	err = a.Apply(t.Context(), plan)
	var active *offsets.ActiveGroupError
	if !errors.As(err, &active) {
		t.Fatalf("apply with a member: %v, want an *ActiveGroupError", err)
	}
	t.Logf("refused: %v", err)
	if got := testkafka.Committed(t, brokers, group, topic); got[0] != 5 || got[1] != 5 || got[2] != 5 {
		t.Errorf("offsets moved while refused: %v", got)
	}
	if err := cg.Close(); err != nil { // leaves the group
		t.Fatal(err)
	}
	var g offsets.Group
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if g, err = a.DescribeGroup(t.Context(), group); err == nil && !g.Active() {
			break
		}
	}
	if g.Active() {
		t.Fatalf("group still %s after its member left", g.State)
	}
	if err := a.Apply(t.Context(), plan); err != nil {
		t.Fatalf("apply after the member left: %v", err)
	}
	if got := testkafka.Committed(t, brokers, group, topic); got[0] != 0 || got[1] != 0 || got[2] != 0 {
		t.Errorf("committed %v after the reset, want all 0", got)
	}
}
