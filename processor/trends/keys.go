package trends

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
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

// memberHash identifies the membership of article id in the window of
// entity starting at start (Unix ms): the in-memory index and the store
// key hold it instead of the id, so that a membership costs the same
// whatever the id's length. It is xxHash64 of the three (stable across
// versions and processes: it is in the changelog). Two memberships of one
// partition's open windows collide with probability about n²/2⁶⁵ for n
// memberships (10⁻⁶ for 10 million); the later one would be taken for a
// replay and not counted.
func memberHash(entity string, start int64, id string) uint64 {
	var d xxhash.Digest
	d.Reset()
	var b [9]byte
	binary.BigEndian.PutUint64(b[1:], uint64(start))
	_, _ = d.WriteString(entity) // a Digest's writes never fail
	_, _ = d.Write(b[:])         // b[0] = 0 ends the entity
	_, _ = d.WriteString(id)
	return d.Sum64()
}

// memberKey is the store key that says the article of membership hash h
// (see memberHash) is counted in the window of entity starting at start
// (Unix ms); its value is "<event time>|<article id>" (see appendMember).
// The entity's length comes first, so that it may hold any byte.
func memberKey(entity string, start int64, h uint64) string {
	b := make([]byte, 0, len(prefixMember)+len(entity)+40)
	b = append(b, prefixMember...)
	b = strconv.AppendInt(b, int64(len(entity)), 10)
	b = append(b, '|')
	b = append(b, entity...)
	b = append(b, '|')
	b = strconv.AppendInt(b, start, 10)
	b = append(b, '|')
	var hb [8]byte
	binary.BigEndian.PutUint64(hb[:], h)
	return string(hex.AppendEncode(b, hb[:]))
}

// appendMember appends the value of a membership key: the event time
// (Unix ms, decimal), '|', the article id.
func appendMember(b []byte, at int64, id string) []byte {
	b = strconv.AppendInt(b, at, 10)
	b = append(b, '|')
	return append(b, id...)
}

// parseMemberKey splits a membership key into its entity, window start
// and last part: the membership hash in 16 hex digits (memberKey), or,
// in keys written before the hash (whose values are the event time alone),
// the article id. The strings returned share k's memory.
func parseMemberKey(k string) (entity string, start int64, last string, ok bool) {
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
	ss, last, ok := strings.Cut(rest, "|")
	if !ok || last == "" {
		return "", 0, "", false
	}
	start, err = strconv.ParseInt(ss, 10, 64)
	if err != nil {
		return "", 0, "", false
	}
	return entity, start, last, true
}

// parseMember reads the membership entry k → v as Restored finds it: its
// window, its hash and its member. legacy reports an entry written before
// memberHash (key ending in the article id, value the event time), whose
// key the window keeps to delete it.
func parseMember(k string, v []byte) (wid windowID, h uint64, m member, legacy bool, ok bool) {
	entity, start, last, ok := parseMemberKey(k)
	if !ok {
		return wid, 0, m, false, false
	}
	wid = windowID{entity: entity, start: start}
	ats, id, hasID := strings.Cut(string(v), "|")
	at, err := strconv.ParseInt(ats, 10, 64)
	if err != nil {
		return wid, 0, m, false, false
	}
	if !hasID { // the layout before memberHash
		return wid, memberHash(entity, start, last), member{id: last, at: at}, true, true
	}
	if len(last) != 16 || id == "" {
		return wid, 0, m, false, false
	}
	h, err = strconv.ParseUint(last, 16, 64)
	if err != nil || h != memberHash(entity, start, id) {
		return wid, 0, m, false, false
	}
	return wid, h, member{id: id, at: at}, false, true
}
