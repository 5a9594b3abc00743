package faults_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/schema"
)

// Limits of the hostile-input test: records up to 2 MiB are processed, so
// that a 1 MB single word is enriched and a 3 MB record is refused; the
// producer and the broker accept the outputs.
const (
	hostileMaxRecord  = 2 << 20
	hostileMaxMessage = 6 << 20
	hostileBrokerMax  = 8 << 20
)

// enriched is the expectation "enriched"; either is "enriched or
// dead-lettered with a reason".
const (
	enriched = "enriched"
	either   = "any"
)

func jsonRecord(fields map[string]any) []byte {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err) // fixed test data
	}
	return b
}

// nested returns a JSON object whose "extra" field nests depth arrays.
func nested(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"id": "nested-deep", "body": "Deeply nested JSON.", "extra": `)
	b.WriteString(strings.Repeat("[", depth))
	b.WriteString(strings.Repeat("]", depth))
	b.WriteString("}")
	return b.Bytes()
}

// Fault 4, hostile input through the real engine: each nasty record is
// enriched or dead-lettered with a reason, and a good record after all of
// them (same partition) still comes out.
func TestHostileRecords(t *testing.T) {
	cases := []struct {
		key   string
		value []byte
		want  string // enriched, any, or the dead-letter class
	}{
		{"zero-bytes", nil, processor.ClassMissingBody},
		{"blank", []byte(" \n\t\r\n "), processor.ClassMissingBody},
		{"huge", bytes.Repeat([]byte("word "), 3<<20/5), processor.ClassTooLarge},
		{"nested-deep", nested(100000), either},
		{"nested-body", []byte(`{"id": "nested-body", "body": ` + strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000) + "}"), processor.ClassInvalidField},
		{"json-array", []byte(strings.Repeat("[", 50000)), enriched}, // not '{': plain text
		{"nul-bytes", []byte("Text with NUL\x00\x00 bytes.\x00\n\nSecond\x00 paragraph."), enriched},
		{"nul-json", jsonRecord(map[string]any{"id": "nul-json", "body": "NUL \u0000 inside\u0000 JSON."}), enriched},
		{"invalid-utf8", []byte("Broken \xc3\x28 and \xff\xfe bytes."), processor.ClassInvalidUTF8},
		{"lone-surrogate", []byte(`{"id": "lone-surrogate", "body": "A lone \ud800 surrogate and \udfff another."}`), either},
		{"one-mb-word", bytes.Repeat([]byte("x"), 1<<20), enriched},
		{"quotes-100k", bytes.Repeat([]byte(`"`), 100000), enriched},
		{"quotes-pairs", []byte(strings.Repeat(`"Yes," he said. `, 20000)), enriched},
		{"rtl", []byte("\u202bمرحبا بالعالم. هذه مقالة إخبارية.\u202c\n\nשלום עולם. זוהי כתבה חדשותית \u200fעם סימנים.\u200e"), enriched},
		{"emoji", []byte("Fans 🎉🎉 cheered 👩‍👩‍👧‍👦 as the 🇬🇧 team won 👍🏽.\n\n🔥" + strings.Repeat("😀", 5000)), enriched},
		{"mixed-scripts", []byte("Москва and 東京 met in मुंबई; Αθήνα replied «да». 서울 ✓ عمان"), enriched},
		{"only-invisible", jsonRecord(map[string]any{"id": "only-invisible", "body": "\u200b\u200b\ufeff\u2060\u00ad"}), either},
		{"paragraph-flood", []byte(strings.Repeat("a\n\n", 200000)), enriched},
		{"combining-flood", []byte("Z" + strings.Repeat("\u0301", 100000)), enriched},
		{"long-id", jsonRecord(map[string]any{"id": strings.Repeat("i", 10000), "body": "A body."}), processor.ClassInvalidField},
		{"wrong-types", []byte(`{"id": 7, "body": "A body."}`), processor.ClassInvalidField},
		{"control-chars", []byte("Bell\a back\b form\f vertical\v escape\x1b[31m red\x1b[0m."), enriched},
	}
	b := embedded(t, broker.Options{Partitions: 1, Extra: []kfake.Opt{
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "8388608"}),
	}})
	t.Cleanup(b.Close)
	e := newEnv(t, b.Addrs(), 1)
	s := e.settings("hostile")
	s.MaxRecordBytes, s.MaxMessageBytes = hostileMaxRecord, hostileMaxMessage
	s.BatchSize = 4
	s.StallTimeout = time.Minute

	var msgs []kafka.Message
	ids := make([]string, 0, len(cases)+1)
	for _, c := range cases {
		msgs = append(msgs, kafka.Message{Key: []byte(c.key), Value: c.value})
		ids = append(ids, c.key)
	}
	good := jsonRecord(map[string]any{"id": "good-after", "body": "A good article after the hostile ones.\n\nIt has two paragraphs."})
	msgs = append(msgs, kafka.Message{Key: []byte("good-after"), Value: good})
	ids = append(ids, "good-after")

	start(t, s)
	began := time.Now()
	if err := produce(t.Context(), e.brokers, e.in, hostileBrokerMax, msgs...); err != nil {
		t.Fatal(err)
	}
	waitCommittedToEnd(t, e, 180*time.Second)
	tally, outs := account(t, e, ids)
	checkTally(t, tally)

	v, err := schema.Output()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string][]byte{}
	for _, m := range readToEnd(t, e, e.out) {
		values[string(m.Key)] = m.Value
	}
	got := map[string]output{}
	for _, o := range outs {
		got[o.id] = o
	}
	for _, c := range append(cases, struct {
		key   string
		value []byte
		want  string
	}{"good-after", good, enriched}) {
		o, ok := got[c.key]
		if !ok {
			continue // reported as lost
		}
		outcome := enriched
		if o.dlq {
			outcome = o.class
			if o.class == "" {
				t.Errorf("%s: dead-lettered without a class", c.key)
			}
		} else {
			val := values[c.key]
			if err := v.Validate(val); err != nil {
				t.Errorf("%s: output does not match the schema: %v", c.key, err)
			}
			var a struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(val, &a); err != nil || !utf8.ValidString(a.Text) {
				t.Errorf("%s: output text is not valid UTF-8 JSON (%v)", c.key, err)
			}
		}
		t.Logf("%-16s %8d bytes -> %s", c.key, len(c.value), outcome)
		switch c.want {
		case either:
		case outcome:
		default:
			t.Errorf("%s: got %s, want %s", c.key, outcome, c.want)
		}
	}
	t.Logf("hostile: %d records through the engine in %v; %s", len(msgs), time.Since(began).Round(time.Millisecond), tally)
}
