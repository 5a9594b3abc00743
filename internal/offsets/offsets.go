// Package offsets reads and moves the committed offsets of a consumer
// group on one topic, as Kafka's kafka-consumer-groups tool does with
// --describe and --reset-offsets: it is what `newsflow offsets` and
// `newsflow offsets reset` do.
//
// Describe reports, per partition, the committed offset, the log start and
// log end (high watermark) and the lag, with the group's state and the
// member a partition is assigned to. PlanReset computes new offsets and
// changes nothing; Apply commits a plan. Offsets are committed as an
// administrator commits them (generation -1, no member id), which a broker
// accepts only while the group has no member: PlanReset reports the
// group's state with the plan, and Apply describes the group again
// (DescribeGroups) and refuses with an *ActiveGroupError unless its state
// is Empty or Dead (the group has no member, or does not exist yet).
//
// Every request goes over the caller's kafka-go Transport, so SASL and TLS
// apply. Offsets (log start, log end, by timestamp) are listed with the
// ListOffsets protocol request itself, whose answer per partition is the
// broker's own (for a time, the offset of the first record at or after it,
// or -1), rather than through kafka-go's Client.ListOffsets, which folds
// answers into first and last offsets.
package offsets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/consumer"
	"github.com/segmentio/kafka-go/protocol/describegroups"
	"github.com/segmentio/kafka-go/protocol/listoffsets"

	nfconsumer "github.com/newsflow/newsflow/consumer"
)

// Admin talks to the brokers for one caller. It is safe for concurrent
// use.
type Admin struct {
	addr      net.Addr
	transport kafka.RoundTripper
	client    *kafka.Client
}

// New returns an Admin for the bootstrap brokers over transport (nil:
// kafka.DefaultTransport, plaintext). Every request is bounded by its
// context and by timeout (<= 0: 30 s).
func New(brokers []string, transport kafka.RoundTripper, timeout time.Duration) *Admin {
	if transport == nil {
		transport = kafka.DefaultTransport
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	addr := kafka.TCP(brokers...)
	return &Admin{addr: addr, transport: transport, client: &kafka.Client{Addr: addr, Transport: transport, Timeout: timeout}}
}

// Group is a consumer group as DescribeGroups reports it.
type Group struct {
	ID string
	// State is the coordinator's group state: Empty, Stable,
	// PreparingRebalance, CompletingRebalance, or Dead for a group that
	// does not exist (any more).
	State   string
	Members []Member
}

// Active reports whether the group may have members, so that its offsets
// must not be reset: its state is neither Empty nor Dead (an unknown state
// counts as active).
func (g Group) Active() bool { return g.State != "Empty" && g.State != "Dead" }

// Member is one member of a group.
type Member struct {
	ID, ClientID, Host string
	// Assigned holds the partitions assigned to the member, per topic (nil
	// while a rebalance is in progress, or for a protocol other than
	// Kafka's consumer protocol).
	Assigned map[string][]int
}

// ActiveGroupError is Apply's error when the group has members.
type ActiveGroupError struct{ Group Group }

func (e *ActiveGroupError) Error() string {
	n := len(e.Group.Members)
	members := fmt.Sprintf("%d active members", n)
	if n == 1 {
		members = "an active member"
	}
	return fmt.Sprintf("group %q has %s (state %s): offsets can be reset only while no consumer is in the group; "+
		"stop every consumer of the group (every `newsflow run --group %s`) and try again, or reset a new group",
		e.Group.ID, members, e.Group.State, e.Group.ID)
}

// Partition is the state of one partition for a group.
type Partition struct {
	Partition int
	// Committed is the group's committed offset (the next record it will
	// read), or -1 when it has none.
	Committed int64
	// LogStart is the partition's first offset; LogEnd its high watermark
	// (the offset the next record will get).
	LogStart, LogEnd int64
	// Member is the member the partition is assigned to; nil if none.
	Member *Member
}

// Lag is how many records the group has still to read: from its committed
// offset, or, with none committed, from the log start (where `newsflow
// run` starts a new group), to the log end. A committed offset below the
// log start (records lost to retention) counts from the log start too.
func (p Partition) Lag() int64 {
	from := max(p.Committed, p.LogStart)
	return max(p.LogEnd-from, 0)
}

// Description is a group's offsets on one topic.
type Description struct {
	Group      Group
	Topic      string
	Partitions []Partition // by partition id
}

// Lag is the sum of the partitions' lags.
func (d *Description) Lag() int64 {
	var n int64
	for _, p := range d.Partitions {
		n += p.Lag()
	}
	return n
}

// Describe returns group's committed offsets and lag on every partition of
// topic. A topic the brokers do not know is an error wrapping
// kafka.UnknownTopicOrPartition; a group that does not exist has state
// Dead and no committed offset.
func (a *Admin) Describe(ctx context.Context, group, topic string) (*Description, error) {
	parts, err := nfconsumer.Partitions(ctx, a.client, topic)
	if err != nil {
		return nil, err
	}
	g, err := a.DescribeGroup(ctx, group)
	if err != nil {
		return nil, err
	}
	committed, err := a.committed(ctx, group, topic, parts)
	if err != nil {
		return nil, err
	}
	start, err := a.listOffsets(ctx, topic, parts, kafka.FirstOffset)
	if err != nil {
		return nil, err
	}
	end, err := a.listOffsets(ctx, topic, parts, kafka.LastOffset)
	if err != nil {
		return nil, err
	}
	d := &Description{Group: g, Topic: topic}
	for _, p := range parts {
		pp := Partition{Partition: p, Committed: committed[p], LogStart: start[p], LogEnd: end[p]}
		for i := range g.Members {
			if containsInt(g.Members[i].Assigned[topic], p) {
				pp.Member = &g.Members[i]
			}
		}
		d.Partitions = append(d.Partitions, pp)
	}
	return d, nil
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// DescribeGroup returns the group's state and members.
func (a *Admin) DescribeGroup(ctx context.Context, group string) (Group, error) {
	msg, err := a.roundTrip(ctx, &describegroups.Request{Groups: []string{group}})
	if err != nil {
		return Group{}, fmt.Errorf("describe group %q: %w", group, err)
	}
	res, ok := msg.(*describegroups.Response)
	if !ok {
		return Group{}, fmt.Errorf("describe group %q: unexpected response %T", group, msg)
	}
	for _, rg := range res.Groups {
		if rg.GroupID != group {
			continue
		}
		g := Group{ID: group, State: rg.GroupState}
		switch {
		case errors.Is(kafka.Error(rg.ErrorCode), kafka.GroupIdNotFound):
			g.State = "Dead"
			return g, nil
		case rg.ErrorCode != 0:
			return Group{}, fmt.Errorf("describe group %q: %w", group, kafka.Error(rg.ErrorCode))
		}
		for _, m := range rg.Members {
			g.Members = append(g.Members, Member{ID: m.MemberID, ClientID: m.ClientID, Host: m.ClientHost,
				Assigned: decodeAssignment(m.MemberAssignment)})
		}
		sort.Slice(g.Members, func(i, j int) bool { return g.Members[i].ID < g.Members[j].ID })
		return g, nil
	}
	return Group{}, fmt.Errorf("describe group %q: the response does not name the group", group)
}

// roundTrip sends one protocol request through the transport, which routes
// it (to the group coordinator, to partition leaders) and merges the
// answers.
func (a *Admin) roundTrip(ctx context.Context, req protocol.Message) (protocol.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, a.client.Timeout)
	defer cancel()
	return a.transport.RoundTrip(ctx, a.addr, req)
}

// committed returns the group's committed offset of each partition (-1
// where it has none).
func (a *Admin) committed(ctx context.Context, group, topic string, parts []int) (map[int]int64, error) {
	res, err := a.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err != nil {
		return nil, fmt.Errorf("committed offsets of group %q: %w", group, err)
	}
	out := make(map[int]int64, len(parts))
	for _, p := range parts {
		out[p] = -1
	}
	// A group that does not exist has nothing committed (Kafka answers so;
	// some brokers answer GROUP_ID_NOT_FOUND).
	if errors.Is(res.Error, kafka.GroupIdNotFound) {
		return out, nil
	}
	if res.Error != nil {
		return nil, fmt.Errorf("committed offsets of group %q: %w", group, res.Error)
	}
	for _, p := range res.Topics[topic] {
		if errors.Is(p.Error, kafka.GroupIdNotFound) {
			continue
		}
		if p.Error != nil {
			return nil, fmt.Errorf("committed offset of group %q on %s/%d: %w", group, topic, p.Partition, p.Error)
		}
		if p.CommittedOffset >= 0 {
			out[p.Partition] = p.CommittedOffset
		}
	}
	return out, nil
}

// listOffsets asks the partition leaders, read_uncommitted, for an offset
// of each partition: ts is kafka.FirstOffset (the log start),
// kafka.LastOffset (the high watermark) or a time in Unix milliseconds
// (the first offset whose record timestamp is at or after it, or -1 when
// there is none).
func (a *Admin) listOffsets(ctx context.Context, topic string, parts []int, ts int64) (map[int]int64, error) {
	rt := listoffsets.RequestTopic{Topic: topic}
	for _, p := range parts {
		rt.Partitions = append(rt.Partitions, listoffsets.RequestPartition{Partition: int32(p), CurrentLeaderEpoch: -1, Timestamp: ts})
	}
	msg, err := a.roundTrip(ctx, &listoffsets.Request{ReplicaID: -1, Topics: []listoffsets.RequestTopic{rt}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	res, ok := msg.(*listoffsets.Response)
	if !ok {
		return nil, fmt.Errorf("list offsets of %s: unexpected response %T", topic, msg)
	}
	out := make(map[int]int64, len(parts))
	for _, t := range res.Topics {
		if t.Topic != topic {
			continue
		}
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, p.Partition, kafka.Error(p.ErrorCode))
			}
			out[int(p.Partition)] = p.Offset
		}
	}
	for _, p := range parts {
		if _, ok := out[p]; !ok {
			return nil, fmt.Errorf("list offsets of %s: no answer for partition %d", topic, p)
		}
	}
	return out, nil
}

// decodeAssignment decodes a member's assignment in Kafka's consumer
// protocol (the same layout in every version); nil if it is not one.
func decodeAssignment(b []byte) map[string][]int {
	if len(b) == 0 {
		return nil
	}
	var as consumer.Assignment
	if err := protocol.Unmarshal(b, consumer.MaxVersionSupported, &as); err != nil {
		return nil
	}
	out := map[string][]int{}
	for _, tp := range as.AssignedPartitions {
		for _, p := range tp.Partitions {
			out[tp.Topic] = append(out[tp.Topic], int(p))
		}
	}
	return out
}
