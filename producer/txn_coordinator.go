package producer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	meta "github.com/segmentio/kafka-go/protocol/metadata"
	"github.com/segmentio/kafka-go/protocol/txnoffsetcommit"
)

// topicPartition names one partition.
type topicPartition struct {
	topic     string
	partition int32
}

// txnAPI is every broker call the transactional producer makes. Each
// method makes one attempt (no retries: the state machine in txn.go
// retries) and reports broker error codes as kafka.Error values, per
// partition where the protocol answers per partition. The kafka-go
// implementation is kafkaTxnAPI; the unit tests use a fake coordinator.
type txnAPI interface {
	// initProducerID asks the transaction coordinator for a producer id
	// and epoch: pid and epoch -1 for a new session (fencing any older
	// one with the same transactional id), or the current ones to bump
	// the epoch of this session (KIP-360).
	initProducerID(ctx context.Context, txnID string, timeout time.Duration, pid int64, epoch int16) (int64, int16, error)
	// addPartitions registers partitions with the open transaction.
	addPartitions(ctx context.Context, txnID string, pid int64, epoch int16, parts []topicPartition) (map[topicPartition]error, error)
	// addOffsets registers a consumer group with the open transaction.
	addOffsets(ctx context.Context, txnID string, pid int64, epoch int16, group string) error
	// txnOffsetCommit sends the group's offsets to the transaction
	// (KIP-447: with the member's generation and id).
	txnOffsetCommit(ctx context.Context, txnID string, pid int64, epoch int16, g *GroupOffsets, parts []topicPartition) (map[topicPartition]error, error)
	// endTxn commits or aborts the open transaction.
	endTxn(ctx context.Context, txnID string, pid int64, epoch int16, commit bool) error
	// partitions returns the number of partitions of topic.
	partitions(ctx context.Context, topic string) (int, error)
	// produce sends one raw record set (see appendBatch) to the leader of
	// the partition with acks=all.
	produce(ctx context.Context, txnID string, tp topicPartition, set []byte) error
	// close releases idle connections.
	close()
}

// kafkaTxnAPI makes the calls with kafka-go's Client. kafka-go's
// Transport routes each request: transactional ones (InitProducerID,
// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) to the transaction
// coordinator found with FindCoordinator, TxnOffsetCommit to the group
// coordinator, Produce to the partition leader from its cached metadata.
type kafkaTxnAPI struct {
	c         *kafka.Client
	transport *kafka.Transport
	own       bool // the transport is ours to close
}

func newKafkaTxnAPI(brokers []string, t *kafka.Transport) *kafkaTxnAPI {
	own := t == nil
	if own {
		t = &kafka.Transport{}
	}
	return &kafkaTxnAPI{c: &kafka.Client{Addr: kafka.TCP(brokers...), Transport: t}, transport: t, own: own}
}

func (k *kafkaTxnAPI) close() {
	if k.own {
		k.transport.CloseIdleConnections()
	}
}

// kerr turns a response error code into a kafka.Error (nil for 0).
func kerr(code int16) error {
	if code == 0 {
		return nil
	}
	return kafka.Error(code)
}

func (k *kafkaTxnAPI) initProducerID(ctx context.Context, txnID string, timeout time.Duration, pid int64, epoch int16) (int64, int16, error) {
	resp, err := k.c.InitProducerID(ctx, &kafka.InitProducerIDRequest{
		TransactionalID:      txnID,
		TransactionTimeoutMs: int(timeout.Milliseconds()),
		ProducerID:           int(pid),
		ProducerEpoch:        int(epoch),
	})
	if err != nil {
		return 0, 0, err
	}
	if resp.Error != nil {
		return 0, 0, resp.Error
	}
	return int64(resp.Producer.ProducerID), int16(resp.Producer.ProducerEpoch), nil
}

func (k *kafkaTxnAPI) addPartitions(ctx context.Context, txnID string, pid int64, epoch int16, parts []topicPartition) (map[topicPartition]error, error) {
	topics := map[string][]kafka.AddPartitionToTxn{}
	for _, tp := range parts {
		topics[tp.topic] = append(topics[tp.topic], kafka.AddPartitionToTxn{Partition: int(tp.partition)})
	}
	resp, err := k.c.AddPartitionsToTxn(ctx, &kafka.AddPartitionsToTxnRequest{
		TransactionalID: txnID, ProducerID: int(pid), ProducerEpoch: int(epoch), Topics: topics,
	})
	if err != nil {
		return nil, err
	}
	out := make(map[topicPartition]error, len(parts))
	for topic, ps := range resp.Topics {
		for _, p := range ps {
			out[topicPartition{topic, int32(p.Partition)}] = p.Error
		}
	}
	return out, nil
}

func (k *kafkaTxnAPI) addOffsets(ctx context.Context, txnID string, pid int64, epoch int16, group string) error {
	resp, err := k.c.AddOffsetsToTxn(ctx, &kafka.AddOffsetsToTxnRequest{
		TransactionalID: txnID, ProducerID: int(pid), ProducerEpoch: int(epoch), GroupID: group,
	})
	if err != nil {
		return err
	}
	return resp.Error
}

// txnOffsetCommit goes through the protocol layer rather than
// Client.TxnOffsetCommit, which sends committed leader epoch 0: that
// claims the offset was read in leader epoch 0, which a Java consumer
// would validate (and may take for log truncation). -1 means unknown.
// The request is a group message: kafka-go routes it to the group
// coordinator. An empty GroupInstanceID goes out as null.
func (k *kafkaTxnAPI) txnOffsetCommit(ctx context.Context, txnID string, pid int64, epoch int16, g *GroupOffsets, parts []topicPartition) (map[topicPartition]error, error) {
	req := &txnoffsetcommit.Request{
		TransactionalID: txnID,
		GroupID:         g.GroupID,
		ProducerID:      pid,
		ProducerEpoch:   epoch,
		GenerationID:    g.GenerationID,
		MemberID:        g.MemberID,
	}
	at := map[string]int{}
	for _, tp := range parts {
		i, ok := at[tp.topic]
		if !ok {
			i = len(req.Topics)
			at[tp.topic] = i
			req.Topics = append(req.Topics, txnoffsetcommit.RequestTopic{Name: tp.topic})
		}
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, txnoffsetcommit.RequestPartition{
			Partition:            tp.partition,
			CommittedOffset:      g.Offsets[tp.topic][int(tp.partition)],
			CommittedLeaderEpoch: -1,
		})
	}
	m, err := k.transport.RoundTrip(ctx, k.c.Addr, req)
	if err != nil {
		return nil, fmt.Errorf("kafka TxnOffsetCommit: %w", err)
	}
	resp, ok := m.(*txnoffsetcommit.Response)
	if !ok {
		return nil, fmt.Errorf("kafka TxnOffsetCommit: unexpected response %T", m)
	}
	out := make(map[topicPartition]error, len(parts))
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			out[topicPartition{t.Name, p.Partition}] = kerr(p.ErrorCode)
		}
	}
	return out, nil
}

func (k *kafkaTxnAPI) endTxn(ctx context.Context, txnID string, pid int64, epoch int16, commit bool) error {
	resp, err := k.c.EndTxn(ctx, &kafka.EndTxnRequest{
		TransactionalID: txnID, ProducerID: int(pid), ProducerEpoch: int(epoch), Committed: commit,
	})
	if err != nil {
		return err
	}
	return resp.Error
}

// partitions is answered from the transport's cached metadata (refreshed
// every Transport.MetadataTTL, 6 s by default), without a round trip.
func (k *kafkaTxnAPI) partitions(ctx context.Context, topic string) (int, error) {
	m, err := k.transport.RoundTrip(ctx, k.c.Addr, &meta.Request{TopicNames: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("kafka Metadata: %w", err)
	}
	resp, ok := m.(*meta.Response)
	if !ok {
		return 0, fmt.Errorf("kafka Metadata: unexpected response %T", m)
	}
	for _, t := range resp.Topics {
		if t.Name != topic {
			continue
		}
		if err := kerr(t.ErrorCode); err != nil {
			return 0, err
		}
		if len(t.Partitions) == 0 {
			return 0, kafka.UnknownTopicOrPartition
		}
		return len(t.Partitions), nil
	}
	return 0, kafka.UnknownTopicOrPartition
}

func (k *kafkaTxnAPI) produce(ctx context.Context, txnID string, tp topicPartition, set []byte) error {
	resp, err := k.c.RawProduce(ctx, &kafka.RawProduceRequest{
		Topic:           tp.topic,
		Partition:       int(tp.partition),
		RequiredAcks:    kafka.RequireAll,
		TransactionalID: txnID,
		RawRecords:      protocol.RawRecordSet{Reader: bytes.NewReader(set)},
	})
	switch {
	case err == nil:
	case errors.Is(err, protocol.ErrNoTopic), errors.Is(err, protocol.ErrNoPartition):
		// Not sent: the transport's metadata does not know the
		// partition (yet).
		return fmt.Errorf("%w (%w)", kafka.UnknownTopicOrPartition, err)
	case errors.Is(err, protocol.ErrNoLeader):
		return fmt.Errorf("%w (%w)", kafka.LeaderNotAvailable, err)
	default:
		return err
	}
	return resp.Error
}
