package trends

import (
	"strconv"
	"strings"
	"time"
)

// Store key prefixes (see the package doc).
const (
	prefixMember   = "w|"
	prefixBaseline = "b|"
	keyMeta        = "m|"
)

// EntityKey is the key of an entity's mention records and the first part
// of its trend keys: "TYPE:name".
func EntityKey(typ, name string) string { return typ + ":" + name }

// TrendKey is the key of the trend records of an entity's window:
// "TYPE:name@start", the start in RFC 3339 (UTC, as in the record's
// window.start).
func TrendKey(typ, name string, start time.Time) string {
	return EntityKey(typ, name) + "@" + start.UTC().Format(time.RFC3339Nano)
}

// memberKey is the store key that says article id is counted in the
// window of entity starting at start (Unix ms). The entity's length
// comes first, so that entity and id may hold any byte.
func memberKey(entity string, start int64, id string) string {
	b := make([]byte, 0, len(prefixMember)+len(entity)+len(id)+24)
	b = append(b, prefixMember...)
	b = strconv.AppendInt(b, int64(len(entity)), 10)
	b = append(b, '|')
	b = append(b, entity...)
	b = append(b, '|')
	b = strconv.AppendInt(b, start, 10)
	b = append(b, '|')
	b = append(b, id...)
	return string(b)
}

// parseMemberKey splits a key made by memberKey. The strings returned
// share k's memory.
func parseMemberKey(k string) (entity string, start int64, id string, ok bool) {
	rest, ok := strings.CutPrefix(k, prefixMember)
	if !ok {
		return "", 0, "", false
	}
	ls, rest, ok := strings.Cut(rest, "|")
	if !ok {
		return "", 0, "", false
	}
	n, err := strconv.Atoi(ls)
	if err != nil || n <= 0 || n >= len(rest) || rest[n] != '|' {
		return "", 0, "", false
	}
	entity, rest = rest[:n], rest[n+1:]
	ss, id, ok := strings.Cut(rest, "|")
	if !ok || id == "" {
		return "", 0, "", false
	}
	start, err = strconv.ParseInt(ss, 10, 64)
	if err != nil {
		return "", 0, "", false
	}
	return entity, start, id, true
}
