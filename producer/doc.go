// Package producer is newsflow's output side: one long-lived kafka-go
// Writer shared by every caller, configured for durability (acks=all, set
// explicitly: a zero Writer does not wait), low latency (a BatchTimeout of
// a few milliseconds instead of kafka-go's 1 s) and placement by key
// (murmur2 key hashing, as the Java client does).
//
// Its API speaks newsflow's own [record.Record]; no kafka-go type appears
// in it except the optional [Config.Transport] and [Producer.Stats]. The
// engine depends on the narrow [Sink] interface, which *Producer
// satisfies.
//
// # Contract of Write
//
// [Producer.Write] blocks until every record is acknowledged by every
// in-sync replica, refused for good, or the context ends. It never drops a
// record silently. Failures fall into three kinds:
//
//   - Transient (class "transient": leader moves, timeouts, connection
//     loss…): retried with exponential backoff until ctx ends. The producer
//     reports itself as failing while it retries.
//   - Caused by the record (classes "too_large", "invalid_record"): Write
//     returns a *[RejectedError] once every other record is acknowledged;
//     its Errs are aligned with the input and each non-nil one is a
//     *[WriteError] naming the class, so the caller can dead-letter the
//     source record. When the broker refuses a whole batch, Write resends
//     its records one by one so that only the guilty record is refused.
//   - Caused by configuration or permissions (classes "authorization",
//     "authentication", "unknown_topic", "invalid_topic", "config"): an
//     operator can fix these (grant an ACL, create the topic, fix
//     credentials), so the records are not dead-lettered. Write keeps
//     retrying with backoff, [Producer.Failing] says what is wrong, an error
//     line names the topic and what to fix, and
//     newsflow_producer_operator_errors_total counts the attempts, until the
//     fault is fixed or ctx ends.
//
// When ctx ends first, Write returns an error wrapping ctx.Err() (and the
// last write error): some records may have been written anyway (kafka-go
// finishes a batch already sent), so the caller must treat them as
// unacknowledged and write them again — at-least-once.
//
// # Size limits and compression
//
// kafka-go counts [Config.BatchBytes] on the uncompressed records, and a
// record larger than it can never be sent, with or without compression.
// Write therefore refuses a record whose [record.Record.Size] is over
// BatchBytes before sending anything (class "too_large"). The broker's
// message.max.bytes (or a topic's max.message.bytes) applies to the
// compressed batch; if it is lower than BatchBytes the broker refuses the
// batch and Write isolates the record as described above.
//
// # Metrics
//
// [NewMetrics] registers these series (all with the newsflow_producer_
// prefix); a Producer given no Metrics keeps private, unregistered ones.
//
//	records_total{topic}                    counter   records acknowledged by the broker
//	bytes_total{topic}                      counter   bytes of acknowledged record values
//	write_errors_total{topic}               counter   failed write attempts, any class but the record's (retried)
//	batch_size_records{topic}               histogram records acknowledged per write attempt
//	write_duration_seconds{topic}           histogram time from the Write call to the acknowledgement
//	rejected_records_total{topic,class}     counter   records refused for good (too_large, invalid_record)
//	operator_errors_total{topic,class}      counter   failed attempts an operator must fix (retried)
//
// kafka-go's own Writer statistics are available from [Producer.Stats].
package producer
