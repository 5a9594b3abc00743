package batch

import (
	"encoding/base64"
	"unicode/utf8"
)

// DeadLetter is one line of the dead-letter output: the record as it was
// read, why it was not enriched, and where it came from. It carries what
// the DLQ topic's headers carry in `newsflow run` (error, class, stage,
// source position), as JSON.
type DeadLetter struct {
	// File is the input's name (StdinName for standard input); Line the
	// 1-based line of the record (1 for a plain-text file).
	File string `json:"file"`
	Line int    `json:"line"`
	// Class is one of processor.Classes; Stage the stage that failed
	// ("decode" for a record over the size limits).
	Class string `json:"class"`
	Stage string `json:"stage"`
	Error string `json:"error"`
	// Value is the record as read: the text itself when it is valid UTF-8,
	// else its base64 encoding with ValueBase64 set.
	Value       string `json:"value"`
	ValueBase64 bool   `json:"value_base64,omitempty"`
	// ValueTruncated is set when the record was longer than
	// --max-message-bytes: Value then holds its first --max-message-bytes
	// bytes and OriginalBytes its length (the file and line point to it).
	ValueTruncated bool  `json:"value_truncated,omitempty"`
	OriginalBytes  int64 `json:"original_bytes,omitempty"`
}

func newDeadLetter(r *Record, stage, class string, err error) *DeadLetter {
	if stage == "" {
		stage = "pipeline"
	}
	dl := &DeadLetter{File: r.Input, Line: r.Line, Class: class, Stage: stage, Error: err.Error()}
	v := r.Value
	if r.cut() {
		dl.ValueTruncated, dl.OriginalBytes = true, r.Size
		// The cut may have split a character: drop its first bytes.
		for k := 0; k < utf8.UTFMax-1 && len(v) > 0 && !utf8.Valid(v); k++ {
			v = v[:len(v)-1]
		}
		if !utf8.Valid(v) {
			v = r.Value
		}
	}
	if utf8.Valid(v) {
		dl.Value = string(v)
	} else {
		dl.Value, dl.ValueBase64 = base64.StdEncoding.EncodeToString(v), true
	}
	return dl
}
