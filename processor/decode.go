package processor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// DefaultMaxRecordBytes is the default size limit of an input record value:
// below Kafka's default 1 MiB message limit with room for the enriched
// output's extra fields and the dead-letter headers.
const DefaultMaxRecordBytes = 512 << 10

// DecodeOptions configure the decode stage.
type DecodeOptions struct {
	// MaxBytes is the largest record value accepted; larger records are
	// dead-lettered with class too_large. Zero means DefaultMaxRecordBytes.
	MaxBytes int
}

// NewDecode returns the decode stage, which turns Article.Raw into the input
// fields following the input contract:
//
//   - A value whose first non-space byte is '{' is a JSON object
//     {"id","source","url","published","title","body","language"}, all
//     strings, only body required (non-blank). Unknown fields are ignored.
//   - Any other value is plain text: the whole value is the body, and a
//     leading "date YYYY-MM-DD" line (as in BBC exports) becomes Published.
//   - Without an id, the record key (when it is valid UTF-8 and not blank)
//     and otherwise "sha256:" + the first 32 hex digits of the body's SHA-256
//     is the id.
//
// It fails with an *InputError of class invalid_utf8, too_large,
// invalid_json, invalid_field or missing_body. It is safe for concurrent use.
func NewDecode(opts DecodeOptions) Processor {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxRecordBytes
	}
	return Func("decode", func(_ context.Context, a *Article) error { return decode(a, opts) })
}

type inputRecord struct {
	ID        *string `json:"id"`
	Source    *string `json:"source"`
	URL       *string `json:"url"`
	Published *string `json:"published"`
	Title     *string `json:"title"`
	Body      *string `json:"body"`
	Language  *string `json:"language"`
}

// maxIDBytes bounds ids so a hostile record cannot make keys huge.
const maxIDBytes = 512

func decode(a *Article, opts DecodeOptions) error {
	raw := a.Raw
	if len(raw) > opts.MaxBytes {
		return NewInputError(ClassTooLarge, "record value is %d bytes, over the limit of %d (--max-record-bytes)", len(raw), opts.MaxBytes)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return NewInputError(ClassMissingBody, "record value is empty")
	}
	if !utf8.Valid(raw) {
		return NewInputError(ClassInvalidUTF8, "record value is not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(raw, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var in inputRecord
		if err := json.Unmarshal(trimmed, &in); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return NewInputError(ClassInvalidField, "field %q must be a string: %v", te.Field, err)
			}
			return NewInputError(ClassInvalidJSON, "%v", err)
		}
		if in.Body == nil {
			return NewInputError(ClassMissingBody, `JSON record has no "body" field`)
		}
		if strings.TrimSpace(*in.Body) == "" {
			return NewInputError(ClassMissingBody, `"body" is blank`)
		}
		a.Body = *in.Body
		a.ID = str(in.ID)
		a.Source = str(in.Source)
		a.URL = str(in.URL)
		a.Published = strings.TrimSpace(str(in.Published))
		a.Title = strings.TrimSpace(str(in.Title))
		a.LanguageHint = strings.TrimSpace(str(in.Language))
	} else {
		a.Body, a.Published = splitDateLine(string(raw))
		if strings.TrimSpace(a.Body) == "" {
			return NewInputError(ClassMissingBody, "plain-text record has no body after its date line")
		}
	}
	a.ID = strings.TrimSpace(a.ID)
	if a.ID == "" && len(a.Key) > 0 && utf8.Valid(a.Key) {
		a.ID = strings.TrimSpace(string(a.Key))
	}
	if len(a.ID) > maxIDBytes {
		return NewInputError(ClassInvalidField, "id is %d bytes, over the limit of %d", len(a.ID), maxIDBytes)
	}
	if a.ID == "" {
		sum := sha256.Sum256([]byte(a.Body))
		a.ID = "sha256:" + hex.EncodeToString(sum[:16])
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// splitDateLine strips a leading "date YYYY-MM-DD" (after optional spaces)
// and returns the rest of the text and the date. Text after the date on the
// same line is kept: BBC exports put the first image caption there.
func splitDateLine(s string) (body, date string) {
	t := strings.TrimLeft(s, " \t\r\n\ufeff")
	const prefix = "date "
	if len(t) < len(prefix)+10 || !strings.EqualFold(t[:len(prefix)], prefix) {
		return s, ""
	}
	d := t[len(prefix) : len(prefix)+10]
	if !isISODate(d) {
		return s, ""
	}
	rest := t[len(prefix)+10:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' && rest[0] != '\r' {
		return s, ""
	}
	return rest, d
}

func isISODate(d string) bool {
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return false
	}
	for i, c := range []byte(d) {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	m := (d[5]-'0')*10 + d[6] - '0'
	day := (d[8]-'0')*10 + d[9] - '0'
	return m >= 1 && m <= 12 && day >= 1 && day <= 31
}
