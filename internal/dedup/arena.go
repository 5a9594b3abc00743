package dedup

import "encoding/binary"

// arena stores the id and cluster strings of an Index in 64 KiB chunks, so
// that a string costs its bytes plus a one- or two-byte length instead of
// a Go string header and heap object. A string is addressed by a uint32:
// chunk index << 16 | offset. A record is a uvarint length and the bytes.
//
// Freed records of 5…maxFree bytes go on a free list by size (the next
// pointer lives in the freed bytes) and are reused by strings of the same
// size, which is what ids of one format do; the rest are dead bytes, which
// the Index compacts away when they outgrow the live ones. Strings are at
// most MaxIDLen bytes, so a record always fits a chunk.
type arena struct {
	chunks [][]byte
	cur    int // chunk that small strings are appended to, -1 before the first
	free   [maxFree + 1]uint32
	live   int64 // bytes of live records
	dead   int64 // bytes of freed records (on a free list or not)
}

const (
	chunkBits = 16
	chunkSize = 1 << chunkBits
	maxChunks = 1<<(32-chunkBits) - 1 // keeps 0xffff…: never an address
	maxFree   = 255
)

func newArena() arena { return arena{cur: -1} }

// add stores s, at most MaxIDLen bytes, and returns its address; false
// when the arena is full (4 GiB).
func (a *arena) add(s string) (uint32, bool) {
	size := uvarintLen(uint64(len(s))) + len(s)
	if size <= maxFree && a.free[size] != 0 {
		off := a.free[size] - 1
		rec := a.record(off)
		a.free[size] = binary.LittleEndian.Uint32(rec[size-4:])
		copy(rec[size-len(s):], s)
		a.live += int64(size)
		a.dead -= int64(size)
		return off, true
	}
	ci, ok := a.room(size)
	if !ok {
		return 0, false
	}
	c := a.chunks[ci]
	off := uint32(ci)<<chunkBits | uint32(len(c))
	c = binary.AppendUvarint(c, uint64(len(s)))
	a.chunks[ci] = append(c, s...)
	a.live += int64(size)
	return off, true
}

// room returns a chunk with size free bytes at its end.
func (a *arena) room(size int) (int, bool) {
	if a.cur < 0 || len(a.chunks[a.cur])+size > chunkSize {
		if len(a.chunks) >= maxChunks {
			return 0, false
		}
		a.cur = len(a.chunks)
		a.chunks = append(a.chunks, make([]byte, 0, chunkSize))
	}
	return a.cur, true
}

// copyRecord stores a record of another arena, length included, and
// returns its address.
func (a *arena) copyRecord(rec []byte) (uint32, bool) {
	ci, ok := a.room(len(rec))
	if !ok {
		return 0, false
	}
	off := uint32(ci)<<chunkBits | uint32(len(a.chunks[ci]))
	a.chunks[ci] = append(a.chunks[ci], rec...)
	a.live += int64(len(rec))
	return off, true
}

// record returns the bytes of the record at off, length prefix included.
func (a *arena) record(off uint32) []byte {
	c := a.chunks[off>>chunkBits][off&(chunkSize-1):]
	l, n := binary.Uvarint(c)
	return c[:n+int(l)]
}

// bytes returns the string at off, aliasing the arena: copy it before the
// record is freed.
func (a *arena) bytes(off uint32) []byte {
	c := a.chunks[off>>chunkBits][off&(chunkSize-1):]
	l, n := binary.Uvarint(c)
	return c[n : n+int(l)]
}

func (a *arena) str(off uint32) string { return string(a.bytes(off)) }

// release frees the record at off.
func (a *arena) release(off uint32) {
	rec := a.record(off)
	size := len(rec)
	a.live -= int64(size)
	a.dead += int64(size)
	if size >= 5 && size <= maxFree {
		binary.LittleEndian.PutUint32(rec[size-4:], a.free[size])
		a.free[size] = off + 1
	}
}

// capBytes returns the bytes the chunks hold.
func (a *arena) capBytes() int64 {
	n := int64(cap(a.chunks)) * 24
	for _, c := range a.chunks {
		n += int64(cap(c))
	}
	return n
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
