package consumer

import (
	"context"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/wait"
)

// Generation identifies a group generation, for committers that commit
// offsets themselves (in a transaction, with KIP-447 fencing).
type Generation struct {
	GroupID  string
	ID       int32
	MemberID string
}

// Committer commits offsets in place of the group's plain OffsetCommit:
// an exactly-once sink commits them in its transaction. Commit is called
// from the consumer's commit loop, one call at a time. It must call collect
// exactly once, when nothing more can become committable for its commit (for
// a transaction: once no write is in progress), and commit what collect
// returns (topic -> partition -> next offset to consume; it may be empty).
// An error ends the generation: the consumer leaves and rejoins the group,
// so every partition is consumed again from its last committed offset.
//
// Abort is called when a generation ends after a failure (a handler or a
// Commit failed): everything written since the last Commit must be
// discarded, since its records are consumed again.
type Committer interface {
	Commit(ctx context.Context, g Generation, collect func() map[string]map[int]int64) error
	Abort(ctx context.Context) error
}

// awaitVisible waits until the group's committed offsets, as OffsetFetch
// reports them, are at least offs, for at most timeout. A transactional
// offset commit becomes visible only once the coordinator has written the
// transaction's markers, a little after EndTxn returns; the next owner of a
// partition must not read the offset before that, or it would consume
// again what the transaction already covered. Kafka's consumers ask with
// OffsetFetch's require_stable (KIP-447, v7), which kafka-go (v5 at most)
// cannot send, so the member that commits waits here, before it leaves the
// generation, instead.
func (c *Consumer) awaitVisible(offs map[string]map[int]int64, timeout time.Duration, log *slog.Logger) {
	if len(offs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	topics := map[string][]int{}
	for t, ps := range offs {
		for p := range ps {
			topics[t] = append(topics[t], p)
		}
	}
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Transport: c.cfg.Transport}
	for {
		resp, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: c.cfg.GroupID, Topics: topics})
		if err == nil && resp.Error == nil {
			behind := false
			for t, ps := range resp.Topics {
				for _, p := range ps {
					if want, ok := offs[t][p.Partition]; ok && p.CommittedOffset < want {
						behind = true
					}
				}
			}
			if !behind {
				return
			}
		}
		if !wait.Sleep(ctx, 20*time.Millisecond) {
			log.Warn("committed offsets not yet visible to the group when leaving the generation; the next owner may consume some records again", "timeout", timeout)
			return
		}
	}
}

// committable returns, and marks as being committed, the offsets of the
// claims that moved since their last commit.
func committable(claims []*claim) map[string]map[int]int64 {
	offs := map[string]map[int]int64{}
	for _, cl := range claims {
		if off, moved := cl.tracker.Committable(); moved {
			if offs[cl.topic] == nil {
				offs[cl.topic] = map[int]int64{}
			}
			offs[cl.topic][cl.partition] = off
		}
	}
	return offs
}

// commit commits every claim's committable offset in one request, or
// through the Committer. It returns an error only from a Committer (the
// generation must end); a failed plain commit is retried on the next tick.
func (c *Consumer) commit(gen *kafka.Generation, claims []*claim, log *slog.Logger) error {
	_, err := c.commitOffsets(gen, claims, log)
	return err
}

// commitOffsets is commit, also returning what it committed.
func (c *Consumer) commitOffsets(gen *kafka.Generation, claims []*claim, log *slog.Logger) (map[string]map[int]int64, error) {
	m := c.cfg.Metrics
	var offs map[string]map[int]int64
	start := time.Now()
	if c.cfg.Committer != nil {
		g := Generation{GroupID: c.cfg.GroupID, ID: gen.ID, MemberID: gen.MemberID}
		err := c.cfg.Committer.Commit(context.Background(), g, func() map[string]map[int]int64 {
			offs = committable(claims)
			return offs
		})
		if err != nil {
			m.Commits.WithLabelValues("error").Inc()
			log.Error("transactional commit failed; leaving the group to consume from the last committed offsets", "err", err)
			return nil, err
		}
		if len(offs) == 0 {
			return nil, nil
		}
	} else {
		offs = committable(claims)
		if len(offs) == 0 {
			return nil, nil
		}
		err := gen.CommitOffsets(offs)
		if err != nil {
			// Not fatal: the offsets stay committable and are retried on
			// the next tick; if the generation is over, the records are
			// consumed again by the next owner (at-least-once).
			m.CommitDuration.Observe(time.Since(start).Seconds())
			m.Commits.WithLabelValues("error").Inc()
			log.Warn("offset commit failed", "err", err)
			return nil, nil
		}
	}
	m.CommitDuration.Observe(time.Since(start).Seconds())
	c.touch()
	m.Commits.WithLabelValues("ok").Inc()
	for _, cl := range claims {
		if off, ok := offs[cl.topic][cl.partition]; ok {
			cl.tracker.MarkCommitted(off)
			m.Committed.WithLabelValues(cl.topic, partLabel(cl.partition)).Set(float64(off))
		}
	}
	return offs, nil
}

// endStaleAfter is how old a partition's log end may be before the lag
// computation asks the brokers again (a paused partition is not fetched,
// so its fetch responses say nothing of new records).
const endStaleAfter = 2 * time.Second

// exportLag sets lag = log end - committed offset for every claim, the way
// kafka-consumer-groups --describe computes it. Log ends older than
// endStaleAfter are refreshed with one batched offset listing first.
func (c *Consumer) exportLag(ctx context.Context, claims []*claim) {
	stale := map[string][]int{}
	for _, cl := range claims {
		if time.Since(time.Unix(0, cl.endAt.Load())) > endStaleAfter {
			stale[cl.topic] = append(stale[cl.topic], cl.partition)
		}
	}
	if len(stale) > 0 && ctx.Err() == nil {
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		offs, err := c.listOffsets(lctx, stale, c.cfg.Isolation)
		cancel()
		if err == nil {
			for _, cl := range claims {
				if o, ok := offs[cl.topic][cl.partition]; ok {
					cl.setEnd(o.last)
				}
			}
		}
	}
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	m := c.cfg.Metrics
	for _, cl := range claims {
		end := cl.end.Load()
		committed := cl.tracker.Committed()
		if committed < 0 {
			// Nothing committed yet: count from where reading starts.
			committed, _ = cl.tracker.Committable()
		}
		if committed < 0 {
			continue
		}
		lag := max(end-committed, 0)
		tp := topicPartition{cl.topic, cl.partition}
		c.lag[tp] = lag
		p := partLabel(cl.partition)
		m.Lag.WithLabelValues(cl.topic, p).Set(float64(lag))
		m.HighWatermark.WithLabelValues(cl.topic, p).Set(float64(end))
	}
}

// retain keeps the per-partition series of the partitions in claims and
// drops those of partitions no longer assigned.
func (c *Consumer) retain(claims []*claim) {
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	keep := map[topicPartition]bool{}
	for _, cl := range claims {
		keep[topicPartition{cl.topic, cl.partition}] = true
	}
	for tp := range c.exported {
		if !keep[tp] {
			c.drop(tp)
		}
	}
	c.exported = keep
	for tp := range c.lag {
		if !keep[tp] {
			delete(c.lag, tp)
		}
	}
}

// forgetAll drops every per-partition series (the consumer stopped).
func (c *Consumer) forgetAll() {
	c.lagMu.Lock()
	defer c.lagMu.Unlock()
	for tp := range c.exported {
		c.drop(tp)
	}
	c.exported = map[topicPartition]bool{}
	c.lag = map[topicPartition]int64{}
	c.cfg.Metrics.Assigned.Set(0)
}

func (c *Consumer) drop(tp topicPartition) {
	m := c.cfg.Metrics
	p := partLabel(tp.partition)
	m.Lag.DeleteLabelValues(tp.topic, p)
	m.Committed.DeleteLabelValues(tp.topic, p)
	m.HighWatermark.DeleteLabelValues(tp.topic, p)
}
