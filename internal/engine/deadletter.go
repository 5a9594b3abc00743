package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// DLQ and output record headers.
const (
	HeaderError          = "newsflow-error"
	HeaderErrorClass     = "newsflow-error-class"
	HeaderStage          = "newsflow-stage"
	HeaderSourceTopic    = "newsflow-source-topic"
	HeaderSourcePart     = "newsflow-source-partition"
	HeaderSourceOffset   = "newsflow-source-offset"
	HeaderSourceTime     = "newsflow-source-timestamp"
	HeaderSchema         = "newsflow-schema"
	HeaderContentType    = "content-type"
	HeaderTruncated      = "newsflow-value-truncated"
	HeaderOriginalBytes  = "newsflow-value-original-bytes"
	HeaderOriginalSHA256 = "newsflow-value-sha256"
	maxErrorHeaderLength = 2048
)

// The dead-letter policy, in one place.
//
// What is dead-lettered (the record is the cause, so retrying cannot help
// and the partition must move on), with its class:
//   - every processor.InputError: invalid_json, invalid_utf8, missing_body,
//     too_large, invalid_field (the record is malformed);
//   - timeout: a stage did not finish within the stage timeout;
//   - panic and processor_error: a processor bug met on this record (the
//     record is not known to be bad, but one record must not stop the
//     partition; it can be replayed from the DLQ once the bug is fixed);
//   - too_large and invalid_record at the produce stage: the broker refused
//     the record's output for good.
//
// What is never dead-lettered: errors that an operator can fix and that
// would hit every record alike — authorization, unknown topic, unreachable
// brokers. The producer retries those without end, reports itself failing
// (so /readyz fails and newsflow_pipeline_stuck_partitions counts the
// partitions waiting), and nothing is committed past them.
//
// A dead letter always fits: when the original value plus headers would
// exceed the output limit, the value is cut to fit and the headers say so
// (newsflow-value-truncated: true, the original size and its SHA-256); the
// source topic, partition and offset headers point to the full record.

// deadLetter builds the dead letter of src: its key, value and headers,
// unchanged, plus headers naming the error, its class, the stage and the
// source position — cut to fit limit bytes if need be (the second result).
func deadLetter(src *record.Record, dlqTopic, stage, class string, err error, limit int64) (record.Record, bool) {
	msg := err.Error()
	if len(msg) > maxErrorHeaderLength {
		msg = msg[:maxErrorHeaderLength]
	}
	if stage == "" {
		stage = "pipeline"
	}
	hs := make([]record.Header, 0, len(src.Headers)+10)
	hs = append(hs, src.Headers...)
	hs = append(hs,
		record.Header{Key: HeaderError, Value: []byte(msg)},
		record.Header{Key: HeaderErrorClass, Value: []byte(class)},
		record.Header{Key: HeaderStage, Value: []byte(stage)},
		record.Header{Key: HeaderSourceTopic, Value: []byte(src.Topic)},
		record.Header{Key: HeaderSourcePart, Value: []byte(strconv.Itoa(src.Partition))},
		record.Header{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(src.Offset, 10))},
		record.Header{Key: HeaderSourceTime, Value: []byte(src.Time.UTC().Format(time.RFC3339Nano))},
	)
	// The value is kept as it came: nil stays null, empty stays empty.
	dl := record.Record{Topic: dlqTopic, Key: src.Key, Value: src.Value, Headers: hs}
	if dl.Size() <= limit {
		return dl, false
	}
	sum := sha256.Sum256(src.Value)
	dl.Headers = append(dl.Headers,
		record.Header{Key: HeaderTruncated, Value: []byte("true")},
		record.Header{Key: HeaderOriginalBytes, Value: []byte(strconv.Itoa(len(src.Value)))},
		record.Header{Key: HeaderOriginalSHA256, Value: []byte(hex.EncodeToString(sum[:]))},
	)
	dl.Value = nil
	room := limit - dl.Size()
	if room < 0 {
		// Headers alone are over the limit (huge input headers): drop the
		// original headers too; the source position still names the record.
		dl.Headers = dl.Headers[len(src.Headers):]
		dl.Headers = append(dl.Headers, record.Header{Key: HeaderTruncated, Value: []byte("headers")})
		room = limit - dl.Size()
	}
	if room > 0 {
		dl.Value = src.Value[:min(int64(len(src.Value)), room)]
	} else {
		dl.Value = []byte{}
	}
	return dl, true
}

// errorClass is the dead-letter class of a pipeline error.
func errorClass(err error) string { return processor.ClassOf(err) }

// rejectClass is the dead-letter class of a record the broker refused for
// good: the class the producer gives it, else too_large.
func rejectClass(err error) string {
	var we *producer.WriteError
	if errors.As(err, &we) && we.Class != "" {
		return we.Class
	}
	return processor.ClassTooLarge
}
