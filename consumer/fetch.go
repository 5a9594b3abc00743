package consumer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/fetch"
	"github.com/segmentio/kafka-go/protocol/listoffsets"
	"golang.org/x/sync/semaphore"

	"github.com/newsflow/newsflow/internal/wait"
	"github.com/newsflow/newsflow/record"
)

// Why a fetcher of our own instead of kafka-go's Reader: the Reader hands
// transaction markers to the application as messages and ignores
// ReadCommitted (kafka-go #1332), turns a null value and an empty one into
// the same nil, skips records lost to retention with only a debug line,
// keeps a 100-message queue and a MaxBytes buffer per partition outside any
// budget, and reports the high watermark only of the last record fetched.
// kafka-go's protocol layer (protocol/fetch over Transport.RoundTrip)
// carries everything needed: per partition the high watermark, last stable
// offset, log start offset and aborted transactions, and per batch the
// producer id and the control attribute.

// offsets are a partition's log start and log end (high watermark).
type offsets struct{ first, last int64 }

// listOffsets returns the log start and log end of every partition in
// parts (topic -> partitions), in two batched requests.
func (c *Consumer) listOffsets(ctx context.Context, parts map[string][]int, iso Isolation) (map[string]map[int]offsets, error) {
	out := map[string]map[int]offsets{}
	for _, ts := range []int64{kafka.FirstOffset, kafka.LastOffset} {
		req := &listoffsets.Request{ReplicaID: -1, IsolationLevel: iso.level()}
		for t, ps := range parts {
			rt := listoffsets.RequestTopic{Topic: t}
			for _, p := range ps {
				rt.Partitions = append(rt.Partitions, listoffsets.RequestPartition{Partition: int32(p), CurrentLeaderEpoch: -1, Timestamp: ts})
			}
			req.Topics = append(req.Topics, rt)
		}
		msg, err := c.cfg.Transport.RoundTrip(ctx, kafka.TCP(c.cfg.Brokers...), req)
		if err != nil {
			return nil, fmt.Errorf("list offsets: %w", err)
		}
		res, ok := msg.(*listoffsets.Response)
		if !ok {
			return nil, fmt.Errorf("list offsets: unexpected response %T", msg)
		}
		for _, t := range res.Topics {
			if out[t.Topic] == nil {
				out[t.Topic] = map[int]offsets{}
			}
			for _, p := range t.Partitions {
				if p.ErrorCode != 0 {
					return nil, fmt.Errorf("list offsets of %s/%d: %w", t.Topic, p.Partition, kafka.Error(p.ErrorCode))
				}
				o := out[t.Topic][int(p.Partition)]
				if ts == kafka.FirstOffset {
					o.first = p.Offset
				} else {
					o.last = p.Offset
				}
				out[t.Topic][int(p.Partition)] = o
			}
		}
	}
	return out, nil
}

// skipped reports records that can no longer be read: retention or
// DeleteRecords removed offsets [from, to) before they were consumed.
func (c *Consumer) skipped(topic string, partition int, from, to int64) {
	c.cfg.Metrics.Skipped.WithLabelValues(topic, partLabel(partition)).Add(float64(to - from))
	c.cfg.Logger.Warn("records lost before they were consumed: the committed offset is below the log start (retention or DeleteRecords); resuming at the log start",
		"topic", topic, "partition", partition, "from_offset", from, "to_offset", to, "records", to-from)
}

// fetcher reads one partition from a start offset into its claim.
type fetcher struct {
	c      *Consumer
	cl     *claim
	pos    int64 // next offset to fetch
	size   int32 // current partition fetch size
	budget *semaphore.Weighted
	// skips are the offsets decode dropped (markers, aborted batches), in
	// the order met, each with the number of records decoded before it:
	// the tracker is told of them only once those records are registered.
	skips []skipAt
	// errors since the last warning, and when it was.
	errs     int
	lastWarn time.Time
}

// run fetches until stop ends, then closes the claim's channel.
func (f *fetcher) run(stop context.Context) {
	defer close(f.cl.recs)
	backoff := 50 * time.Millisecond
	for stop.Err() == nil {
		if err := f.fetchOnce(stop); err != nil {
			if stop.Err() != nil {
				return
			}
			f.failed(err)
			if !wait.Sleep(stop, backoff) {
				return
			}
			backoff = min(backoff*2, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
	}
}

func (f *fetcher) failed(err error) {
	f.c.lastFetchErr.Store(time.Now().UnixNano())
	f.c.cfg.Metrics.FetchErrors.Inc()
	f.errs++
	if time.Since(f.lastWarn) >= time.Second {
		f.c.cfg.Logger.Warn("fetch failed, retrying", "topic", f.cl.topic, "partition", f.cl.partition, "offset", f.pos, "errors", f.errs, "err", err)
		f.lastWarn, f.errs = time.Now(), 0
	}
}

// fetchOnce sends one fetch and hands its records to the claim.
func (f *fetcher) fetchOnce(stop context.Context) error {
	cfg := &f.c.cfg
	// A fetch grown past the budget (see below) takes the whole budget.
	size := min(int64(f.size), cfg.FetchBudgetBytes)
	if err := f.budget.Acquire(stop, size); err != nil {
		return err
	}
	defer f.budget.Release(size)
	req := &fetch.Request{
		ReplicaID:   -1,
		MaxWaitTime: int32(cfg.MaxWait / time.Millisecond),
		MinBytes:    1,
		// One partition per request: the partition limit is the one that
		// binds. The response limit is set above it because the embedded
		// broker (kfake) leaves out the aborted-transaction list of a
		// partition whose data fills the whole response, which would let
		// aborted records through.
		MaxBytes:       int32(min(2*int64(f.size), 1<<30)),
		IsolationLevel: cfg.Isolation.level(),
		SessionID:      0,
		SessionEpoch:   -1,
		Topics: []fetch.RequestTopic{{Topic: f.cl.topic, Partitions: []fetch.RequestPartition{{
			Partition: int32(f.cl.partition), CurrentLeaderEpoch: -1, FetchOffset: f.pos, LogStartOffset: -1, PartitionMaxBytes: f.size,
		}}}},
	}
	// The broker answers within MaxWait; the rest is for a slow network.
	rctx, cancel := context.WithTimeout(stop, cfg.MaxWait+cfg.Dialer.Timeout+5*time.Second)
	msg, err := cfg.Transport.RoundTrip(rctx, kafka.TCP(cfg.Brokers...), req)
	cancel()
	if err != nil {
		return err
	}
	res, ok := msg.(*fetch.Response)
	if !ok {
		return fmt.Errorf("fetch: unexpected response %T", msg)
	}
	if res.ErrorCode != 0 {
		return fmt.Errorf("fetch: %w", kafka.Error(res.ErrorCode))
	}
	var p *fetch.ResponsePartition
	for i := range res.Topics {
		for j := range res.Topics[i].Partitions {
			if q := &res.Topics[i].Partitions[j]; res.Topics[i].Topic == f.cl.topic && int(q.Partition) == f.cl.partition {
				p = q
			}
		}
	}
	if p == nil {
		return errors.New("fetch: the response does not name the partition")
	}
	if p.ErrorCode != 0 {
		kerr := kafka.Error(p.ErrorCode)
		if errors.Is(kerr, kafka.OffsetOutOfRange) {
			return f.outOfRange(stop)
		}
		return fmt.Errorf("fetch %s/%d at offset %d: %w", f.cl.topic, f.cl.partition, f.pos, kerr)
	}
	f.c.touch()
	end := p.HighWatermark
	if cfg.Isolation == ReadCommitted && p.LastStableOffset >= 0 {
		end = p.LastStableOffset
	}
	f.cl.setEnd(end)
	f.c.cfg.Metrics.HighWatermark.WithLabelValues(f.cl.topic, partLabel(f.cl.partition)).Set(float64(end))
	if p.LogStartOffset > f.pos && f.pos >= 0 {
		// The records below the log start are gone; the broker would answer
		// OffsetOutOfRange on the next fetch of them.
		return f.outOfRange(stop)
	}
	f.skips = f.skips[:0]
	recs, err := f.decode(p)
	if err != nil {
		return err
	}
	if len(recs) == 0 && f.pos < end {
		// Nothing decodable although the log has more: a batch larger than
		// the fetch size from an old broker, or a truncated response. Ask
		// for more next time.
		f.size = int32(min(int64(f.size)*2, int64(cfg.MaxFetchBytes)*8, 1<<30))
	}
	// Each record is registered (Begin) before the skips that follow it
	// in the log. A skip met with no record pending moves the committable
	// offset past it at once: a transaction's marker applied before its
	// records were registered would let a commit pass over them while
	// they wait in the claim, and a rebalance then would lose them (and
	// Read would report that it had caught up without them).
	sk := f.skips
	for i := range recs {
		r := &recs[i]
		if err := f.cl.budget.acquire(stop, r); err != nil {
			return err
		}
		for len(sk) > 0 && sk[0].before <= i {
			f.cl.tracker.Skip(sk[0].last)
			sk = sk[1:]
		}
		f.cl.tracker.Begin(r.Offset)
		f.cl.hold(r)
		f.c.cfg.Metrics.Records.WithLabelValues(r.Topic).Inc()
		f.c.cfg.Metrics.Bytes.WithLabelValues(r.Topic).Add(float64(len(r.Value)))
		select {
		case f.cl.recs <- *r:
		case <-stop.Done():
			// Not handed over: the claim gives its share back when it closes.
			return stop.Err()
		}
	}
	for _, k := range sk {
		f.cl.tracker.Skip(k.last)
	}
	return nil
}

// outOfRange handles an offset that is no longer (or not yet) in the log:
// below the log start the records were deleted, which is counted and
// logged; past the log end (a truncated log) reading resumes at the end.
func (f *fetcher) outOfRange(ctx context.Context) error {
	offs, err := f.c.listOffsets(ctx, map[string][]int{f.cl.topic: {f.cl.partition}}, ReadUncommitted)
	if err != nil {
		return err
	}
	o := offs[f.cl.topic][f.cl.partition]
	switch {
	case f.pos < o.first:
		f.c.skipped(f.cl.topic, f.cl.partition, f.pos, o.first)
		f.cl.tracker.Skip(o.first - 1)
		f.pos = o.first
	case f.pos > o.last:
		f.c.cfg.Logger.Warn("committed offset is past the log end (the log was truncated); resuming at the log end",
			"topic", f.cl.topic, "partition", f.cl.partition, "offset", f.pos, "log_end", o.last)
		f.pos = o.last
	}
	return nil
}

// decode turns a fetched partition into data records, dropping control
// batches (always) and the batches of aborted transactions (read_committed),
// and advances f.pos past everything it read. The offsets it drops go to
// f.skips: the delivery loop marks them finished in the tracker, in log
// order with the records, so that commits move past them.
func (f *fetcher) decode(p *fetch.ResponsePartition) ([]record.Record, error) {
	if p.RecordSet.Records == nil {
		return nil, nil
	}
	defer closeRecords(p.RecordSet.Records)
	var batches []protocol.RecordReader
	if s, ok := p.RecordSet.Records.(*protocol.RecordStream); ok {
		batches = s.Records
	} else {
		batches = []protocol.RecordReader{p.RecordSet.Records}
	}
	// The aborted transactions of this response, by first offset (the Java
	// consumer's algorithm): a transactional batch is dropped while its
	// producer id has an aborted transaction that started at or before it
	// and whose abort marker has not been seen yet.
	aborted := append([]fetch.ResponseTransaction(nil), p.AbortedTransactions...)
	sort.Slice(aborted, func(i, j int) bool { return aborted[i].FirstOffset < aborted[j].FirstOffset })
	abortedPIDs := map[int64]bool{}
	readCommitted := f.c.cfg.Isolation == ReadCommitted
	topic, part := f.cl.topic, f.cl.partition
	var out []record.Record
	for _, b := range batches {
		switch b := b.(type) {
		case *protocol.ControlBatch:
			last := int64(-1)
			for {
				cr, err := b.ReadControlRecord()
				if err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					return out, fmt.Errorf("read control record: %w", err)
				}
				last = cr.Offset
				if cr.Offset >= f.pos {
					f.c.cfg.Metrics.Control.WithLabelValues(topic).Inc()
					if cr.Type == 0 { // abort marker
						delete(abortedPIDs, b.ProducerID)
					}
				}
			}
			f.skip(max(last, b.BaseOffset), out)
		case *protocol.RecordBatch:
			recs, last, err := f.readBatch(b)
			if err != nil {
				return out, err
			}
			if readCommitted && b.Attributes.Transactional() {
				for len(aborted) > 0 && aborted[0].FirstOffset <= last {
					abortedPIDs[aborted[0].ProducerID] = true
					aborted = aborted[1:]
				}
				if abortedPIDs[b.ProducerID] {
					f.c.cfg.Metrics.Aborted.WithLabelValues(topic).Add(float64(len(recs)))
					f.skip(last, out)
					continue
				}
			}
			out = append(out, recs...)
			if last >= f.pos {
				f.pos = last + 1
			}
		default:
			recs, last, err := f.readBatch(b)
			if err != nil {
				return out, err
			}
			out = append(out, recs...)
			if last >= f.pos {
				f.pos = last + 1
			}
		}
	}
	for i := range out {
		out[i].Topic, out[i].Partition = topic, part
	}
	return out, nil
}

// skipAt is an offset decode dropped, and how many records it had
// decoded before it.
type skipAt struct {
	before int
	last   int64
}

// skip marks every offset up to last as read. decode calls it with the
// records it has decoded so far (out); the tracker counts the offsets as
// finished once those records are registered (see the delivery loop).
func (f *fetcher) skip(last int64, out []record.Record) {
	if last < f.pos {
		return
	}
	f.skips = append(f.skips, skipAt{before: len(out), last: last})
	f.pos = last + 1
}

// readBatch reads the records of one batch at or after f.pos (a batch may
// start before the offset asked for) and returns them with the batch's
// last offset.
func (f *fetcher) readBatch(b protocol.RecordReader) ([]record.Record, int64, error) {
	var out []record.Record
	last := int64(-1)
	end := f.cl.end.Load()
	for {
		r, err := b.ReadRecord()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, last, nil
			}
			if len(out) > 0 || last >= 0 {
				// A batch cut short at the end of the response: keep what
				// is whole; the rest is fetched again.
				return out, last, nil
			}
			return nil, -1, fmt.Errorf("read record: %w", err)
		}
		last = r.Offset
		key, kerr := protocol.ReadAll(r.Key)
		val, verr := protocol.ReadAll(r.Value)
		closeBytes(r.Key)
		closeBytes(r.Value)
		if kerr != nil || verr != nil {
			return nil, -1, fmt.Errorf("read record at offset %d: %w", r.Offset, errors.Join(kerr, verr))
		}
		if r.Offset < f.pos {
			continue
		}
		rec := record.Record{Offset: r.Offset, Key: key, Value: val, Time: r.Time, HighWaterMark: end}
		if len(r.Headers) > 0 {
			rec.Headers = make([]record.Header, len(r.Headers))
			for i, h := range r.Headers {
				rec.Headers[i] = record.Header{Key: h.Key, Value: h.Value}
			}
		}
		out = append(out, rec)
	}
}

func closeBytes(b protocol.Bytes) {
	if b != nil {
		b.Close()
	}
}

func closeRecords(r protocol.RecordReader) {
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
}
