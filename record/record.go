// Package record holds newsflow's own record type, shared by the consumer,
// the producer, the engine and processors that emit side outputs, so that
// none of their public APIs exposes the Kafka client's types.
package record

import "time"

// Header is one record header. Keys may repeat.
type Header struct {
	Key   string
	Value []byte
}

// Record is one Kafka record as newsflow sees it.
//
// On the consumer side every field is set from the fetched record. On the
// producer side Topic, Key, Value and Headers are written; Partition is
// chosen by the producer (murmur2 of the key, as the Java client does)
// unless Pinned is set; Offset is ignored, and Time is the record's
// timestamp for the plain producer when set (the transactional producer
// stamps the time of the write).
type Record struct {
	Topic     string
	Partition int
	// Pinned, on the producer side, writes the record to Partition as
	// given instead of hashing its key: state changelogs whose partitions
	// follow the input's use it. The partition must exist: the
	// transactional producer refuses the record (class invalid_record),
	// the plain one retries it as it does an unknown topic.
	Pinned  bool
	Offset  int64
	Key     []byte
	Value   []byte
	Headers []Header
	Time    time.Time
	// HighWaterMark is the partition's high watermark (or, for a
	// read_committed consumer, its last stable offset) when the record was
	// fetched; 0 on the producer side.
	HighWaterMark int64
}

// Size is the record's size as broker and producer limits count it, with a
// conservative allowance for the record framing.
func (r *Record) Size() int64 {
	n := len(r.Key) + len(r.Value) + 64
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value) + 8
	}
	return int64(n)
}

// Header returns the value of the last header named key, and whether there
// is one.
func (r *Record) Header(key string) ([]byte, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if r.Headers[i].Key == key {
			return r.Headers[i].Value, true
		}
	}
	return nil, false
}
