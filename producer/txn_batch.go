package producer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"sync"

	"github.com/segmentio/kafka-go/compress"

	"github.com/newsflow/newsflow/record"
)

// kafka-go's record-set encoder always writes producer id -1, so a
// transactional batch is encoded here: one Kafka record batch, format v2
// (magic 2), as the broker's log stores it. Layout (big endian):
//
//	baseOffset int64 (0) | batchLength int32 (bytes after this field) |
//	partitionLeaderEpoch int32 (-1) | magic int8 (2) | crc uint32 (CRC-32C of
//	everything after it) | attributes int16 | lastOffsetDelta int32 |
//	baseTimestamp int64 | maxTimestamp int64 | producerId int64 |
//	producerEpoch int16 | baseSequence int32 | recordCount int32 | records
//
// and each record, with zigzag varints:
//
//	length | attributes int8 (0) | timestampDelta | offsetDelta |
//	keyLength (-1: null) | key | valueLength (-1: null) | value |
//	headerCount | { keyLength | key | valueLength (-1: null) | value }...
//
// With compression the records (not the header) are compressed as one
// stream and the codec goes in the low three attribute bits.
const (
	batchHeaderSize = 61 // baseOffset through recordCount
	crcOffset       = 17 // of the crc field in the batch
	attrsOffset     = 21 // the crc covers the batch from here on

	attrTransactional = 0x10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchMeta is what the broker's producer state checks in a batch.
type batchMeta struct {
	producerID int64
	epoch      int16
	baseSeq    int32
}

var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// appendBatch appends to dst the RawRecordSet bytes of one transactional
// batch holding recs: an int32 size (kafka-go writes a raw record set
// as-is, so it carries its own "bytes" length prefix), then the batch.
// now is the batch timestamp in Unix milliseconds (CreateTime; record.Time
// is ignored). codec is nil for no compression.
func appendBatch(dst []byte, recs []*record.Record, m batchMeta, now int64, codec compress.Codec) ([]byte, error) {
	if len(recs) == 0 {
		return dst, fmt.Errorf("producer: empty batch")
	}
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, 0) // size, set below
	dst = binary.BigEndian.AppendUint64(dst, 0) // base offset
	dst = binary.BigEndian.AppendUint32(dst, 0) // batch length, set below
	dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32)
	dst = append(dst, 2)                        // magic
	dst = binary.BigEndian.AppendUint32(dst, 0) // crc, set below
	attrs := int16(attrTransactional)
	if codec != nil {
		attrs |= int16(codec.Code())
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(attrs))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(recs)-1))
	dst = binary.BigEndian.AppendUint64(dst, uint64(now))
	dst = binary.BigEndian.AppendUint64(dst, uint64(now))
	dst = binary.BigEndian.AppendUint64(dst, uint64(m.producerID))
	dst = binary.BigEndian.AppendUint16(dst, uint16(m.epoch))
	dst = binary.BigEndian.AppendUint32(dst, uint32(m.baseSeq))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(recs)))

	if codec == nil {
		for i, r := range recs {
			dst = appendRecord(dst, r, i)
		}
	} else {
		bp := scratchPool.Get().(*[]byte)
		b := (*bp)[:0]
		for i, r := range recs {
			b = appendRecord(b, r, i)
		}
		out := bytes.NewBuffer(dst)
		w := codec.NewWriter(out)
		_, err := w.Write(b)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if cap(b) <= 16<<20 { // keep moderate scratch space for the next batch
			*bp = b[:0]
			scratchPool.Put(bp)
		}
		if err != nil {
			return dst[:start], fmt.Errorf("producer: compress batch (%s): %w", codec.Name(), err)
		}
		dst = out.Bytes()
	}

	batch := dst[start+4:]
	binary.BigEndian.PutUint32(dst[start:], uint32(len(batch)))
	binary.BigEndian.PutUint32(batch[8:], uint32(len(batch)-12))
	binary.BigEndian.PutUint32(batch[crcOffset:], crc32.Checksum(batch[attrsOffset:], castagnoli))
	return dst, nil
}

// appendRecord appends record r at offset delta i of its batch.
func appendRecord(dst []byte, r *record.Record, i int) []byte {
	body := 1 + varintLen(0) + varintLen(int64(i)) + bytesLen(r.Key) + bytesLen(r.Value) + varintLen(int64(len(r.Headers)))
	for _, h := range r.Headers {
		body += varintLen(int64(len(h.Key))) + len(h.Key) + bytesLen(h.Value)
	}
	dst = binary.AppendVarint(dst, int64(body))
	dst = append(dst, 0)                     // attributes
	dst = binary.AppendVarint(dst, 0)        // timestamp delta
	dst = binary.AppendVarint(dst, int64(i)) // offset delta
	dst = appendBytes(dst, r.Key)
	dst = appendBytes(dst, r.Value)
	dst = binary.AppendVarint(dst, int64(len(r.Headers)))
	for _, h := range r.Headers {
		dst = binary.AppendVarint(dst, int64(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendBytes(dst, h.Value)
	}
	return dst
}

// appendBytes appends b with its varint length, -1 for nil.
func appendBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

func bytesLen(b []byte) int {
	if b == nil {
		return varintLen(-1)
	}
	return varintLen(int64(len(b))) + len(b)
}

// varintLen is the size of v as a zigzag varint.
func varintLen(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// nextSeq is the sequence number after a batch of n records starting at
// seq, wrapping after math.MaxInt32 to 0 as the broker does.
func nextSeq(seq int32, n int) int32 {
	if int64(seq) > math.MaxInt32-int64(n) {
		return int32(int64(n) - (math.MaxInt32 - int64(seq)) - 1)
	}
	return seq + int32(n)
}
