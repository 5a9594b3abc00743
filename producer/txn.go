package producer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"

	"github.com/newsflow/newsflow/record"
)

// TxnState is the state of a TxnProducer (see the state machine in its
// documentation).
type TxnState int

// The states of a TxnProducer.
const (
	TxnReady      TxnState = iota // no transaction open
	TxnInTxn                      // a transaction is open: Write, Commit, Abort
	TxnCommitting                 // Commit in progress
	TxnAborting                   // Abort in progress
	TxnError                      // the transaction failed: Abort it
	TxnFenced                     // terminal: a newer producer or generation took over
	TxnClosed                     // terminal
)

func (s TxnState) String() string {
	switch s {
	case TxnReady:
		return "ready"
	case TxnInTxn:
		return "in_txn"
	case TxnCommitting:
		return "committing"
	case TxnAborting:
		return "aborting"
	case TxnError:
		return "error"
	case TxnFenced:
		return "fenced"
	case TxnClosed:
		return "closed"
	}
	return fmt.Sprintf("TxnState(%d)", int(s))
}

var (
	// ErrFenced is wrapped by every error of a producer that a newer
	// producer with the same transactional id, or a newer consumer group
	// generation, has fenced. The caller must Abort if it can (after a
	// group fencing Abort still works), drop the producer, create a new
	// one (NewTxn bumps the epoch) and rejoin the group.
	ErrFenced = errors.New("producer: fenced: a newer producer with the same transactional id, or a newer consumer group generation, took over")
	// ErrAbortRequired is wrapped by the errors of a failed transaction:
	// it can no longer be committed; call Abort.
	ErrAbortRequired = errors.New("producer: transaction failed and must be aborted")
	// ErrNoTxn is returned by Write and Commit when no transaction is open
	// (before Begin, or while a Commit or Abort is ending it).
	ErrNoTxn = errors.New("producer: no transaction open")
	// ErrTxnOpen is returned by Begin when a transaction is already open.
	ErrTxnOpen = errors.New("producer: a transaction is already open")
	// ErrTxnCommitted is wrapped by the error of an Abort that found the
	// transaction committed: a previous Commit failed without an answer
	// but the broker had committed it. Its records and offsets are
	// committed; the producer is Ready.
	ErrTxnCommitted = errors.New("producer: the transaction was committed after all")
	// errTxnAborted is the cause with which Abort cancels the Writes in
	// progress.
	errTxnAborted = errors.New("producer: transaction aborted")
)

// TxnConfig configures a TxnProducer. Zero values take the documented
// defaults.
type TxnConfig struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string
	// Transport carries TLS/SASL settings and the metadata refresh
	// interval (MetadataTTL, default 6 s: a moved partition leader or a
	// new topic is seen within it). Default: a transport of the producer's
	// own, closed by Close.
	Transport *kafka.Transport
	// TransactionalID identifies the producer across restarts: a new
	// producer with the same id fences the older one. Derive it from the
	// consumer group and the instance. Required.
	TransactionalID string
	// TransactionTimeout is how long the broker lets a transaction stay
	// open before aborting it (and fencing its producer). It must not be
	// over the broker's transaction.max.timeout.ms (15 min by default).
	// At least 1 s. Default 60 s.
	TransactionTimeout time.Duration
	// Compression is the codec of the batches sent: none, gzip, snappy,
	// lz4 or zstd, as Config.Compression. Default: DefaultCompression.
	Compression string
	// BatchBytes is the largest record (record.Record.Size) accepted and
	// the most uncompressed bytes per batch sent, as Config.BatchBytes.
	// At least 1024. Default 1,000,000.
	BatchBytes int64
	// RetryBackoffMin and RetryBackoffMax bound the exponential backoff
	// (with jitter) between attempts of a broker call after a retriable
	// error. Defaults 2 ms and 1 s: on Apache Kafka the first
	// AddPartitionsToTxn of a transaction usually meets
	// ConcurrentTransactions while the previous one's markers are being
	// written, and the first produce to a partition NotEnoughReplicas while
	// the leader verifies the partition was added (KIP-890), each for a few
	// milliseconds; a 20 ms first backoff tripled the time of a
	// transaction of 500 records there.
	RetryBackoffMin, RetryBackoffMax time.Duration
	// RequestTimeout bounds one attempt of a broker call; a produce that
	// times out is retried with the same sequence number. Default 30 s.
	RequestTimeout time.Duration
	// Metrics receives the transaction series. Default: a private,
	// unregistered set.
	Metrics *TxnMetrics
	// Logger receives retry warnings, fencing and epoch bumps. Default:
	// discard.
	Logger *slog.Logger
}

// Validate reports the first invalid setting. Zero values count as their
// defaults.
func (c TxnConfig) Validate() error {
	c.setDefaults()
	if _, ok := codecs[c.Compression]; !ok {
		return fmt.Errorf("producer: compression %q is not one of none, gzip, snappy, lz4, zstd", c.Compression)
	}
	switch {
	case len(c.Brokers) == 0:
		return errors.New("producer: no brokers given")
	case c.TransactionalID == "":
		return errors.New("producer: no transactional id given")
	case c.TransactionTimeout < time.Second:
		return fmt.Errorf("producer: transaction timeout %v is under 1s", c.TransactionTimeout)
	case c.BatchBytes < 1024:
		return fmt.Errorf("producer: batch bytes %d must be at least 1024", c.BatchBytes)
	case c.RetryBackoffMin <= 0 || c.RetryBackoffMax < c.RetryBackoffMin:
		return fmt.Errorf("producer: retry backoff %v..%v is not a valid range", c.RetryBackoffMin, c.RetryBackoffMax)
	case c.RequestTimeout <= 0:
		return errors.New("producer: request timeout must be positive")
	}
	return nil
}

func (c *TxnConfig) setDefaults() {
	if c.TransactionTimeout == 0 {
		c.TransactionTimeout = 60 * time.Second
	}
	if c.Compression == "" {
		c.Compression = DefaultCompression
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = 1_000_000
	}
	if c.RetryBackoffMin == 0 {
		c.RetryBackoffMin = 2 * time.Millisecond
	}
	if c.RetryBackoffMax == 0 {
		c.RetryBackoffMax = time.Second
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// GroupOffsets are the consumer offsets a Commit sends to the transaction
// (TxnOffsetCommit v3, KIP-447): they are committed for GroupID if and
// only if the transaction commits. GenerationID and MemberID are the
// consumer's current group generation and member id: the group
// coordinator refuses them (ErrFenced) once a newer generation exists, so
// a zombie consumer cannot commit. GenerationID -1 and an empty MemberID
// skip that check (not for production use).
type GroupOffsets struct {
	GroupID      string
	GenerationID int32
	MemberID     string
	// Offsets maps topic → partition → the next offset to consume (the
	// last processed offset + 1).
	Offsets map[string]map[int]int64
}

// TxnProducer writes records inside Kafka transactions (exactly-once
// output, as Kafka Streams' exactly_once_v2): a transaction's records,
// and the consumer offsets sent with its Commit, become visible to
// read_committed readers together at Commit, or never (Abort, a crash,
// fencing). It is built on kafka-go's Client (InitProducerID,
// AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn and
// RawProduce); the record batches are encoded here, because kafka-go's
// encoder cannot write a producer id.
//
// # State machine
//
//	from           event                                      to
//	(NewTxn)       InitProducerID: new epoch                  Ready
//	Ready          Begin                                      InTxn
//	InTxn          Write, any number, concurrently            InTxn
//	InTxn          a Write fails (not for refused records)    Error
//	InTxn          Commit                                     Committing
//	Committing     offsets sent, EndTxn(commit) succeeded     Ready
//	Committing     anything else failed                       Error
//	InTxn, Error   Abort                                      Aborting
//	Aborting       EndTxn(abort) (+ epoch bump) succeeded     Ready
//	Aborting       could not finish (ctx ended…)              Error
//	any            the broker says fenced                     Fenced (terminal)
//	any            Close                                      Closed (terminal)
//
// The states:
//
//   - Ready: no transaction. Begin opens one (local state only: nothing
//     is sent until the first Write or Commit).
//   - InTxn: Write may be called any number of times, concurrently.
//     Commit or Abort ends the transaction.
//   - Committing: Commit refuses new Writes (ErrNoTxn), waits for the
//     Writes in progress (bounded by its ctx), then sends the offsets and
//     EndTxn(commit). Success returns to Ready.
//   - Error: a Write or Commit failed (anything but fencing and records
//     refused for good). The transaction cannot be committed: Begin, Write
//     and Commit return ErrAbortRequired until Abort.
//   - Aborting: Abort cancels the Writes in progress, waits for them to
//     return, sends EndTxn(abort) if anything reached the coordinator and,
//     if a write's outcome was unknown (its sequence numbers are then
//     unknown too), bumps the epoch with InitProducerID (KIP-360), then
//     returns to Ready.
//   - Fenced: terminal. Every call returns an error wrapping ErrFenced,
//     except Close, and except Abort after a group fencing (which still
//     aborts the transaction). Drop the producer, create a new one with
//     NewTxn (which bumps the epoch) and rejoin the group.
//   - Closed: terminal; calls return ErrClosed.
//
// # Errors
//
// Retriable broker errors (NotCoordinator, CoordinatorLoadInProgress,
// CoordinatorNotAvailable, ConcurrentTransactions, NotLeader,
// LeaderNotAvailable, RequestTimedOut, NotEnoughReplicas, network errors…)
// are retried inside each call with exponential backoff until its ctx
// ends; a produce is retried with the same bytes and sequence number, so
// the broker drops a duplicate. What ends a call early:
//
//   - ErrFenced (wrapping the broker's error): the broker answered
//     ProducerFenced, InvalidProducerEpoch or TransactionCoordinatorFenced
//     (a newer producer with the same transactional id, or the
//     transaction timed out), or, to TxnOffsetCommit, IllegalGeneration,
//     UnknownMemberID or FencedInstanceID (a newer group generation).
//   - A *RejectedError from Write: records refused for good (over
//     BatchBytes, or refused by the broker's size or record validation),
//     aligned with the input, each a *WriteError of class too_large or
//     invalid_record. The other records are in the transaction, which
//     stays open: dead-letter the refused ones inside it.
//   - Anything else (ctx ended, a non-retriable broker error): an error
//     wrapping ErrAbortRequired; the transaction is in Error.
//
// After a Commit that failed, its outcome may be unknown (EndTxn sent,
// answer lost). Abort resolves it: it returns nil if the transaction is
// aborted, or an error wrapping ErrTxnCommitted if the broker reports it
// committed after all; either way the producer is Ready again.
//
// # Concurrency
//
// Begin, Commit, Abort and Close are meant to be called from one goroutine
// (the commit loop) and refuse to overlap each other (Abort during Commit
// returns an error); Write may be called by any number of goroutines
// between Begin and Commit. Commit waits for the Writes in progress; Abort
// and Close cancel them. All methods are safe for concurrent use.
type TxnProducer struct {
	cfg   TxnConfig
	api   txnAPI
	m     *TxnMetrics
	log   *slog.Logger
	codec compress.Codec

	mu       sync.Mutex
	state    TxnState
	pid      int64
	epoch    int16
	txn      *txn                             // the transaction not yet ended, or nil
	seqs     map[topicPartition]*partitionSeq // next sequence number per partition, for this epoch
	fenceErr error                            // why the producer is fenced
	byGroup  bool                             // fenced by the group: Abort still works
}

var _ Sink = (*TxnProducer)(nil)

// txn is one transaction, from Begin to the end of Commit or Abort. Its
// fields are guarded by TxnProducer.mu.
type txn struct {
	start    time.Time
	ctx      context.Context // canceled (with a cause) to stop the Writes in progress
	cancel   context.CancelCauseFunc
	inflight int           // Writes in progress
	drained  chan struct{} // closed when inflight drops to 0, if someone waits
	parts    map[topicPartition]*addCall
	// touched: something may have reached the coordinator (a partition,
	// the offsets), so ending the transaction needs EndTxn.
	touched bool
	// failed is the first error that made the transaction fail.
	failed error
	// commitMaybe: an EndTxn(commit) went out without a definite answer.
	commitMaybe bool
	aborted     bool // EndTxn(abort) succeeded (after a group fencing)
}

// addCall is one AddPartitionsToTxn for a set of partitions; concurrent
// Writes needing the same partition wait for it.
type addCall struct {
	done chan struct{}
	err  error
}

// partitionSeq is the producer's sequence state on one partition. The
// slot (capacity 1) is held while a batch is in flight: one batch per
// partition at a time, so the broker sees the sequence numbers in order.
type partitionSeq struct {
	slot chan struct{}
	next int32
	// unknown: a batch may or may not have been appended; the next
	// sequence number is not known until the epoch is bumped.
	unknown bool
}

// NewTxn validates cfg, then gets a producer id and a new epoch for
// cfg.TransactionalID from the transaction coordinator (InitProducerID
// with producer id and epoch -1). That fences every older producer with
// the same transactional id: their transaction still open is aborted and
// their later calls fail with ErrFenced. Coordinator errors that pass
// (NotCoordinator, CoordinatorLoadInProgress, ConcurrentTransactions while
// an older transaction is being aborted…) are retried with backoff until
// ctx ends.
func NewTxn(ctx context.Context, cfg TxnConfig) (*TxnProducer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	api := newKafkaTxnAPI(cfg.Brokers, cfg.Transport)
	p, err := newTxn(ctx, cfg, api)
	if err != nil {
		api.close()
		return nil, err
	}
	return p, nil
}

// newTxn creates the producer on api (a fake in the unit tests).
func newTxn(ctx context.Context, cfg TxnConfig, api txnAPI) (*TxnProducer, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := cfg.Metrics
	if m == nil {
		m = newTxnMetrics()
	}
	p := &TxnProducer{cfg: cfg, api: api, m: m, log: cfg.Logger, seqs: map[topicPartition]*partitionSeq{}}
	if c := codecs[cfg.Compression]; c != 0 {
		p.codec = c.Codec()
	}
	if err := p.initProducerID(ctx, -1, -1); err != nil {
		return nil, err
	}
	return p, nil
}

// initProducerID gets a producer id and epoch: a new session (pid and
// epoch -1) or a bump of the current one (KIP-360). It resets the
// sequence numbers. Called with no Write in flight.
func (p *TxnProducer) initProducerID(ctx context.Context, pid int64, epoch int16) error {
	var gotPID int64
	var gotEpoch int16
	err := p.retry(ctx, "init", func(ctx context.Context) (bool, error) {
		var err error
		gotPID, gotEpoch, err = p.api.initProducerID(ctx, p.cfg.TransactionalID, p.cfg.TransactionTimeout, pid, epoch)
		return coordinatorRetriable(err), err
	})
	if err != nil {
		if producerFence(err) {
			return p.fence(nil, "init", err, false)
		}
		return fmt.Errorf("producer: init producer id for transactional id %q: %w", p.cfg.TransactionalID, err)
	}
	p.mu.Lock()
	p.pid, p.epoch = gotPID, gotEpoch
	p.seqs = map[topicPartition]*partitionSeq{}
	p.mu.Unlock()
	p.m.bumps.Inc()
	p.log.Info("producer: transactional producer initialised", "transactional_id", p.cfg.TransactionalID,
		"producer_id", gotPID, "epoch", gotEpoch)
	return nil
}

// State returns the producer's state.
func (p *TxnProducer) State() TxnState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// ProducerID returns the producer id and epoch in use.
func (p *TxnProducer) ProducerID() (int64, int16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid, p.epoch
}

// refuseLocked returns the error for a call that needs one of the states
// ok, or nil if the producer is in one of them.
func (p *TxnProducer) refuseLocked(op string, ok ...TxnState) error {
	if slices.Contains(ok, p.state) {
		return nil
	}
	switch p.state {
	case TxnFenced:
		return fmt.Errorf("producer: %s: %w", op, p.fenceErr)
	case TxnClosed:
		return fmt.Errorf("producer: %s: %w", op, ErrClosed)
	case TxnError:
		return fmt.Errorf("producer: %s: %w (%w)", op, ErrAbortRequired, p.txn.failed)
	case TxnReady:
		return fmt.Errorf("producer: %s: %w (call Begin first)", op, ErrNoTxn)
	case TxnInTxn:
		return fmt.Errorf("producer: %s: %w", op, ErrTxnOpen)
	}
	return fmt.Errorf("producer: %s: %w (the transaction is %s)", op, ErrNoTxn, p.state)
}

// Begin opens a transaction. It is local: nothing is sent to the broker.
// It fails with ErrTxnOpen if one is open, ErrAbortRequired if one failed,
// ErrFenced or ErrClosed.
func (p *TxnProducer) Begin() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.refuseLocked("begin", TxnReady); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	p.txn = &txn{start: time.Now(), ctx: ctx, cancel: cancel, parts: map[topicPartition]*addCall{}}
	p.state = TxnInTxn
	return nil
}

// Write writes recs, each with its Topic set, inside the open transaction,
// and blocks until every one is acknowledged by every in-sync replica
// (acks=all), refused for good, or ctx ends. Offset, Time and
// HighWaterMark are ignored; unless the record is Pinned (to a partition
// the topic must have), the partition is the murmur2 hash of the key
// modulo the topic's partition count, as kafka-go's Murmur2Balancer (and
// the plain Producer, and the Java client) place it; a nil key goes to a
// random partition (as the plain Producer), an empty key is hashed.
// Records written to one partition by one call keep their order and are
// contiguous; concurrent calls writing to the same partition take turns
// (one batch in flight per partition).
//
// Each partition new to the transaction is added with one
// AddPartitionsToTxn, whichever of concurrent Writes needs it first. A
// record over BatchBytes is refused without being sent; a batch the
// broker refuses for its size or a record's validity is split until the
// guilty record is alone, and refused: Write then returns a
// *RejectedError once every other record is acknowledged, and the
// transaction stays open. Retriable errors are retried until ctx ends.
// Any other failure returns an error wrapping ErrAbortRequired (or
// ErrFenced) and puts the transaction in Error: the records written may
// or may not be in it, and it can only be aborted. A record without a
// topic is a programming error: Write returns an error before writing
// anything and the transaction stays open.
//
// Write returns ErrNoTxn outside a transaction, and once Commit or Abort
// has started; Abort and Close cancel the Writes in progress. It does not
// modify recs nor keep any reference to them after it returns.
func (p *TxnProducer) Write(ctx context.Context, recs []record.Record) error {
	for i := range recs {
		if recs[i].Topic == "" {
			return fmt.Errorf("producer: record %d of %d has no topic", i, len(recs))
		}
	}
	t, meta, err := p.enter()
	if err != nil {
		return err
	}
	defer p.exit(t)
	if len(recs) == 0 {
		return nil
	}
	// The Write stops when its ctx ends or when the transaction is
	// aborted, fails or the producer closes.
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(t.ctx, func() { cancel(context.Cause(t.ctx)) })
	defer stop()

	err = p.write(wctx, t, meta, recs)
	var rej *RejectedError
	if err == nil || errors.As(err, &rej) {
		return err
	}
	return p.fail(t, err)
}

// enter registers a Write with the open transaction.
func (p *TxnProducer) enter() (*txn, batchMeta, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.refuseLocked("write", TxnInTxn); err != nil {
		return nil, batchMeta{}, err
	}
	p.txn.inflight++
	return p.txn, batchMeta{producerID: p.pid, epoch: p.epoch}, nil
}

// exit unregisters a Write.
func (p *TxnProducer) exit(t *txn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.inflight--
	if t.inflight == 0 && t.drained != nil {
		close(t.drained)
		t.drained = nil
	}
}

// drainedLocked returns a channel closed once no Write of t is in
// progress, or nil if none is.
func (t *txn) drainedLocked() <-chan struct{} {
	if t.inflight == 0 {
		return nil
	}
	if t.drained == nil {
		t.drained = make(chan struct{})
	}
	return t.drained
}

// fail records that t failed with err and returns the error for the
// caller: err wrapped with ErrFenced (fencing) or ErrAbortRequired. The
// other Writes in progress are canceled.
func (p *TxnProducer) fail(t *txn, err error) error {
	if errors.Is(err, ErrFenced) || errors.Is(err, ErrClosed) || errors.Is(err, errTxnAborted) {
		return err // the producer or the transaction is ending anyway
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.failed == nil {
		t.failed = err
	}
	if p.txn == t && (p.state == TxnInTxn || p.state == TxnCommitting) {
		p.state = TxnError
	}
	if !errors.Is(err, ErrAbortRequired) {
		err = fmt.Errorf("%w: %w", ErrAbortRequired, err)
	}
	t.cancel(err)
	return err
}

// fence makes the producer Fenced because the broker answered err to op,
// and returns the error for the caller. byGroup: a newer group generation
// (Abort still works); else a newer producer epoch.
func (p *TxnProducer) fence(t *txn, op string, err error, byGroup bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state == TxnFenced {
		return fmt.Errorf("producer: %s: %w", op, p.fenceErr)
	}
	by := "producer"
	if byGroup {
		by = "group"
	}
	p.fenceErr = fmt.Errorf("%w (%s: %w)", ErrFenced, op, err)
	if p.state != TxnClosed {
		p.state = TxnFenced
	}
	p.byGroup = byGroup
	if t != nil {
		t.cancel(p.fenceErr)
		if t.failed == nil {
			t.failed = p.fenceErr
		}
	}
	p.m.fenced.WithLabelValues(by).Inc()
	p.log.Error("producer: fenced: drop this producer, create a new one and rejoin the group", "transactional_id", p.cfg.TransactionalID,
		"producer_id", p.pid, "epoch", p.epoch, "by", by, "op", op, "err", err)
	return fmt.Errorf("producer: %s: %w", op, p.fenceErr)
}

// write does the work of Write.
func (p *TxnProducer) write(ctx context.Context, t *txn, meta batchMeta, recs []record.Record) error {
	var rejected []error
	reject := func(i int, class string, err error) {
		if rejected == nil {
			rejected = make([]error, len(recs))
		}
		rejected[i] = &WriteError{Topic: recs[i].Topic, Class: class, Err: err}
		p.m.rejected.WithLabelValues(recs[i].Topic, class).Inc()
	}

	// Place the records.
	counts := map[string][]int{} // topic → its partition ids
	byPart := map[topicPartition][]int{}
	var order []topicPartition
	for i := range recs {
		r := &recs[i]
		if size := r.Size(); size > p.cfg.BatchBytes {
			reject(i, ClassTooLarge, fmt.Errorf("record of %d bytes (uncompressed) is over the %d-byte batch limit: %w", size, p.cfg.BatchBytes, kafka.MessageSizeTooLarge))
			continue
		}
		parts, ok := counts[r.Topic]
		if !ok {
			n, err := p.partitionCount(ctx, r.Topic)
			if err != nil {
				return err
			}
			parts = make([]int, n)
			for k := range parts {
				parts[k] = k
			}
			counts[r.Topic] = parts
		}
		var tp topicPartition
		switch {
		case !r.Pinned:
			tp = topicPartition{r.Topic, int32(balancer.Balance(kafka.Message{Key: r.Key}, parts...))}
		case r.Partition >= 0 && r.Partition < len(parts):
			tp = topicPartition{r.Topic, int32(r.Partition)}
		default:
			reject(i, ClassInvalidRecord, fmt.Errorf("record pinned to partition %d of %s, which has %d: %w", r.Partition, r.Topic, len(parts), kafka.UnknownTopicOrPartition))
			continue
		}
		if _, ok := byPart[tp]; !ok {
			order = append(order, tp)
		}
		byPart[tp] = append(byPart[tp], i)
	}

	if len(order) > 0 {
		if err := p.addPartitions(ctx, t, meta, order); err != nil {
			return err
		}
		// Produce to the partitions in parallel, a few at a time.
		sem := make(chan struct{}, maxPartitionsInFlight)
		errs := make([]error, len(order))
		var mu sync.Mutex // guards rejected
		var wg sync.WaitGroup
		for k, tp := range order {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				errs[k] = p.producePartition(ctx, t, meta, tp, recs, byPart[tp], func(i int, class string, err error) {
					mu.Lock()
					reject(i, class, err)
					mu.Unlock()
				})
			}()
		}
		wg.Wait()
		// A fencing error says most; then the first one.
		var first error
		for _, err := range errs {
			if err != nil && (first == nil || errors.Is(err, ErrFenced) && !errors.Is(first, ErrFenced)) {
				first = err
			}
		}
		if first != nil {
			return first
		}
	}
	if rejected != nil {
		return &RejectedError{Errs: rejected}
	}
	return nil
}

// maxPartitionsInFlight bounds the produce requests one Write has in
// flight (each on its own connection in kafka-go's transport).
const maxPartitionsInFlight = 8

// balancer places records as kafka-go's Writer with a Murmur2Balancer,
// the plain Producer's, does.
var balancer = kafka.Murmur2Balancer{}

// partitionCount returns the number of partitions of topic, retrying
// while it is unknown (a topic just created) until ctx ends.
func (p *TxnProducer) partitionCount(ctx context.Context, topic string) (int, error) {
	var n int
	err := p.retry(ctx, "metadata", func(ctx context.Context) (bool, error) {
		var err error
		n, err = p.api.partitions(ctx, topic)
		if err == nil {
			return false, nil
		}
		code, isKafka := kafkaCode(err)
		return !isKafka || code == kafka.UnknownTopicOrPartition || code == kafka.LeaderNotAvailable, err
	})
	if err != nil {
		return 0, &WriteError{Topic: topic, Class: classOf(err), Err: err}
	}
	return n, nil
}

// addPartitions makes sure every partition of tps is in transaction t:
// it adds the ones no Write has added yet with one AddPartitionsToTxn and
// waits for those another Write is adding.
func (p *TxnProducer) addPartitions(ctx context.Context, t *txn, meta batchMeta, tps []topicPartition) error {
	call := &addCall{done: make(chan struct{})}
	var mine []topicPartition
	var waits []*addCall
	p.mu.Lock()
	for _, tp := range tps {
		if c, ok := t.parts[tp]; ok {
			if !slices.Contains(waits, c) {
				waits = append(waits, c)
			}
			continue
		}
		t.parts[tp] = call
		mine = append(mine, tp)
	}
	if len(mine) > 0 {
		t.touched = true
	}
	p.mu.Unlock()

	if len(mine) > 0 {
		call.err = p.addPartitionsNow(ctx, t, meta, mine)
		if call.err != nil {
			p.mu.Lock()
			for _, tp := range mine {
				if t.parts[tp] == call {
					delete(t.parts, tp)
				}
			}
			p.mu.Unlock()
		}
		close(call.done)
		if call.err != nil {
			return call.err
		}
	}
	for _, c := range waits {
		select {
		case <-c.done:
			if c.err != nil {
				return fmt.Errorf("producer: add partitions to the transaction (in a concurrent write): %w", c.err)
			}
		case <-ctx.Done():
			return fmt.Errorf("producer: waiting for partitions to be added to the transaction: %w", context.Cause(ctx))
		}
	}
	return nil
}

// sortPartitionResults sorts the per-partition answers of a transactional
// call (AddPartitionsToTxn, TxnOffsetCommit) for p.retry: a fencing error
// stops at once; any other error that is not retriable, or a partition
// the broker did not answer for, fails the call; the retriable ones are
// returned to be sent again (again true, err the last of them).
func sortPartitionResults(pending []topicPartition, res map[topicPartition]error, fenced, retriable func(error) bool) (rest []topicPartition, again bool, err error) {
	var retryErr, fatal error
	for _, tp := range pending {
		perr, ok := res[tp]
		switch {
		case !ok:
			fatal = fmt.Errorf("no answer for partition %d of %s", tp.partition, tp.topic)
		case perr == nil:
		case fenced(perr):
			return nil, false, perr
		case retriable(perr):
			rest = append(rest, tp)
			retryErr = fmt.Errorf("partition %d of %s: %w", tp.partition, tp.topic, perr)
		default:
			fatal = fmt.Errorf("partition %d of %s: %w", tp.partition, tp.topic, perr)
		}
	}
	if fatal != nil {
		return nil, false, fatal
	}
	return rest, retryErr != nil, retryErr
}

// addPartitionsNow sends AddPartitionsToTxn for tps until each is added.
func (p *TxnProducer) addPartitionsNow(ctx context.Context, t *txn, meta batchMeta, tps []topicPartition) error {
	pending := slices.Clone(tps)
	err := p.retry(ctx, "add_partitions", func(ctx context.Context) (bool, error) {
		res, err := p.api.addPartitions(ctx, p.cfg.TransactionalID, meta.producerID, meta.epoch, pending)
		if err != nil {
			return coordinatorRetriable(err), err
		}
		var again bool
		pending, again, err = sortPartitionResults(pending, res, producerFence, func(err error) bool {
			return coordinatorRetriable(err) || isCode(err, kafka.UnknownTopicOrPartition, errOperationNotAttempted)
		})
		return again, err
	})
	if err != nil {
		if producerFence(err) {
			return p.fence(t, "add_partitions", err, false)
		}
		return fmt.Errorf("producer: add partitions to the transaction: %w", err)
	}
	return nil
}

// seqFor returns the sequence state of tp.
func (p *TxnProducer) seqFor(tp topicPartition) *partitionSeq {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.seqs[tp]
	if !ok {
		s = &partitionSeq{slot: make(chan struct{}, 1)}
		p.seqs[tp] = s
	}
	return s
}

// batchPool recycles encoded batches.
var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 256<<10); return &b }}

// producePartition writes recs[idx...] to tp, in order, in batches of at
// most BatchBytes, one batch in flight on tp at a time.
func (p *TxnProducer) producePartition(ctx context.Context, t *txn, meta batchMeta, tp topicPartition, recs []record.Record, idx []int, reject func(int, string, error)) error {
	s := p.seqFor(tp)
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("producer: waiting to write to partition %d of %s: %w", tp.partition, tp.topic, context.Cause(ctx))
	}
	defer func() { <-s.slot }()
	if s.unknown {
		return fmt.Errorf("producer: partition %d of %s: a previous write's outcome is unknown: %w", tp.partition, tp.topic, ErrAbortRequired)
	}

	// Cut the records into batches of at most BatchBytes.
	var queue [][]int
	var size int64
	for _, i := range idx {
		n := recs[i].Size()
		if len(queue) == 0 || size+n > p.cfg.BatchBytes {
			queue = append(queue, nil)
			size = 0
		}
		queue[len(queue)-1] = append(queue[len(queue)-1], i)
		size += n
	}

	bp := batchPool.Get().(*[]byte)
	pooled := true
	defer func() {
		if pooled && cap(*bp) <= 16<<20 {
			batchPool.Put(bp)
		}
	}()
	ptrs := make([]*record.Record, 0, len(idx))
	for len(queue) > 0 {
		b := queue[0]
		ptrs = ptrs[:0]
		for _, i := range b {
			ptrs = append(ptrs, &recs[i])
		}
		m := meta
		m.baseSeq = s.next
		set, err := appendBatch((*bp)[:0], ptrs, m, time.Now().UnixMilli(), p.codec)
		*bp = set[:0]
		if err != nil {
			return err
		}
		out := p.sendBatch(ctx, t, tp, set)
		if out.tainted {
			// kafka-go may still be reading the buffer.
			pooled = false
			*bp = nil
			bp = new([]byte)
		}
		switch {
		case out.err == nil:
			s.next = nextSeq(s.next, len(b))
			queue = queue[1:]
			var bytes int
			for _, r := range ptrs {
				bytes += len(r.Value)
			}
			p.m.records.WithLabelValues(tp.topic).Add(float64(len(b)))
			p.m.bytes.WithLabelValues(tp.topic).Add(float64(bytes))
		case out.record && len(b) > 1:
			// The broker refused the whole batch for one record (or its
			// size): nothing was appended; split it to find the record.
			h := len(b) / 2
			queue = append([][]int{b[:h], b[h:]}, queue[1:]...)
		case out.record:
			reject(b[0], classOf(out.err), out.err)
			queue = queue[1:]
		default:
			if out.unknown {
				s.unknown = true
			}
			if producerFence(out.err) {
				return p.fence(t, "produce", out.err, false)
			}
			return &WriteError{Topic: tp.topic, Class: classOf(out.err),
				Err: fmt.Errorf("produce to partition %d: %w", tp.partition, out.err)}
		}
	}
	return nil
}

// sendOutcome is the result of sending one batch.
type sendOutcome struct {
	err     error
	record  bool // refused for a record's size or validity: nothing appended
	unknown bool // the batch may have been appended: the sequence is unknown
	// tainted: an attempt ended without an answer, so kafka-go may still
	// be reading the batch's buffer: do not reuse it.
	tainted bool
}

// sendBatch sends one encoded batch of transaction t, retrying retriable
// errors with the same bytes (and so the same sequence number: the broker
// acknowledges a duplicate of an appended batch without appending it
// again). It sends nothing more once t is stopped (aborted, failed, ended).
func (p *TxnProducer) sendBatch(ctx context.Context, t *txn, tp topicPartition, set []byte) sendOutcome {
	var out sendOutcome
	err := p.retry(ctx, "produce", func(ctx context.Context) (bool, error) {
		// ctx ends with t.ctx, but through an AfterFunc goroutine that a
		// loaded machine may run only after the next attempt: t.ctx itself
		// is cancelled at once by the Abort that stops t.
		if t.ctx.Err() != nil {
			return false, context.Cause(t.ctx)
		}
		err := p.api.produce(ctx, p.cfg.TransactionalID, tp, set)
		code, isKafka := kafkaCode(err)
		switch {
		case err == nil, code == kafka.DuplicateSequenceNumber:
			return false, nil
		case !isKafka, isCode(code, kafka.RequestTimedOut, kafka.NetworkException, kafka.NotEnoughReplicasAfterAppend, kafka.KafkaStorageError):
			// Maybe appended: retry the same batch to find out.
			out.unknown = true
			out.tainted = out.tainted || !isKafka
			return true, err
		case isCode(code, kafka.NotLeaderForPartition, kafka.LeaderNotAvailable, kafka.UnknownTopicOrPartition,
			kafka.NotEnoughReplicas, kafka.BrokerNotAvailable, kafka.ReplicaNotAvailable, kafka.FencedLeaderEpoch, kafka.UnknownLeaderEpoch):
			return true, err
		case recordClass(classOf(err)):
			out.record = true
			return false, err
		case isCode(code, kafka.OutOfOrderSequenceNumber, kafka.UnknownProducerId):
			// The broker's sequence state is not ours.
			out.unknown = true
			return false, err
		}
		return false, err
	})
	if err != nil {
		out.err = err
		return out
	}
	return sendOutcome{tainted: out.tainted}
}

// Commit ends the open transaction with a commit: it refuses new Writes,
// waits for those in progress (until ctx ends), and if any failed returns
// ErrAbortRequired. If g is not nil and has offsets, it adds g.GroupID to
// the transaction (AddOffsetsToTxn) and sends the offsets
// (TxnOffsetCommit v3 with g's generation and member id). Then EndTxn
// commits: the records written and the offsets become visible together.
// A transaction with nothing written and no offsets commits without a
// broker call.
//
// Retriable errors are retried until ctx ends. On success the producer is
// Ready. On failure the error wraps ErrFenced (drop the producer) or
// ErrAbortRequired (call Abort). If EndTxn went out and its answer was
// lost, the transaction may have committed: Abort finds out (see
// ErrTxnCommitted).
func (p *TxnProducer) Commit(ctx context.Context, g *GroupOffsets) error {
	var parts []topicPartition
	if g != nil {
		if g.GroupID == "" {
			return errors.New("producer: commit: group offsets without a group id")
		}
		for topic, ps := range g.Offsets {
			for part, off := range ps {
				if off < 0 {
					return fmt.Errorf("producer: commit: offset %d of partition %d of %s is negative", off, part, topic)
				}
				parts = append(parts, topicPartition{topic, int32(part)})
			}
		}
		slices.SortFunc(parts, func(a, b topicPartition) int {
			if a.topic != b.topic {
				if a.topic < b.topic {
					return -1
				}
				return 1
			}
			return int(a.partition - b.partition)
		})
	}

	p.mu.Lock()
	if err := p.refuseLocked("commit", TxnInTxn); err != nil {
		p.mu.Unlock()
		return err
	}
	t := p.txn
	p.state = TxnCommitting
	meta := batchMeta{producerID: p.pid, epoch: p.epoch}
	wait := t.drainedLocked()
	p.mu.Unlock()

	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return p.fail(t, fmt.Errorf("producer: commit: waiting for writes in progress: %w", ctx.Err()))
		}
	}
	p.mu.Lock()
	failed, touched := t.failed, t.touched
	if failed == nil && len(parts) > 0 {
		t.touched = true
	}
	p.mu.Unlock()
	if failed != nil {
		if errors.Is(failed, ErrFenced) {
			return fmt.Errorf("producer: commit: %w", failed)
		}
		return fmt.Errorf("producer: commit: %w: a write failed: %w", ErrAbortRequired, failed)
	}
	if !touched && len(parts) == 0 {
		p.finish(t, "empty", TxnCommitting)
		return nil
	}

	if len(parts) > 0 {
		if err := p.commitOffsets(ctx, t, meta, g, parts); err != nil {
			return err
		}
	}
	err := p.retry(ctx, "end_txn", func(ctx context.Context) (bool, error) {
		err := p.api.endTxn(ctx, p.cfg.TransactionalID, meta.producerID, meta.epoch, true)
		if code, isKafka := kafkaCode(err); err != nil && (!isKafka || code == kafka.RequestTimedOut) {
			// Sent, maybe: the outcome is unknown.
			p.mu.Lock()
			t.commitMaybe = true
			p.mu.Unlock()
		}
		return coordinatorRetriable(err), err
	})
	if err != nil {
		if producerFence(err) {
			return p.fence(t, "end_txn", err, false)
		}
		return p.fail(t, fmt.Errorf("producer: commit: end transaction: %w", err))
	}
	p.finish(t, "commit", TxnCommitting)
	return nil
}

// commitOffsets adds the group to the transaction and sends its offsets.
func (p *TxnProducer) commitOffsets(ctx context.Context, t *txn, meta batchMeta, g *GroupOffsets, parts []topicPartition) error {
	err := p.retry(ctx, "add_offsets", func(ctx context.Context) (bool, error) {
		err := p.api.addOffsets(ctx, p.cfg.TransactionalID, meta.producerID, meta.epoch, g.GroupID)
		return coordinatorRetriable(err), err
	})
	if err != nil {
		if producerFence(err) {
			return p.fence(t, "add_offsets", err, false)
		}
		return p.fail(t, fmt.Errorf("producer: commit: add offsets of group %q to the transaction: %w", g.GroupID, err))
	}
	pending := parts
	err = p.retry(ctx, "offset_commit", func(ctx context.Context) (bool, error) {
		res, err := p.api.txnOffsetCommit(ctx, p.cfg.TransactionalID, meta.producerID, meta.epoch, g, pending)
		if err != nil {
			return coordinatorRetriable(err), err
		}
		var again bool
		pending, again, err = sortPartitionResults(pending, res,
			func(err error) bool { return producerFence(err) || groupFence(err) },
			func(err error) bool {
				return coordinatorRetriable(err) || isCode(err, kafka.UnknownTopicOrPartition, kafka.RebalanceInProgress)
			})
		return again, err
	})
	if err != nil {
		switch {
		case producerFence(err):
			return p.fence(t, "offset_commit", err, false)
		case groupFence(err):
			return p.fence(t, "offset_commit", err, true)
		}
		return p.fail(t, fmt.Errorf("producer: commit: send offsets of group %q: %w", g.GroupID, err))
	}
	return nil
}

// finish ends t with outcome (commit, abort, empty) and makes the producer
// Ready, if it is still in state from.
func (p *TxnProducer) finish(t *txn, outcome string, from TxnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t.cancel(fmt.Errorf("producer: transaction ended (%s)", outcome))
	if p.txn == t && p.state == from {
		p.state = TxnReady
		p.txn = nil
	}
	p.m.txns.WithLabelValues(outcome).Inc()
	p.m.duration.WithLabelValues(outcome).Observe(time.Since(t.start).Seconds())
}

// Abort ends the open transaction without committing it. It cancels the
// Writes in progress and waits for them to return (until ctx ends), then
// sends EndTxn(abort) if anything reached the coordinator (else the abort
// is local). If a write's outcome was unknown, the partition's sequence
// numbers are unknown too: Abort then bumps the epoch (InitProducerID
// with the current producer id and epoch, KIP-360), which resets them. On
// success the producer is Ready.
//
// With no transaction open Abort does nothing and returns nil. After a
// Commit whose answer was lost, Abort returns an error wrapping
// ErrTxnCommitted if the broker had committed it (the producer is Ready).
// Fenced by a newer producer, Abort returns ErrFenced (the broker aborts
// the transaction itself); fenced by the group, Abort aborts the
// transaction, returns nil and the producer stays Fenced. During a Commit
// in progress Abort returns an error wrapping ErrNoTxn. If Abort fails
// otherwise (its ctx ended, the broker is unreachable), the transaction
// stays in Error: call Abort again, or Close the producer and create a new
// one (NewTxn aborts the transaction left open).
func (p *TxnProducer) Abort(ctx context.Context) error {
	p.mu.Lock()
	switch {
	case p.state == TxnReady:
		p.mu.Unlock()
		return nil
	case p.state == TxnFenced && p.byGroup && p.txn != nil && !p.txn.aborted:
		// The producer epoch is still valid: abort the transaction.
	default:
		if err := p.refuseLocked("abort", TxnInTxn, TxnError); err != nil {
			p.mu.Unlock()
			return err
		}
		p.state = TxnAborting
	}
	from := p.state
	t := p.txn
	t.cancel(errTxnAborted)
	meta := batchMeta{producerID: p.pid, epoch: p.epoch}
	wait := t.drainedLocked()
	p.mu.Unlock()

	// unfinished leaves the transaction to a later Abort.
	unfinished := func(err error) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.txn == t && p.state == TxnAborting {
			p.state = TxnError
			if t.failed == nil {
				t.failed = err
			}
		}
		return err
	}
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return unfinished(fmt.Errorf("producer: abort: waiting for writes in progress: %w", ctx.Err()))
		}
	}

	p.mu.Lock()
	touched, commitMaybe := t.touched, t.commitMaybe
	bump := false
	for _, s := range p.seqs {
		bump = bump || s.unknown
	}
	p.mu.Unlock()

	committed := false
	var abortErr error
	if touched {
		err := p.retry(ctx, "end_txn", func(ctx context.Context) (bool, error) {
			err := p.api.endTxn(ctx, p.cfg.TransactionalID, meta.producerID, meta.epoch, false)
			return coordinatorRetriable(err), err
		})
		switch {
		case err == nil:
		case producerFence(err):
			return p.fence(t, "end_txn", err, false)
		case isCode(err, kafka.InvalidTransactionState):
			// No transaction to abort: it committed (after a Commit
			// whose answer was lost), or nothing reached the coordinator.
			committed = commitMaybe
		case ctx.Err() != nil:
			return unfinished(fmt.Errorf("producer: abort: end transaction: %w", err))
		default:
			// The bump below aborts the transaction, if any, too.
			p.log.Warn("producer: abort failed; bumping the epoch to abort", "transactional_id", p.cfg.TransactionalID, "err", err)
			abortErr = err
			bump = true
		}
	}
	if from == TxnFenced {
		if abortErr != nil {
			return fmt.Errorf("producer: abort: end transaction: %w", abortErr)
		}
		p.mu.Lock()
		t.aborted = true
		p.mu.Unlock()
		p.m.txns.WithLabelValues("abort").Inc()
		p.m.duration.WithLabelValues("abort").Observe(time.Since(t.start).Seconds())
		return nil
	}
	if bump {
		p.log.Warn("producer: bumping the epoch: a write's outcome was unknown", "transactional_id", p.cfg.TransactionalID,
			"producer_id", meta.producerID, "epoch", meta.epoch)
		if err := p.initProducerID(ctx, meta.producerID, meta.epoch); err != nil {
			if errors.Is(err, ErrFenced) {
				return err
			}
			return unfinished(fmt.Errorf("producer: abort: %w", err))
		}
	}
	if committed {
		p.finish(t, "commit", TxnAborting)
		return fmt.Errorf("producer: abort: %w", ErrTxnCommitted)
	}
	p.finish(t, "abort", TxnAborting)
	return nil
}

// Close closes the producer: later calls return ErrClosed and the Writes
// in progress are canceled (Close does not wait for them). It does not
// end an open transaction: Abort first; otherwise the next producer with
// the same transactional id (NewTxn) aborts it, or the broker does after
// TransactionTimeout. Closing again is a no-op.
func (p *TxnProducer) Close() error {
	p.mu.Lock()
	if p.state == TxnClosed {
		p.mu.Unlock()
		return nil
	}
	p.state = TxnClosed
	if p.txn != nil {
		p.txn.cancel(ErrClosed)
	}
	p.mu.Unlock()
	p.api.close()
	return nil
}

// retry calls attempt, each time with ctx bounded by RequestTimeout,
// until it succeeds, fails with an error it says is not retriable, or ctx
// ends; it then returns the last error (wrapped with the cause of ctx's
// end).
func (p *TxnProducer) retry(ctx context.Context, op string, attempt func(ctx context.Context) (retriable bool, err error)) error {
	backoff := p.cfg.RetryBackoffMin
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, p.cfg.RequestTimeout)
		retriable, err := attempt(actx)
		cancel()
		if err == nil || !retriable {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s gave up after %d attempt(s): %w (last error: %w)", op, n, context.Cause(ctx), err)
		}
		p.m.retries.WithLabelValues(op).Inc()
		if n == 1 || n%20 == 0 {
			p.log.Warn("producer: transactional call failed, retrying", "transactional_id", p.cfg.TransactionalID,
				"op", op, "attempt", n, "backoff", backoff, "err", err)
		}
		timer := time.NewTimer(backoff/2 + rand.N(backoff/2+1))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%s gave up after %d attempt(s): %w (last error: %w)", op, n, context.Cause(ctx), err)
		case <-timer.C:
		}
		backoff = min(backoff*2, p.cfg.RetryBackoffMax)
	}
}

// errOperationNotAttempted is Kafka's OPERATION_NOT_ATTEMPTED (55), which
// kafka-go names BrokerAuthorizationFailed: a partition of an
// AddPartitionsToTxn not attempted because another one failed.
const errOperationNotAttempted = kafka.Error(55)

// kafkaCode returns the Kafka error code in err's chain.
func kafkaCode(err error) (kafka.Error, bool) {
	var ke kafka.Error
	if errors.As(err, &ke) {
		return ke, true
	}
	return 0, false
}

// isCode reports whether err (an error or a kafka.Error) carries one of
// codes.
func isCode(err error, codes ...kafka.Error) bool {
	code, ok := kafkaCode(err)
	return ok && slices.Contains(codes, code)
}

// producerFence reports whether the broker says a newer producer epoch
// exists.
func producerFence(err error) bool {
	return err != nil && isCode(err, kafka.ProducerFenced, kafka.InvalidProducerEpoch, kafka.TransactionCoordinatorFenced)
}

// groupFence reports whether the group coordinator refused a
// TxnOffsetCommit's generation or member.
func groupFence(err error) bool {
	return err != nil && isCode(err, kafka.IllegalGeneration, kafka.UnknownMemberId, kafka.FencedInstanceID)
}

// coordinatorRetriable reports whether a coordinator call that failed
// with err may succeed if retried: the coordinator moved, is loading or
// still ending the previous transaction, or the request was lost.
func coordinatorRetriable(err error) bool {
	if err == nil {
		return false
	}
	code, isKafka := kafkaCode(err)
	if !isKafka {
		return true // network or transport error
	}
	return isCode(code, kafka.NotCoordinatorForGroup, kafka.GroupLoadInProgress, kafka.GroupCoordinatorNotAvailable,
		kafka.ConcurrentTransactions, kafka.RequestTimedOut, kafka.NetworkException)
}
