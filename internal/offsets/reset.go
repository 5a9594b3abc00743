package offsets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

type targetKind int

const (
	toEarliest targetKind = iota + 1
	toLatest
	toTime
	shiftBy
)

// Target is where a reset moves a group's offsets. Build it with Earliest,
// Latest, AtTime or ShiftBy; the zero Target is invalid.
type Target struct {
	kind  targetKind
	at    time.Time
	shift int64
}

// Earliest moves every partition to its log start: the group reads the
// whole retained log again.
func Earliest() Target { return Target{kind: toEarliest} }

// Latest moves every partition to its log end: the group skips every
// record written so far.
func Latest() Target { return Target{kind: toLatest} }

// AtTime moves every partition to its first record whose timestamp is at
// or after t, or to the log end when it has no such record (as
// kafka-consumer-groups --to-datetime does). Times before 1970 count as
// 1970.
func AtTime(t time.Time) Target { return Target{kind: toTime, at: t} }

// ShiftBy moves every partition by n records from its committed offset
// (negative: back, to read records again), or from the log start when the
// group has committed none there; the result is kept within the log.
func ShiftBy(n int64) Target { return Target{kind: shiftBy, shift: n} }

// String says where the target moves offsets, e.g. "to the log start
// (--to-earliest)" or "by -100 records (--shift-by)".
func (t Target) String() string {
	switch t.kind {
	case toEarliest:
		return "to the log start (--to-earliest)"
	case toLatest:
		return "to the log end (--to-latest)"
	case toTime:
		return "to the first record at or after " + t.at.UTC().Format(time.RFC3339Nano) + " (--to-datetime)"
	case shiftBy:
		return fmt.Sprintf("by %+d records (--shift-by)", t.shift)
	}
	return "nowhere (invalid target)"
}

// Move is one partition's part of a reset.
type Move struct {
	Partition int
	// Current is the committed offset (-1: none); New the offset to
	// commit.
	Current, New     int64
	LogStart, LogEnd int64
}

// Lag is the number of records the group will have to read after the
// move.
func (m Move) Lag() int64 { return max(m.LogEnd-m.New, 0) }

// Plan is a reset computed by PlanReset: nothing is changed until it is
// given to Apply.
type Plan struct {
	// Group is the group as it was when the plan was made.
	Group  Group
	Topic  string
	Target Target
	Moves  []Move // by partition id
}

// PlanReset computes where a reset to target would move group's offsets
// on every partition of topic, and changes nothing. Every new offset lies
// within the partition's log, [log start, log end]. It does not refuse an
// active group (Apply does): Plan.Group tells.
func (a *Admin) PlanReset(ctx context.Context, group, topic string, target Target) (*Plan, error) {
	if target.kind == 0 {
		return nil, errors.New("offsets: reset target is not set")
	}
	d, err := a.Describe(ctx, group, topic)
	if err != nil {
		return nil, err
	}
	var byTime map[int]int64
	if target.kind == toTime {
		parts := make([]int, len(d.Partitions))
		for i, p := range d.Partitions {
			parts[i] = p.Partition
		}
		if byTime, err = a.listOffsets(ctx, topic, parts, max(target.at.UnixMilli(), 0)); err != nil {
			return nil, err
		}
	}
	plan := &Plan{Group: d.Group, Topic: topic, Target: target}
	for _, p := range d.Partitions {
		m := Move{Partition: p.Partition, Current: p.Committed, LogStart: p.LogStart, LogEnd: p.LogEnd}
		switch target.kind {
		case toEarliest:
			m.New = p.LogStart
		case toLatest:
			m.New = p.LogEnd
		case toTime:
			m.New = byTime[p.Partition]
			if m.New < 0 { // no record at or after the time
				m.New = p.LogEnd
			}
		case shiftBy:
			from := p.Committed
			if from < 0 {
				from = p.LogStart
			}
			m.New = from + target.shift
		}
		m.New = min(max(m.New, p.LogStart), p.LogEnd)
		plan.Moves = append(plan.Moves, m)
	}
	return plan, nil
}

// Apply commits the plan's new offsets for its group, as an administrator
// (generation -1, no member id). It first describes the group again and
// refuses with an *ActiveGroupError if the group has members: their own
// commits would overwrite the reset, and the broker refuses it anyway.
// An offset the broker refuses is an error naming the partition; offsets
// of other partitions may have been committed.
func (a *Admin) Apply(ctx context.Context, p *Plan) error {
	g, err := a.DescribeGroup(ctx, p.Group.ID)
	if err != nil {
		return err
	}
	if g.Active() {
		return &ActiveGroupError{Group: g}
	}
	commits := make([]kafka.OffsetCommit, len(p.Moves))
	for i, m := range p.Moves {
		commits[i] = kafka.OffsetCommit{Partition: m.Partition, Offset: m.New}
	}
	res, err := a.client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: p.Group.ID, GenerationID: -1, MemberID: "",
		Topics: map[string][]kafka.OffsetCommit{p.Topic: commits},
	})
	if err != nil {
		return fmt.Errorf("commit offsets of group %q: %w", p.Group.ID, err)
	}
	answered := map[int]bool{}
	var errs []error
	for _, r := range res.Topics[p.Topic] {
		answered[r.Partition] = true
		if r.Error == nil {
			continue
		}
		err := fmt.Errorf("commit offset of group %q on %s/%d: %w", p.Group.ID, p.Topic, r.Partition, r.Error)
		if errors.Is(r.Error, kafka.UnknownMemberId) || errors.Is(r.Error, kafka.IllegalGeneration) || errors.Is(r.Error, kafka.RebalanceInProgress) {
			err = fmt.Errorf("%w (did a consumer join the group meanwhile?)", err)
		}
		errs = append(errs, err)
	}
	for _, m := range p.Moves {
		if !answered[m.Partition] {
			errs = append(errs, fmt.Errorf("commit offset of group %q on %s/%d: no answer from the broker", p.Group.ID, p.Topic, m.Partition))
		}
	}
	return errors.Join(errs...)
}
