package dedup

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Entry is one stored fingerprint: the record value of the dedup changelog
// and the unit an Index holds.
type Entry struct {
	ID        string    // article id; unique in an Index
	Sig       Signature // fingerprint of the article's clean text
	EventTime int64     // event time, Unix milliseconds
	Cluster   string    // cluster id: the id of the first article of the cluster
	Origin    int32     // input partition the article came from (tombstone ownership)
}

// entryVersion is the first byte of an encoded Entry. It names the layout
// of the record and the way signatures are computed, so that signatures
// from different schemes are never compared.
const entryVersion = 1

// MaxIDLen is the longest ID or Cluster, in bytes, that an Entry may have
// to be encoded or decoded.
const MaxIDLen = 4096

// Errors of UnmarshalBinary and MarshalBinary, wrapped with details.
var (
	// ErrEntryVersion: the record was written by another format version
	// (a newer newsflow, or garbage); its signature cannot be compared.
	ErrEntryVersion = errors.New("dedup: unsupported entry version")
	// ErrMalformed: the bytes are not an encoded Entry.
	ErrMalformed = errors.New("dedup: malformed entry")
	// ErrIDTooLong: ID or Cluster is longer than MaxIDLen.
	ErrIDTooLong = errors.New("dedup: id longer than MaxIDLen")
)

const flagClusterIsID = 1 // Cluster == ID: the cluster is not written

// MarshalBinary encodes e: a version byte (1), a flags byte, the signature
// (SignatureSize bytes), EventTime and Origin as zig-zag varints, then ID
// and, unless it equals ID, Cluster, each as a uvarint length and its
// bytes. A typical entry takes 80–110 bytes. It fails only when ID or
// Cluster is longer than MaxIDLen.
func (e Entry) MarshalBinary() ([]byte, error) {
	return e.AppendBinary(make([]byte, 0, 2+SignatureSize+2*binary.MaxVarintLen64+len(e.ID)+len(e.Cluster)))
}

// AppendBinary appends the encoding MarshalBinary returns to b.
func (e Entry) AppendBinary(b []byte) ([]byte, error) {
	if len(e.ID) > MaxIDLen || len(e.Cluster) > MaxIDLen {
		return b, fmt.Errorf("%w: id %d bytes, cluster %d bytes", ErrIDTooLong, len(e.ID), len(e.Cluster))
	}
	var flags byte
	if e.Cluster == e.ID {
		flags |= flagClusterIsID
	}
	b = append(b, entryVersion, flags)
	b = e.Sig.appendBinary(b)
	b = binary.AppendVarint(b, e.EventTime)
	b = binary.AppendVarint(b, int64(e.Origin))
	b = binary.AppendUvarint(b, uint64(len(e.ID)))
	b = append(b, e.ID...)
	if flags&flagClusterIsID == 0 {
		b = binary.AppendUvarint(b, uint64(len(e.Cluster)))
		b = append(b, e.Cluster...)
	}
	return b, nil
}

// UnmarshalBinary decodes data as written by MarshalBinary into e. It
// rejects, with an error wrapping ErrEntryVersion or ErrMalformed, any
// other version, unknown flags, truncated or overlong data, an Origin out
// of the int32 range and strings longer than MaxIDLen; it never panics.
// On error e is unchanged.
func (e *Entry) UnmarshalBinary(data []byte) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: empty", ErrMalformed)
	}
	if data[0] != entryVersion {
		return fmt.Errorf("%w: %d", ErrEntryVersion, data[0])
	}
	if len(data) < 2+SignatureSize {
		return fmt.Errorf("%w: %d bytes, too short", ErrMalformed, len(data))
	}
	flags := data[1]
	if flags&^flagClusterIsID != 0 {
		return fmt.Errorf("%w: unknown flags %#x", ErrMalformed, flags)
	}
	var out Entry
	out.Sig = decodeSignature(data[2:])
	d := decoder{b: data[2+SignatureSize:]}
	out.EventTime = d.varint("event time")
	origin := d.varint("origin")
	out.Origin = int32(origin)
	if d.err == nil && int64(out.Origin) != origin {
		d.err = fmt.Errorf("%w: origin %d out of range", ErrMalformed, origin)
	}
	out.ID = d.str("id")
	if flags&flagClusterIsID != 0 {
		out.Cluster = out.ID
	} else {
		out.Cluster = d.str("cluster")
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	*e = out
	return nil
}

// decoder reads varints and strings, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad %s varint", ErrMalformed, what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str(what string) string {
	if d.err != nil {
		return ""
	}
	l, n := binary.Uvarint(d.b)
	switch {
	case n <= 0:
		d.err = fmt.Errorf("%w: bad %s length", ErrMalformed, what)
		return ""
	case l > MaxIDLen:
		d.err = fmt.Errorf("%w: %s of %d bytes: %w", ErrMalformed, what, l, ErrIDTooLong)
		return ""
	case l > uint64(len(d.b)-n):
		d.err = fmt.Errorf("%w: %s truncated", ErrMalformed, what)
		return ""
	}
	s := string(d.b[n : n+int(l)])
	d.b = d.b[n+int(l):]
	return s
}
