// Package samples bundles the sample articles that `newsflow demo` and
// `newsflow publish --samples` publish: 36 Wikinews articles and 7 edited
// copies of two of them (CC BY 2.5, see README.md beside this file), and a
// few deliberately malformed records that exercise the dead-letter path.
package samples

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
)

//go:embed articles.jsonl
var articlesJSONL []byte

// Record is one sample record: the key and value to publish.
type Record struct {
	Key   []byte
	Value []byte
}

// Articles returns the bundled articles, one JSON object each, keyed by id.
// Every call returns fresh slices.
func Articles() ([]Record, error) {
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(articlesJSONL))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		id, err := idOf(line)
		if err != nil {
			return nil, fmt.Errorf("samples: line %d: %w", len(out)+1, err)
		}
		out = append(out, Record{Key: []byte(id), Value: append([]byte(nil), line...)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	return out, nil
}

// Malformed returns records that must be dead-lettered, one per error
// class the decode stage knows, keyed "bad-<class>".
func Malformed() []Record {
	return []Record{
		{Key: []byte("bad-invalid_json"), Value: []byte(`{"id": "bad-1", "body": "unterminated`)},
		{Key: []byte("bad-missing_body"), Value: []byte(`{"id": "bad-2", "title": "A title and no body"}`)},
		{Key: []byte("bad-invalid_utf8"), Value: []byte("plain text with a broken byte \xff\xfe here")},
		{Key: []byte("bad-invalid_field"), Value: []byte(`{"id": "bad-4", "body": 42}`)},
	}
}
