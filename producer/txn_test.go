package producer

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/record"
)

// The unit tests run the transaction state machine against fakeCoord, a
// fake transaction coordinator and partition leader that checks what a
// Kafka broker checks (producer id and epoch, partitions added to the
// transaction, sequence numbers, the group generation) and decodes every
// batch with franz-go's kmsg, an independent decoder.

const unitWait = 10 * time.Second

// fault makes one call of an operation fail.
type fault struct {
	err error
	// after: the broker applies the request, then the answer is lost
	// (err is returned anyway).
	after bool
	// perPartition: err (a kafka.Error) answers each partition instead of
	// the whole request (add_partitions, offset_commit).
	perPartition bool
	// hook runs before the call, outside the fake's lock; an error it
	// returns is the call's result.
	hook func(ctx context.Context) error
}

// fakeBatch is one batch appended to a partition.
type fakeBatch struct {
	pid     int64
	epoch   int16
	seq     int32
	recs    []kmsg.Record
	attrs   int16
	status  string // open, committed, aborted
	rawSize int
}

type fakeCoord struct {
	mu         sync.Mutex
	pid        int64
	epoch      int16
	exists     bool
	inTx       bool
	lastCommit bool
	txParts    map[topicPartition]bool
	txGroups   []string
	pending    map[topicPartition]int64 // offsets of the open transaction
	committed  map[topicPartition]int64 // the group's committed offsets
	generation int32
	member     string
	partsOf    map[string]int
	maxBatch   int // bytes; 0: no limit
	// per partition: the epoch and next sequence of the producer, and the
	// log.
	seqEpoch map[topicPartition]int16
	nextSeq  map[topicPartition]int32
	logs     map[topicPartition][]*fakeBatch

	calls    map[string]int
	addCalls [][]topicPartition
	faults   map[string][]fault
	ops      []string // the order of the calls that reached the broker
}

func newFake() *fakeCoord {
	return &fakeCoord{
		pid: 1000, txParts: map[topicPartition]bool{}, pending: map[topicPartition]int64{}, committed: map[topicPartition]int64{},
		generation: 3, member: "member-1", partsOf: map[string]int{"out": 3, "dlq": 2},
		seqEpoch: map[topicPartition]int16{}, nextSeq: map[topicPartition]int32{}, logs: map[topicPartition][]*fakeBatch{},
		calls: map[string]int{}, faults: map[string][]fault{},
	}
}

// inject queues faults for the next calls of op.
func (f *fakeCoord) inject(op string, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[op] = append(f.faults[op], fs...)
}

// begin counts a call of op and returns its fault, if any, having run its
// hook. Called without the lock held.
func (f *fakeCoord) begin(ctx context.Context, op string) (fault, bool, error) {
	f.mu.Lock()
	f.calls[op]++
	ft, ok := fault{}, false
	if q := f.faults[op]; len(q) > 0 {
		ft, ok = q[0], true
		f.faults[op] = q[1:]
	}
	f.mu.Unlock()
	if ok && ft.hook != nil {
		if err := ft.hook(ctx); err != nil {
			return ft, ok, err
		}
		if ft.err == nil {
			ok = false
		}
	}
	return ft, ok, nil
}

func (f *fakeCoord) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeCoord) checkEpochLocked(pid int64, epoch int16) error {
	switch {
	case !f.exists || pid != f.pid:
		return kafka.InvalidProducerIDMapping
	case epoch != f.epoch:
		return kafka.ProducerFenced
	}
	return nil
}

// endLocked ends the open transaction.
func (f *fakeCoord) endLocked(commit bool) {
	status := "aborted"
	if commit {
		status = "committed"
		for tp, off := range f.pending {
			f.committed[tp] = off
		}
	}
	for _, log := range f.logs {
		for _, b := range log {
			if b.status == "open" {
				b.status = status
			}
		}
	}
	f.inTx, f.lastCommit = false, commit
	f.txParts = map[topicPartition]bool{}
	f.txGroups = nil
	f.pending = map[topicPartition]int64{}
}

func (f *fakeCoord) initProducerID(ctx context.Context, txnID string, timeout time.Duration, pid int64, epoch int16) (int64, int16, error) {
	ft, faulted, err := f.begin(ctx, "init")
	if err != nil {
		return 0, 0, err
	}
	if faulted && !ft.after {
		return 0, 0, ft.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "init")
	if txnID == "" || timeout <= 0 {
		return 0, 0, kafka.InvalidRequest
	}
	if pid >= 0 {
		if err := f.checkEpochLocked(pid, epoch); err != nil {
			return 0, 0, err
		}
	}
	if f.inTx {
		f.endLocked(false)
	}
	if f.exists {
		f.epoch++
	} else {
		f.exists = true
	}
	if faulted {
		return 0, 0, ft.err
	}
	return f.pid, f.epoch, nil
}

func (f *fakeCoord) addPartitions(ctx context.Context, txnID string, pid int64, epoch int16, parts []topicPartition) (map[topicPartition]error, error) {
	ft, faulted, err := f.begin(ctx, "add_partitions")
	if err != nil {
		return nil, err
	}
	all := func(err error) map[topicPartition]error {
		out := map[topicPartition]error{}
		for _, tp := range parts {
			out[tp] = err
		}
		return out
	}
	if faulted && !ft.after {
		if ft.perPartition {
			return all(ft.err), nil
		}
		return nil, ft.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "add_partitions")
	if err := f.checkEpochLocked(pid, epoch); err != nil {
		return all(err), nil
	}
	f.addCalls = append(f.addCalls, slices.Clone(parts))
	for _, tp := range parts {
		if tp.partition < 0 || int(tp.partition) >= f.partsOf[tp.topic] {
			return all(kafka.UnknownTopicOrPartition), nil
		}
	}
	for _, tp := range parts {
		f.txParts[tp] = true
	}
	f.inTx = true
	if faulted {
		return nil, ft.err
	}
	return all(nil), nil
}

func (f *fakeCoord) addOffsets(ctx context.Context, txnID string, pid int64, epoch int16, group string) error {
	ft, faulted, err := f.begin(ctx, "add_offsets")
	if err != nil {
		return err
	}
	if faulted && !ft.after {
		return ft.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "add_offsets")
	if err := f.checkEpochLocked(pid, epoch); err != nil {
		return err
	}
	f.txGroups = append(f.txGroups, group)
	f.inTx = true
	if faulted {
		return ft.err
	}
	return nil
}

func (f *fakeCoord) txnOffsetCommit(ctx context.Context, txnID string, pid int64, epoch int16, g *GroupOffsets, parts []topicPartition) (map[topicPartition]error, error) {
	ft, faulted, err := f.begin(ctx, "offset_commit")
	if err != nil {
		return nil, err
	}
	all := func(err error) map[topicPartition]error {
		out := map[topicPartition]error{}
		for _, tp := range parts {
			out[tp] = err
		}
		return out
	}
	if faulted && !ft.after {
		if ft.perPartition {
			return all(ft.err), nil
		}
		return nil, ft.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "offset_commit")
	switch {
	case f.checkEpochLocked(pid, epoch) != nil:
		return all(f.checkEpochLocked(pid, epoch)), nil
	case !slices.Contains(f.txGroups, g.GroupID):
		return all(kafka.InvalidTransactionState), nil
	case g.MemberID != f.member:
		return all(kafka.UnknownMemberId), nil
	case g.GenerationID != f.generation:
		return all(kafka.IllegalGeneration), nil
	}
	for _, tp := range parts {
		f.pending[tp] = g.Offsets[tp.topic][int(tp.partition)]
	}
	if faulted {
		return nil, ft.err
	}
	return all(nil), nil
}

func (f *fakeCoord) endTxn(ctx context.Context, txnID string, pid int64, epoch int16, commit bool) error {
	ft, faulted, err := f.begin(ctx, "end_txn")
	if err != nil {
		return err
	}
	if faulted && !ft.after {
		return ft.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, fmt.Sprintf("end_txn(%v)", commit))
	if err := f.checkEpochLocked(pid, epoch); err != nil {
		return err
	}
	if !f.inTx {
		if commit == f.lastCommit { // a retry of a completed EndTxn
			return nil
		}
		return kafka.InvalidTransactionState
	}
	f.endLocked(commit)
	if faulted {
		return ft.err
	}
	return nil
}

func (f *fakeCoord) partitions(ctx context.Context, topic string) (int, error) {
	ft, faulted, err := f.begin(ctx, "metadata")
	if err != nil {
		return 0, err
	}
	if faulted {
		return 0, ft.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.partsOf[topic]
	if !ok {
		return 0, kafka.UnknownTopicOrPartition
	}
	return n, nil
}

func (f *fakeCoord) produce(ctx context.Context, txnID string, tp topicPartition, set []byte) error {
	ft, faulted, err := f.begin(ctx, "produce")
	if err != nil {
		return err
	}
	if faulted && !ft.after {
		return ft.err
	}
	b, err := decodeSet(slices.Clone(set)) // a broker keeps a copy
	if err != nil {
		return fmt.Errorf("fake: %w: %w", kafka.InvalidMessage, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "produce")
	if f.maxBatch > 0 && b.rawSize > f.maxBatch {
		return kafka.MessageSizeTooLarge
	}
	switch {
	case b.attrs&attrTransactional == 0 || txnID == "":
		return kafka.InvalidRecord
	case !f.exists || b.pid != f.pid:
		return kafka.InvalidProducerIDMapping
	case b.epoch < f.epoch:
		return kafka.InvalidProducerEpoch
	case b.epoch > f.epoch:
		return kafka.InvalidProducerIDMapping
	case !f.txParts[tp]:
		return kafka.InvalidTransactionState
	}
	if f.seqEpoch[tp] != b.epoch || len(f.logs[tp]) == 0 {
		if b.seq != 0 && (f.seqEpoch[tp] != b.epoch || len(f.logs[tp]) == 0) {
			return kafka.OutOfOrderSequenceNumber
		}
		f.seqEpoch[tp] = b.epoch
		f.nextSeq[tp] = 0
	}
	if log := f.logs[tp]; len(log) > 0 {
		last := log[len(log)-1]
		if last.epoch == b.epoch && last.seq == b.seq && len(last.recs) == len(b.recs) {
			if faulted {
				return ft.err
			}
			return kafka.DuplicateSequenceNumber
		}
	}
	if b.seq != f.nextSeq[tp] {
		return kafka.OutOfOrderSequenceNumber
	}
	f.nextSeq[tp] = nextSeq(b.seq, len(b.recs))
	b.status = "open"
	f.logs[tp] = append(f.logs[tp], b)
	if faulted {
		return ft.err
	}
	return nil
}

func (f *fakeCoord) close() {}

// decodeSet checks and decodes a raw record set with kmsg.
func decodeSet(set []byte) (*fakeBatch, error) {
	if len(set) < 4 || int(binary.BigEndian.Uint32(set)) != len(set)-4 {
		return nil, errors.New("bad size prefix")
	}
	raw := set[4:]
	var rb kmsg.RecordBatch
	if err := rb.ReadFrom(raw); err != nil {
		return nil, err
	}
	switch {
	case rb.FirstOffset != 0:
		return nil, errors.New("first offset not 0")
	case int(rb.Length) != len(raw)-12:
		return nil, fmt.Errorf("length %d, want %d", rb.Length, len(raw)-12)
	case rb.Magic != 2:
		return nil, errors.New("magic not 2")
	case uint32(rb.CRC) != crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)):
		return nil, errors.New("crc mismatch")
	case rb.LastOffsetDelta != rb.NumRecords-1:
		return nil, errors.New("last offset delta mismatch")
	case rb.FirstTimestamp != rb.MaxTimestamp || rb.FirstTimestamp <= 0:
		return nil, errors.New("bad timestamps")
	}
	recs := rb.Records
	if c := compress.Compression(rb.Attributes & 7); c != 0 {
		r := c.Codec().NewReader(bytes.NewReader(recs))
		var err error
		recs, err = io.ReadAll(r)
		_ = r.Close()
		if err != nil {
			return nil, fmt.Errorf("decompress: %w", err)
		}
	}
	b := &fakeBatch{pid: rb.ProducerID, epoch: rb.ProducerEpoch, seq: rb.FirstSequence, attrs: rb.Attributes, rawSize: len(raw)}
	for i := range int(rb.NumRecords) {
		l, n := binary.Varint(recs)
		if n <= 0 || int(l)+n > len(recs) {
			return nil, fmt.Errorf("record %d: bad length", i)
		}
		var r kmsg.Record
		if err := r.ReadFrom(recs[:n+int(l)]); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if int(r.OffsetDelta) != i {
			return nil, fmt.Errorf("record %d: offset delta %d", i, r.OffsetDelta)
		}
		b.recs = append(b.recs, r)
		recs = recs[n+int(l):]
	}
	if len(recs) != 0 {
		return nil, fmt.Errorf("%d bytes after the records", len(recs))
	}
	return b, nil
}

// values returns the values of the records of tp's batches with status
// ("" for all).
func (f *fakeCoord) values(tp topicPartition, status string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, b := range f.logs[tp] {
		if status == "" || b.status == status {
			for _, r := range b.recs {
				out = append(out, string(r.Value))
			}
		}
	}
	return out
}

// allValues returns the values of every batch with status, over all
// partitions, sorted.
func (f *fakeCoord) allValues(status string) []string {
	f.mu.Lock()
	tps := make([]topicPartition, 0, len(f.logs))
	for tp := range f.logs {
		tps = append(tps, tp)
	}
	f.mu.Unlock()
	var out []string
	for _, tp := range tps {
		out = append(out, f.values(tp, status)...)
	}
	slices.Sort(out)
	return out
}

func (f *fakeCoord) batches(tp topicPartition) []fakeBatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeBatch
	for _, b := range f.logs[tp] {
		out = append(out, *b)
	}
	return out
}

// newUnit creates a producer on a fresh fake.
func newUnit(t *testing.T, adjust func(*TxnConfig)) (*TxnProducer, *fakeCoord) {
	t.Helper()
	f := newFake()
	return newUnitOn(t, f, adjust), f
}

func newUnitOn(t *testing.T, f *fakeCoord, adjust func(*TxnConfig)) *TxnProducer {
	t.Helper()
	cfg := TxnConfig{Brokers: []string{"fake:9092"}, TransactionalID: "tx-1", RetryBackoffMin: time.Millisecond,
		RetryBackoffMax: 5 * time.Millisecond, Compression: CompressionNone}
	if adjust != nil {
		adjust(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), unitWait)
	defer cancel()
	p, err := newTxn(ctx, cfg, f)
	if err != nil {
		t.Fatalf("newTxn: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func unitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), unitWait)
	t.Cleanup(cancel)
	return ctx
}

// recs makes n records for topic with keys k0..k(n-1) and values
// prefix-0...
func recs(topic, prefix string, n int) []record.Record {
	out := make([]record.Record, n)
	for i := range out {
		out[i] = record.Record{Topic: topic, Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "%s-%02d", prefix, i)}
	}
	return out
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// partitionOf places key as kafka-go's Murmur2Balancer (the plain
// Producer's) does.
func partitionOf(key []byte, n int) int32 {
	parts := make([]int, n)
	for i := range parts {
		parts[i] = i
	}
	return int32((&kafka.Murmur2Balancer{}).Balance(kafka.Message{Key: key}, parts...))
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func prefixed(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s-%02d", prefix, i))
	}
	return out
}

func TestTxnUnitCommitWritesAndOffsetsTogether(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	must(t, "write out", p.Write(ctx, recs("out", "a", 12)))
	must(t, "write dlq", p.Write(ctx, recs("dlq", "d", 3)))
	if got := f.allValues("committed"); len(got) != 0 {
		t.Fatalf("committed before Commit: %v", got)
	}
	g := &GroupOffsets{GroupID: "grp", GenerationID: 3, MemberID: "member-1",
		Offsets: map[string]map[int]int64{"in": {0: 10, 2: 7}}}
	must(t, "commit", p.Commit(ctx, g))

	want := sorted(append(prefixed("a", 12), prefixed("d", 3)...))
	if got := f.allValues("committed"); !slices.Equal(got, want) {
		t.Errorf("committed values = %v, want %v", got, want)
	}
	if f.committed[topicPartition{"in", 0}] != 10 || f.committed[topicPartition{"in", 2}] != 7 {
		t.Errorf("committed offsets = %v", f.committed)
	}
	// Each record is on its murmur2 partition; each partition got one
	// batch with sequence 0, from this producer.
	for tp := range f.logs {
		for _, b := range f.batches(tp) {
			if b.pid != 1000 || b.epoch != 0 || b.seq != 0 {
				t.Errorf("%v: batch pid/epoch/seq %d/%d/%d, want 1000/0/0", tp, b.pid, b.epoch, b.seq)
			}
			for _, r := range b.recs {
				if want := partitionOf(r.Key, f.partsOf[tp.topic]); want != tp.partition {
					t.Errorf("key %s on partition %d, want %d", r.Key, tp.partition, want)
				}
			}
		}
	}
	// The partitions were added before the produce, offsets before
	// EndTxn.
	ops := strings.Join(f.ops, " ")
	if !strings.HasPrefix(ops, "init add_partitions produce") || !strings.HasSuffix(ops, "add_offsets offset_commit end_txn(true)") {
		t.Errorf("broker calls = %s", ops)
	}
	if s := p.State(); s != TxnReady {
		t.Errorf("state = %v", s)
	}
	if n := testutil.ToFloat64(p.m.txns.WithLabelValues("commit")); n != 1 {
		t.Errorf("transactions_total{commit} = %v", n)
	}
	if n := testutil.ToFloat64(p.m.records.WithLabelValues("out")); n != 12 {
		t.Errorf("records_total{out} = %v", n)
	}
}

func TestTxnUnitPartitionsAddedOncePerTransaction(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	for txn := range 2 {
		must(t, "begin", p.Begin())
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Go(func() { errs <- p.Write(ctx, recs("out", fmt.Sprintf("t%d-w%d", txn, w), 9)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, "write", err)
		}
		must(t, "commit", p.Commit(ctx, nil))
	}
	// Per transaction each of the 3 partitions was added exactly once.
	added := map[topicPartition]int{}
	for _, call := range f.addCalls {
		for _, tp := range call {
			added[tp]++
		}
	}
	if len(added) != 3 {
		t.Errorf("partitions added: %v", added)
	}
	for tp, n := range added {
		if n != 2 {
			t.Errorf("%v added %d times in 2 transactions, want 2", tp, n)
		}
	}
	if got := len(f.allValues("committed")); got != 2*8*9 {
		t.Errorf("%d records committed, want %d", got, 2*8*9)
	}
}

func TestTxnUnitSequencesContinueAcrossTransactions(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	tp := topicPartition{"out", partitionOf([]byte("same"), 3)}
	for i := range 4 {
		must(t, "begin", p.Begin())
		rs := make([]record.Record, 5)
		for j := range rs {
			rs[j] = record.Record{Topic: "out", Key: []byte("same"), Value: fmt.Appendf(nil, "t%d-%d", i, j)}
		}
		must(t, "write", p.Write(ctx, rs))
		if i == 2 {
			must(t, "abort", p.Abort(ctx))
		} else {
			must(t, "commit", p.Commit(ctx, nil))
		}
	}
	var seqs []int32
	for _, b := range f.batches(tp) {
		seqs = append(seqs, b.seq)
	}
	if !slices.Equal(seqs, []int32{0, 5, 10, 15}) {
		t.Errorf("base sequences = %v, want 0 5 10 15 (an abort does not reset them)", seqs)
	}
	if f.epoch != 0 {
		t.Errorf("epoch bumped to %d by a clean abort", f.epoch)
	}
}

func TestTxnUnitAbort(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "x", 6)))
	must(t, "abort", p.Abort(ctx))
	if got := f.allValues("aborted"); len(got) != 6 {
		t.Errorf("aborted values = %v", got)
	}
	if n := f.count("end_txn"); n != 1 {
		t.Errorf("%d EndTxn calls, want 1", n)
	}
	if s := p.State(); s != TxnReady {
		t.Errorf("state = %v", s)
	}
	must(t, "abort again (no transaction)", p.Abort(ctx))
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "y", 6)))
	must(t, "commit", p.Commit(ctx, nil))
	if got := f.allValues("committed"); !slices.Equal(got, prefixed("y", 6)) {
		t.Errorf("committed = %v", got)
	}
	if n := testutil.ToFloat64(p.m.txns.WithLabelValues("abort")); n != 1 {
		t.Errorf("transactions_total{abort} = %v", n)
	}
}

func TestTxnUnitEmptyTransactionsNeedNoBrokerCall(t *testing.T) {
	p, f := newUnit(t, func(c *TxnConfig) { c.BatchBytes = 1024 })
	ctx := unitCtx(t)
	before := len(f.ops)
	must(t, "begin", p.Begin())
	must(t, "commit nothing", p.Commit(ctx, nil))
	must(t, "begin", p.Begin())
	must(t, "commit no offsets", p.Commit(ctx, &GroupOffsets{GroupID: "grp", Offsets: map[string]map[int]int64{"in": {}}}))
	must(t, "begin", p.Begin())
	must(t, "abort nothing", p.Abort(ctx))
	// Only refused records: nothing reaches the broker either.
	must(t, "begin", p.Begin())
	err := p.Write(ctx, []record.Record{{Topic: "out", Value: make([]byte, 2000)}})
	var rej *RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("write of a too large record: %v", err)
	}
	must(t, "abort", p.Abort(ctx))
	if ops := f.ops[before:]; len(ops) != 0 {
		t.Errorf("broker calls for empty transactions: %v", ops)
	}
	if n := testutil.ToFloat64(p.m.txns.WithLabelValues("empty")); n != 2 {
		t.Errorf("transactions_total{empty} = %v, want 2", n)
	}
}

func TestTxnUnitOffsetsOnlyTransaction(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	must(t, "commit", p.Commit(ctx, &GroupOffsets{GroupID: "grp", GenerationID: 3, MemberID: "member-1",
		Offsets: map[string]map[int]int64{"in": {1: 42}}}))
	if got := f.committed[topicPartition{"in", 1}]; got != 42 {
		t.Errorf("committed = %v", f.committed)
	}
	if ops := strings.Join(f.ops, " "); ops != "init add_offsets offset_commit end_txn(true)" {
		t.Errorf("broker calls = %s", ops)
	}
}

// fencedEverywhere checks that every call of a fenced producer fails with
// ErrFenced.
func fencedEverywhere(t *testing.T, p *TxnProducer) {
	t.Helper()
	ctx := unitCtx(t)
	if s := p.State(); s != TxnFenced {
		t.Errorf("state = %v, want fenced", s)
	}
	if err := p.Begin(); !errors.Is(err, ErrFenced) {
		t.Errorf("begin: %v", err)
	}
	if err := p.Write(ctx, recs("out", "z", 1)); !errors.Is(err, ErrFenced) {
		t.Errorf("write: %v", err)
	}
	if err := p.Commit(ctx, nil); !errors.Is(err, ErrFenced) {
		t.Errorf("commit: %v", err)
	}
}

func TestTxnUnitFenced(t *testing.T) {
	for _, c := range []struct {
		name string
		op   string
		err  error
		at   string // the call that sees it: write or commit
	}{
		{"produce/invalid_producer_epoch", "produce", kafka.InvalidProducerEpoch, "write"},
		{"produce/producer_fenced", "produce", kafka.ProducerFenced, "write"},
		{"add_partitions/producer_fenced", "add_partitions", kafka.ProducerFenced, "write"},
		{"add_partitions/coordinator_fenced", "add_partitions", kafka.TransactionCoordinatorFenced, "write"},
		{"add_offsets/producer_fenced", "add_offsets", kafka.ProducerFenced, "commit"},
		{"end_txn/producer_fenced", "end_txn", kafka.ProducerFenced, "commit"},
		{"end_txn/invalid_producer_epoch", "end_txn", kafka.InvalidProducerEpoch, "commit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, f := newUnit(t, nil)
			ctx := unitCtx(t)
			f.inject(c.op, fault{err: c.err})
			must(t, "begin", p.Begin())
			err := p.Write(ctx, recs("out", "a", 4))
			if c.at == "commit" {
				must(t, "write", err)
				err = p.Commit(ctx, &GroupOffsets{GroupID: "grp", GenerationID: 3, MemberID: "member-1", Offsets: map[string]map[int]int64{"in": {0: 1}}})
			}
			if !errors.Is(err, ErrFenced) || !errors.Is(err, c.err) {
				t.Fatalf("%s: %v, want ErrFenced wrapping %v", c.at, err, c.err)
			}
			fencedEverywhere(t, p)
			if err := p.Abort(ctx); !errors.Is(err, ErrFenced) {
				t.Errorf("abort: %v", err)
			}
			if got := f.allValues("committed"); len(got) != 0 {
				t.Errorf("committed: %v", got)
			}
			if n := testutil.ToFloat64(p.m.fenced.WithLabelValues("producer")); n != 1 {
				t.Errorf("fenced_total{producer} = %v", n)
			}
		})
	}
}

func TestTxnUnitZombieFencedByNewInstance(t *testing.T) {
	f := newFake()
	zombie := newUnitOn(t, f, nil)
	ctx := unitCtx(t)
	must(t, "begin", zombie.Begin())
	must(t, "write", zombie.Write(ctx, recs("out", "zombie", 3)))
	fresh := newUnitOn(t, f, nil) // bumps the epoch, aborts the open transaction
	if err := zombie.Write(ctx, recs("out", "zombie2", 3)); !errors.Is(err, ErrFenced) {
		t.Fatalf("zombie write: %v", err)
	}
	fencedEverywhere(t, zombie)
	must(t, "begin", fresh.Begin())
	must(t, "write", fresh.Write(ctx, recs("out", "fresh", 3)))
	must(t, "commit", fresh.Commit(ctx, nil))
	if got := f.allValues("committed"); !slices.Equal(got, prefixed("fresh", 3)) {
		t.Errorf("committed = %v", got)
	}
	if got := f.allValues("aborted"); !slices.Equal(got, prefixed("zombie", 3)) {
		t.Errorf("aborted = %v", got)
	}
}

func TestTxnUnitGroupFencedStillAborts(t *testing.T) {
	for _, c := range []struct {
		name  string
		adapt func(*GroupOffsets)
		fault error
	}{
		{"illegal_generation", func(g *GroupOffsets) { g.GenerationID = 2 }, nil},
		{"unknown_member", func(g *GroupOffsets) { g.MemberID = "gone" }, nil},
		{"fenced_instance", nil, kafka.FencedInstanceID},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, f := newUnit(t, nil)
			ctx := unitCtx(t)
			g := &GroupOffsets{GroupID: "grp", GenerationID: 3, MemberID: "member-1", Offsets: map[string]map[int]int64{"in": {0: 9}}}
			if c.adapt != nil {
				c.adapt(g)
			}
			if c.fault != nil {
				f.inject("offset_commit", fault{err: c.fault, perPartition: true})
			}
			must(t, "begin", p.Begin())
			must(t, "write", p.Write(ctx, recs("out", "a", 3)))
			if err := p.Commit(ctx, g); !errors.Is(err, ErrFenced) {
				t.Fatalf("commit: %v, want ErrFenced", err)
			}
			must(t, "abort after a group fencing", p.Abort(ctx))
			if got := f.allValues("aborted"); len(got) != 3 {
				t.Errorf("aborted = %v", got)
			}
			if len(f.committed) != 0 {
				t.Errorf("offsets committed: %v", f.committed)
			}
			fencedEverywhere(t, p)
			if err := p.Abort(ctx); !errors.Is(err, ErrFenced) {
				t.Errorf("second abort: %v, want ErrFenced", err)
			}
			if n := testutil.ToFloat64(p.m.fenced.WithLabelValues("group")); n != 1 {
				t.Errorf("fenced_total{group} = %v", n)
			}
		})
	}
}

func TestTxnUnitRetriableErrorsAreRetried(t *testing.T) {
	network := errors.New("fake: connection reset by peer")
	for _, c := range []struct {
		op     string
		faults []fault
	}{
		{"init", []fault{{err: kafka.NotCoordinatorForGroup}, {err: kafka.GroupLoadInProgress}, {err: kafka.GroupCoordinatorNotAvailable}}},
		{"add_partitions", []fault{{err: kafka.NotCoordinatorForGroup}, {err: kafka.GroupLoadInProgress, perPartition: true},
			{err: kafka.ConcurrentTransactions, perPartition: true}, {err: errOperationNotAttempted, perPartition: true}, {err: network}}},
		{"add_offsets", []fault{{err: kafka.NotCoordinatorForGroup}, {err: kafka.ConcurrentTransactions}, {err: network, after: true}}},
		{"offset_commit", []fault{{err: kafka.NotCoordinatorForGroup, perPartition: true}, {err: kafka.GroupLoadInProgress, perPartition: true},
			{err: kafka.RebalanceInProgress, perPartition: true}, {err: network}}},
		{"end_txn", []fault{{err: kafka.NotCoordinatorForGroup}, {err: kafka.ConcurrentTransactions}, {err: kafka.GroupLoadInProgress},
			{err: network, after: true}}}, // the commit applied, its answer lost: the retry succeeds
		{"produce", []fault{{err: kafka.NotLeaderForPartition}, {err: kafka.LeaderNotAvailable}, {err: kafka.NotEnoughReplicas},
			{err: kafka.RequestTimedOut, after: true}, {err: network, after: true}}}, // appended, answer lost: the retry is a duplicate
		{"metadata", []fault{{err: kafka.UnknownTopicOrPartition}, {err: network}}},
	} {
		t.Run(c.op, func(t *testing.T) {
			f := newFake()
			f.inject(c.op, c.faults...)
			p := newUnitOn(t, f, nil)
			ctx := unitCtx(t)
			must(t, "begin", p.Begin())
			must(t, "write", p.Write(ctx, []record.Record{{Topic: "out", Key: []byte("k"), Value: []byte("v1")}, {Topic: "out", Key: []byte("k"), Value: []byte("v2")}}))
			must(t, "commit", p.Commit(ctx, &GroupOffsets{GroupID: "grp", GenerationID: 3, MemberID: "member-1", Offsets: map[string]map[int]int64{"in": {0: 5}}}))
			if got := f.allValues("committed"); !slices.Equal(got, []string{"v1", "v2"}) {
				t.Errorf("committed = %v, want v1 v2 exactly once", got)
			}
			if f.committed[topicPartition{"in", 0}] != 5 {
				t.Errorf("offsets = %v", f.committed)
			}
			if f.epoch != 0 {
				t.Errorf("epoch = %d: retriable errors must not bump it", f.epoch)
			}
			if n := testutil.ToFloat64(p.m.retries.WithLabelValues(c.op)); int(n) != len(c.faults) {
				t.Errorf("retries_total{%s} = %v, want %d", c.op, n, len(c.faults))
			}
		})
	}
}

func TestTxnUnitNewTxnRetriesUntilCtxEnds(t *testing.T) {
	f := newFake()
	for range 1000 {
		f.inject("init", fault{err: kafka.GroupLoadInProgress})
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.faults["init"][3].hook = func(context.Context) error { cancel(); return nil }
	_, err := newTxn(ctx, TxnConfig{Brokers: []string{"x"}, TransactionalID: "tx", RetryBackoffMin: time.Millisecond, RetryBackoffMax: time.Millisecond}, f)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, kafka.GroupLoadInProgress) {
		t.Errorf("newTxn: %v, want the ctx error and the last broker error", err)
	}
	// A non-retriable error returns at once.
	f = newFake()
	f.inject("init", fault{err: kafka.TransactionalIDAuthorizationFailed})
	if _, err := newTxn(unitCtx(t), TxnConfig{Brokers: []string{"x"}, TransactionalID: "tx"}, f); !errors.Is(err, kafka.TransactionalIDAuthorizationFailed) {
		t.Errorf("newTxn: %v", err)
	}
}

func TestTxnUnitNonRetriableErrorRequiresAbort(t *testing.T) {
	for _, c := range []struct {
		op  string
		err error
		at  string
	}{
		{"produce", kafka.InvalidTransactionState, "write"},
		{"produce", kafka.TopicAuthorizationFailed, "write"},
		{"add_partitions", kafka.TransactionalIDAuthorizationFailed, "write"},
		{"metadata", kafka.TopicAuthorizationFailed, "write"},
		{"add_offsets", kafka.GroupAuthorizationFailed, "commit"},
		{"offset_commit", kafka.GroupAuthorizationFailed, "commit"},
		{"end_txn", kafka.InvalidTransactionState, "commit"},
	} {
		t.Run(c.op+"/"+c.err.Error(), func(t *testing.T) {
			p, f := newUnit(t, nil)
			ctx := unitCtx(t)
			f.inject(c.op, fault{err: c.err, perPartition: c.op == "offset_commit"})
			must(t, "begin", p.Begin())
			err := p.Write(ctx, recs("out", "a", 4))
			if c.at == "commit" {
				must(t, "write", err)
				err = p.Commit(ctx, &GroupOffsets{GroupID: "grp", GenerationID: 3, MemberID: "member-1", Offsets: map[string]map[int]int64{"in": {0: 1}}})
			}
			if !errors.Is(err, ErrAbortRequired) || !errors.Is(err, c.err) {
				t.Fatalf("%s: %v, want ErrAbortRequired wrapping %v", c.at, err, c.err)
			}
			if s := p.State(); s != TxnError {
				t.Errorf("state = %v, want error", s)
			}
			for name, err := range map[string]error{
				"begin": p.Begin(), "write": p.Write(ctx, recs("out", "b", 1)), "commit": p.Commit(ctx, nil),
			} {
				if !errors.Is(err, ErrAbortRequired) {
					t.Errorf("%s in a failed transaction: %v, want ErrAbortRequired", name, err)
				}
			}
			must(t, "abort", p.Abort(ctx))
			if got := f.allValues("committed"); len(got) != 0 {
				t.Errorf("committed = %v", got)
			}
			// The producer goes on.
			must(t, "begin", p.Begin())
			must(t, "write", p.Write(ctx, recs("out", "c", 4)))
			must(t, "commit", p.Commit(ctx, nil))
			if got := f.allValues("committed"); !slices.Equal(got, prefixed("c", 4)) {
				t.Errorf("committed after recovery = %v", got)
			}
		})
	}
}

func TestTxnUnitUncertainWriteBumpsTheEpochOnAbort(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	tp := topicPartition{"out", partitionOf([]byte("k0"), 3)}
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "a", 1)))
	// The next batch is appended, then its answer is lost and the
	// write's ctx ends: its outcome is unknown to the producer.
	wctx, cancel := context.WithCancel(ctx)
	f.inject("produce", fault{after: true, err: errors.New("fake: connection lost"), hook: func(context.Context) error { cancel(); return nil }})
	err := p.Write(wctx, recs("out", "b", 1))
	if !errors.Is(err, ErrAbortRequired) || !errors.Is(err, context.Canceled) {
		t.Fatalf("write: %v, want ErrAbortRequired and the ctx error", err)
	}
	must(t, "abort", p.Abort(ctx))
	if pid, epoch := p.ProducerID(); pid != 1000 || epoch != 1 {
		t.Errorf("producer id/epoch after abort = %d/%d, want 1000/1", pid, epoch)
	}
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "c", 1)))
	must(t, "commit", p.Commit(ctx, nil))
	bs := f.batches(tp)
	last := bs[len(bs)-1]
	if last.epoch != 1 || last.seq != 0 || last.status != "committed" {
		t.Errorf("batch after the bump: epoch %d seq %d %s, want 1 0 committed", last.epoch, last.seq, last.status)
	}
	if got := f.allValues("committed"); !slices.Equal(got, []string{"c-00"}) {
		t.Errorf("committed = %v", got)
	}
	if n := testutil.ToFloat64(p.m.bumps); n != 2 {
		t.Errorf("epoch_bumps_total = %v, want 2", n)
	}
}

func TestTxnUnitOutOfOrderSequenceBumpsTheEpoch(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	f.inject("produce", fault{err: kafka.OutOfOrderSequenceNumber})
	if err := p.Write(ctx, recs("out", "a", 1)); !errors.Is(err, ErrAbortRequired) {
		t.Fatalf("write: %v", err)
	}
	must(t, "abort", p.Abort(ctx))
	if _, epoch := p.ProducerID(); epoch != 1 {
		t.Errorf("epoch = %d, want 1", epoch)
	}
}

// blockProduce makes the next produce wait, once it is called, until
// release is closed or its ctx ends; entered is closed when it is called.
func blockProduce(f *fakeCoord) (entered, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	f.inject("produce", fault{hook: func(ctx context.Context) error {
		close(entered)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	return entered, release
}

func TestTxnUnitCommitWaitsForWritesInProgress(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	entered, release := blockProduce(f)
	writeDone := make(chan error, 1)
	go func() { writeDone <- p.Write(ctx, recs("out", "slow", 1)) }()
	<-entered
	commitDone := make(chan error, 1)
	go func() { commitDone <- p.Commit(ctx, nil) }()
	waitUntil(t, "commit to start", func() bool { return p.State() == TxnCommitting })
	if err := p.Write(ctx, recs("out", "late", 1)); !errors.Is(err, ErrNoTxn) {
		t.Errorf("write during commit: %v, want ErrNoTxn", err)
	}
	if err := p.Abort(ctx); err == nil {
		t.Errorf("abort during commit succeeded")
	}
	close(release)
	must(t, "write", <-writeDone)
	must(t, "commit", <-commitDone)
	if got := f.allValues("committed"); !slices.Equal(got, []string{"slow-00"}) {
		t.Errorf("committed = %v: commit did not wait for the write", got)
	}
}

func TestTxnUnitCommitGivesUpWaitingWhenCtxEnds(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	entered, _ := blockProduce(f)
	writeDone := make(chan error, 1)
	go func() { writeDone <- p.Write(ctx, recs("out", "slow", 1)) }()
	<-entered
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Commit(cctx, nil); !errors.Is(err, ErrAbortRequired) || !errors.Is(err, context.Canceled) {
		t.Fatalf("commit: %v", err)
	}
	// The failed commit canceled the write in progress.
	if err := <-writeDone; err == nil {
		t.Errorf("write in progress succeeded after its transaction failed")
	}
	must(t, "abort", p.Abort(ctx))
	if s := p.State(); s != TxnReady {
		t.Errorf("state = %v", s)
	}
	if got := f.allValues("committed"); len(got) != 0 {
		t.Errorf("committed = %v", got)
	}
}

func TestTxnUnitAbortCancelsWritesInProgress(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	entered, _ := blockProduce(f)
	writeDone := make(chan error, 1)
	go func() { writeDone <- p.Write(ctx, recs("out", "slow", 1)) }()
	<-entered
	must(t, "abort", p.Abort(ctx))
	if err := <-writeDone; !errors.Is(err, errTxnAborted) {
		t.Errorf("write canceled by abort: %v", err)
	}
	if s := p.State(); s != TxnReady {
		t.Errorf("state = %v", s)
	}
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "next", 2)))
	must(t, "commit", p.Commit(ctx, nil))
	if got := f.allValues("committed"); !slices.Equal(got, prefixed("next", 2)) {
		t.Errorf("committed = %v", got)
	}
}

func TestTxnUnitLostCommitIsResolvedByAbort(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(fmt.Sprintf("applied=%v", applied), func(t *testing.T) {
			p, f := newUnit(t, nil)
			ctx := unitCtx(t)
			must(t, "begin", p.Begin())
			must(t, "write", p.Write(ctx, recs("out", "a", 2)))
			cctx, cancel := context.WithCancel(ctx)
			f.inject("end_txn", fault{after: applied, err: errors.New("fake: connection lost"), hook: func(context.Context) error { cancel(); return nil }})
			if err := p.Commit(cctx, nil); !errors.Is(err, ErrAbortRequired) {
				t.Fatalf("commit: %v", err)
			}
			err := p.Abort(ctx)
			if applied {
				if !errors.Is(err, ErrTxnCommitted) {
					t.Fatalf("abort of a committed transaction: %v, want ErrTxnCommitted", err)
				}
				if got := f.allValues("committed"); len(got) != 2 {
					t.Errorf("committed = %v", got)
				}
			} else {
				must(t, "abort", err)
				if got := f.allValues("aborted"); len(got) != 2 {
					t.Errorf("aborted = %v", got)
				}
			}
			if s := p.State(); s != TxnReady {
				t.Errorf("state = %v", s)
			}
		})
	}
}

func TestTxnUnitRecordsRefusedForGood(t *testing.T) {
	p, f := newUnit(t, func(c *TxnConfig) { c.BatchBytes = 10_000 })
	f.maxBatch = 5000 // the broker's limit on a batch
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	var rs []record.Record
	for i := range 8 {
		n := 1000
		switch i {
		case 2:
			n = 20_000 // over BatchBytes
		case 5:
			n = 6000 // under BatchBytes, over the broker's limit
		}
		rs = append(rs, record.Record{Topic: "out", Key: []byte("k"), Value: append(fmt.Appendf(nil, "v%d:", i), make([]byte, n)...)})
	}
	err := p.Write(ctx, rs)
	var rej *RejectedError
	if !errors.As(err, &rej) || len(rej.Errs) != len(rs) {
		t.Fatalf("write: %v, want a *RejectedError aligned with the input", err)
	}
	for i, e := range rej.Errs {
		var we *WriteError
		if i == 2 || i == 5 {
			if !errors.As(e, &we) || we.Class != ClassTooLarge || we.Topic != "out" {
				t.Errorf("record %d: %v, want too_large", i, e)
			}
		} else if e != nil {
			t.Errorf("record %d: %v", i, e)
		}
	}
	if s := p.State(); s != TxnInTxn {
		t.Fatalf("state after refused records = %v, want in_txn", s)
	}
	must(t, "commit", p.Commit(ctx, nil))
	tp := topicPartition{"out", partitionOf([]byte("k"), 3)}
	var got []string
	seq := int32(0)
	for _, b := range f.batches(tp) {
		if b.seq != seq {
			t.Errorf("batch at sequence %d, want %d", b.seq, seq)
		}
		seq += int32(len(b.recs))
		for _, r := range b.recs {
			got = append(got, string(r.Value[:3]))
		}
	}
	if want := []string{"v0:", "v1:", "v3:", "v4:", "v6:", "v7:"}; !slices.Equal(got, want) {
		t.Errorf("written in order: %v, want %v", got, want)
	}
	if n := testutil.ToFloat64(p.m.rejected.WithLabelValues("out", ClassTooLarge)); n != 2 {
		t.Errorf("rejected_records_total = %v", n)
	}
}

func TestTxnUnitBatchesSplitAtBatchBytes(t *testing.T) {
	p, f := newUnit(t, func(c *TxnConfig) { c.BatchBytes = 4096 })
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	rs := make([]record.Record, 10)
	for i := range rs {
		rs[i] = record.Record{Topic: "out", Key: []byte("k"), Value: append(fmt.Appendf(nil, "%d", i), make([]byte, 1000)...)}
	}
	must(t, "write", p.Write(ctx, rs))
	must(t, "commit", p.Commit(ctx, nil))
	bs := f.batches(topicPartition{"out", partitionOf([]byte("k"), 3)})
	var sizes []int
	for _, b := range bs {
		sizes = append(sizes, len(b.recs))
	}
	if !slices.Equal(sizes, []int{3, 3, 3, 1}) {
		t.Errorf("records per batch = %v, want 3 3 3 1 (1,065 bytes each, 4,096 per batch)", sizes)
	}
}

func TestTxnUnitStateErrors(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	if err := p.Write(ctx, recs("out", "a", 1)); !errors.Is(err, ErrNoTxn) {
		t.Errorf("write before begin: %v", err)
	}
	if err := p.Commit(ctx, nil); !errors.Is(err, ErrNoTxn) {
		t.Errorf("commit before begin: %v", err)
	}
	must(t, "abort before begin", p.Abort(ctx))
	must(t, "begin", p.Begin())
	if err := p.Begin(); !errors.Is(err, ErrTxnOpen) {
		t.Errorf("begin twice: %v", err)
	}
	if err := p.Write(ctx, []record.Record{{Value: []byte("no topic")}}); err == nil || errors.Is(err, ErrAbortRequired) {
		t.Errorf("write without a topic: %v", err)
	}
	// An unknown topic is retried (it may be just created) until ctx ends.
	mctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	var we *WriteError
	if err := p.Write(mctx, []record.Record{{Topic: "missing", Value: []byte("x")}}); !errors.As(err, &we) || we.Class != ClassUnknownTopic ||
		!errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrAbortRequired) {
		t.Errorf("write to a missing topic: %v", err)
	}
	must(t, "abort", p.Abort(ctx))
	if err := p.Commit(ctx, &GroupOffsets{}); err == nil {
		t.Errorf("commit with a group without id succeeded")
	}
	must(t, "close", p.Close())
	must(t, "close again", p.Close())
	for name, err := range map[string]error{"begin": p.Begin(), "write": p.Write(ctx, recs("out", "a", 1)),
		"commit": p.Commit(ctx, nil), "abort": p.Abort(ctx)} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after close: %v", name, err)
		}
	}
	_ = f
}

func TestTxnUnitCloseCancelsWrites(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	entered, _ := blockProduce(f)
	writeDone := make(chan error, 1)
	go func() { writeDone <- p.Write(ctx, recs("out", "slow", 1)) }()
	<-entered
	must(t, "close", p.Close())
	if err := <-writeDone; !errors.Is(err, ErrClosed) {
		t.Errorf("write in progress at close: %v", err)
	}
}

func TestTxnUnitBatchEncoding(t *testing.T) {
	in := []record.Record{
		{Key: nil, Value: nil},
		{Key: []byte{}, Value: []byte{}},
		{Key: []byte("key"), Value: bytes.Repeat([]byte("value "), 100), Headers: []record.Header{
			{Key: "a", Value: []byte("1")}, {Key: "a", Value: nil}, {Key: "", Value: []byte{}}, {Key: "bin", Value: []byte{0, 0xff}},
		}},
	}
	for i := range 200 { // offset deltas past one varint byte
		in = append(in, record.Record{Key: fmt.Appendf(nil, "%d", i), Value: make([]byte, i)})
	}
	ptrs := make([]*record.Record, len(in))
	for i := range in {
		ptrs[i] = &in[i]
	}
	for name, c := range codecs {
		t.Run(name, func(t *testing.T) {
			var codec compress.Codec
			if c != 0 {
				codec = c.Codec()
			}
			set, err := appendBatch([]byte("prefix"), ptrs, batchMeta{producerID: 77, epoch: 5, baseSeq: math.MaxInt32 - 3}, 1_700_000_000_123, codec)
			must(t, "encode", err)
			if !bytes.HasPrefix(set, []byte("prefix")) {
				t.Fatalf("dst overwritten")
			}
			b, err := decodeSet(set[len("prefix"):])
			must(t, "decode", err)
			if b.pid != 77 || b.epoch != 5 || b.seq != math.MaxInt32-3 || b.attrs != int16(attrTransactional)|int16(c) {
				t.Errorf("header pid %d epoch %d seq %d attrs %#x", b.pid, b.epoch, b.seq, b.attrs)
			}
			if len(b.recs) != len(in) {
				t.Fatalf("%d records, want %d", len(b.recs), len(in))
			}
			for i, r := range b.recs {
				w := in[i]
				if !sameBytes(r.Key, w.Key) || !sameBytes(r.Value, w.Value) || len(r.Headers) != len(w.Headers) {
					t.Fatalf("record %d = %#v %#v (%d headers), want %#v %#v (%d)", i, r.Key, r.Value, len(r.Headers), w.Key, w.Value, len(w.Headers))
				}
				for j, h := range w.Headers {
					if r.Headers[j].Key != h.Key || !sameBytes(r.Headers[j].Value, h.Value) {
						t.Errorf("record %d header %d = %q %#v, want %q %#v", i, j, r.Headers[j].Key, r.Headers[j].Value, h.Key, h.Value)
					}
				}
			}
		})
	}
	if got := nextSeq(math.MaxInt32-3, len(in)); got != int32(len(in)-4) {
		t.Errorf("sequence after wrapping = %d, want %d", got, len(in)-4)
	}
	if got := nextSeq(10, 5); got != 15 {
		t.Errorf("nextSeq(10, 5) = %d", got)
	}
}

func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

func TestTxnUnitConfig(t *testing.T) {
	ok := TxnConfig{Brokers: []string{"b:9092"}, TransactionalID: "tx"}
	must(t, "valid config", ok.Validate())
	for name, c := range map[string]func(*TxnConfig){
		"no brokers":    func(c *TxnConfig) { c.Brokers = nil },
		"no id":         func(c *TxnConfig) { c.TransactionalID = "" },
		"codec":         func(c *TxnConfig) { c.Compression = "brotli" },
		"timeout":       func(c *TxnConfig) { c.TransactionTimeout = time.Millisecond },
		"batch bytes":   func(c *TxnConfig) { c.BatchBytes = 10 },
		"backoff":       func(c *TxnConfig) { c.RetryBackoffMin, c.RetryBackoffMax = time.Second, time.Millisecond },
		"request limit": func(c *TxnConfig) { c.RequestTimeout = -1 },
	} {
		cfg := ok
		c(&cfg)
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := NewTxn(context.Background(), cfg); err == nil {
			t.Errorf("%s: NewTxn accepted it", name)
		}
	}
	for s := TxnReady; s <= TxnClosed+1; s++ {
		if s.String() == "" {
			t.Errorf("state %d has no name", s)
		}
	}
}

func TestTxnUnitMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewTxnMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := NewTxnMetrics(reg); err == nil {
		t.Errorf("registering twice succeeded")
	}
	if m, err := NewTxnMetrics(nil); err != nil || m == nil {
		t.Errorf("unregistered metrics: %v", err)
	}
}

// waitUntil polls cond (bounded by unitWait).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(unitWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTxnUnitAbortFailureBumpsTheEpoch(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "a", 2)))
	f.inject("end_txn", fault{err: kafka.InvalidProducerIDMapping})
	// EndTxn(abort) failed for good: the epoch bump aborts the
	// transaction instead.
	must(t, "abort", p.Abort(ctx))
	if _, epoch := p.ProducerID(); epoch != 1 {
		t.Errorf("epoch = %d, want 1", epoch)
	}
	if got := f.allValues("aborted"); len(got) != 2 {
		t.Errorf("aborted = %v", got)
	}
	must(t, "begin", p.Begin())
	must(t, "write", p.Write(ctx, recs("out", "b", 2)))
	must(t, "commit", p.Commit(ctx, nil))
}

func TestTxnUnitFencedWhileAborting(t *testing.T) {
	for _, op := range []string{"end_txn", "init"} {
		t.Run(op, func(t *testing.T) {
			p, f := newUnit(t, nil)
			ctx := unitCtx(t)
			must(t, "begin", p.Begin())
			must(t, "write", p.Write(ctx, recs("out", "a", 2)))
			if op == "init" { // make the abort bump the epoch
				f.inject("end_txn", fault{err: kafka.InvalidProducerIDMapping})
			}
			f.inject(op, fault{err: kafka.ProducerFenced})
			if err := p.Abort(ctx); !errors.Is(err, ErrFenced) {
				t.Fatalf("abort: %v, want ErrFenced", err)
			}
			fencedEverywhere(t, p)
		})
	}
}

func TestTxnUnitAbortGivesUpWaitingWhenCtxEnds(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	// A produce that ignores cancellation until released.
	entered, release := make(chan struct{}), make(chan struct{})
	f.inject("produce", fault{hook: func(context.Context) error {
		close(entered)
		<-release
		return errors.New("fake: connection closed")
	}})
	writeDone := make(chan error, 1)
	go func() { writeDone <- p.Write(ctx, recs("out", "stuck", 1)) }()
	<-entered
	actx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Abort(actx); !errors.Is(err, context.Canceled) {
		t.Fatalf("abort: %v, want the ctx error", err)
	}
	if s := p.State(); s != TxnError {
		t.Errorf("state after an unfinished abort = %v, want error", s)
	}
	close(release)
	if err := <-writeDone; err == nil {
		t.Errorf("write succeeded in an aborted transaction")
	}
	must(t, "abort again", p.Abort(ctx))
	if s := p.State(); s != TxnReady {
		t.Errorf("state = %v", s)
	}
	// The produce's outcome was unknown: the epoch was bumped.
	if _, epoch := p.ProducerID(); epoch != 1 {
		t.Errorf("epoch = %d, want 1", epoch)
	}
}

// TestTxnUnitNoProduceOnceTheTransactionStops: a Write's retries stop when
// its transaction is aborted. The Write's own context ends with the
// transaction's through an AfterFunc goroutine, which a loaded machine may
// run only after the next attempt (CI saw a retry succeed in an aborted
// transaction): every attempt checks the transaction itself first.
func TestTxnUnitNoProduceOnceTheTransactionStops(t *testing.T) {
	p, f := newUnit(t, nil)
	must(t, "begin", p.Begin())
	p.mu.Lock()
	tx := p.txn
	p.mu.Unlock()
	tx.cancel(errTxnAborted) // as Abort does; the Write's ctx is not told
	out := p.sendBatch(context.Background(), tx, topicPartition{topic: "out"}, []byte("batch"))
	if !errors.Is(out.err, errTxnAborted) {
		t.Errorf("send in a stopped transaction: %v, want %v", out.err, errTxnAborted)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if slices.Contains(f.ops, "produce") {
		t.Errorf("a produce reached the broker after the transaction stopped: %v", f.ops)
	}
}

func TestTxnUnitConcurrentWriteWaitsForAnotherAddPartitions(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	entered, release := make(chan struct{}), make(chan struct{})
	f.inject("add_partitions", fault{hook: func(ctx context.Context) error {
		close(entered)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}})
	first := make(chan error, 1)
	go func() { first <- p.Write(ctx, recs("out", "first", 6)) }()
	<-entered
	// The second write needs the same partitions: it waits for the
	// first one's AddPartitionsToTxn, then produces.
	second := make(chan error, 1)
	go func() { second <- p.Write(ctx, recs("out", "second", 6)) }()
	close(release)
	must(t, "first write", <-first)
	must(t, "second write", <-second)
	must(t, "commit", p.Commit(ctx, nil))
	if n := f.count("add_partitions"); n != 1 {
		t.Errorf("%d AddPartitionsToTxn calls, want 1", n)
	}
	if got := len(f.allValues("committed")); got != 12 {
		t.Errorf("%d committed, want 12", got)
	}
}

func TestTxnUnitFailedAddPartitionsFailsTheWaitingWrite(t *testing.T) {
	p, f := newUnit(t, nil)
	ctx := unitCtx(t)
	must(t, "begin", p.Begin())
	entered, release := make(chan struct{}), make(chan struct{})
	f.inject("add_partitions", fault{err: kafka.TransactionalIDAuthorizationFailed, hook: func(context.Context) error {
		close(entered)
		<-release
		return nil
	}})
	first := make(chan error, 1)
	go func() { first <- p.Write(ctx, recs("out", "first", 6)) }()
	<-entered
	second := make(chan error, 1)
	go func() { second <- p.Write(ctx, recs("out", "second", 6)) }()
	waitUntil(t, "the second write to wait", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.txn.inflight == 2
	})
	close(release)
	if err := <-first; !errors.Is(err, kafka.TransactionalIDAuthorizationFailed) || !errors.Is(err, ErrAbortRequired) {
		t.Errorf("first write: %v", err)
	}
	if err := <-second; !errors.Is(err, ErrAbortRequired) {
		t.Errorf("second write: %v", err)
	}
	must(t, "abort", p.Abort(ctx))
}
