package trends

import (
	"fmt"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/newsflow/newsflow/processor"
)

// TrendSchemaVersion is the "schema" field of trend records; it is bumped
// only for incompatible changes.
const TrendSchemaVersion = 1

// timeLayout is RFC 3339 with milliseconds, the format of event times.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Entity names an entity: its canonical name and type.
type Entity struct {
	Name string `json:"name"`
	Type string `json:"type"` // PERSON, ORG, LOC, NORP or MISC
}

// Mention is the value of a mention record, keyed EntityKey(Type, Name).
type Mention struct {
	// Article is the article's id.
	Article string `json:"article"`
	// EventTime is the article's event time (processor.EventTime), RFC
	// 3339 in UTC with milliseconds.
	EventTime string `json:"event_time"`
	Entity    Entity `json:"entity"`
	// Title is the article's title, cut to 300 bytes; for people reading
	// the topic, the aggregator does not use it.
	Title string `json:"title,omitempty"`
}

// Window is a window's bounds, [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Trend is the value of a trend record, keyed TrendKey (see
// schema/trends.schema.json).
type Trend struct {
	Schema int    `json:"schema"`
	Entity Entity `json:"entity"`
	Window Window `json:"window"`
	// Count is the number of distinct articles mentioning the entity with
	// an event time in the window.
	Count int `json:"count"`
	// Final is true on the window's last record, emitted when the
	// watermark passed its end.
	Final bool `json:"final"`
	// Articles are ids of counted articles, the latest by event time
	// first, at most Options.MaxArticles.
	Articles []string `json:"articles"`
	// Baseline is the count expected from the entity's earlier windows
	// (at least Options.Floor).
	Baseline float64 `json:"baseline"`
	// Score is the burst score of Count against the baseline.
	Score float64 `json:"score"`
	// Trending is Count ≥ MinCount and Score ≥ Threshold.
	Trending bool `json:"trending"`
}

// validType reports whether t is an entity type.
func validType(t string) bool {
	switch t {
	case processor.EntityPerson, processor.EntityOrg, processor.EntityLoc, processor.EntityNORP, processor.EntityMisc:
		return true
	}
	return false
}

// decodeMention parses and checks a mention record and returns its event
// time in Unix ms. Its errors are *processor.InputError.
func decodeMention(key, value []byte) (Mention, int64, error) {
	var m Mention
	if !utf8.Valid(value) {
		return m, 0, processor.NewInputError(processor.ClassInvalidUTF8, "trends: mention value is not valid UTF-8")
	}
	if err := json.Unmarshal(value, &m); err != nil {
		return m, 0, &processor.InputError{Class: processor.ClassInvalidJSON, Err: fmt.Errorf("trends: mention value: %w", err)}
	}
	if m.Article == "" || m.Entity.Name == "" || !validType(m.Entity.Type) {
		return m, 0, processor.NewInputError(processor.ClassInvalidField,
			"trends: mention needs an article id, an entity name and an entity type (got %q, %q, %q)", m.Article, m.Entity.Name, m.Entity.Type)
	}
	t, err := time.Parse(time.RFC3339, m.EventTime)
	if err != nil {
		return m, 0, &processor.InputError{Class: processor.ClassInvalidField, Err: fmt.Errorf("trends: mention event_time: %w", err)}
	}
	if !sameEntityKey(key, m.Entity) {
		return m, 0, processor.NewInputError(processor.ClassInvalidField,
			"trends: mention key %q is not %q", key, EntityKey(m.Entity.Type, m.Entity.Name))
	}
	return m, t.UnixMilli(), nil
}

// sameEntityKey reports whether key is EntityKey(e.Type, e.Name), without
// allocating.
func sameEntityKey(key []byte, e Entity) bool {
	n := len(e.Type)
	return len(key) == n+1+len(e.Name) && string(key[:n]) == e.Type && key[n] == ':' && string(key[n+1:]) == e.Name
}

// cut returns s cut to at most n bytes, on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
