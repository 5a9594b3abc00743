package keyphrases

import (
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Sketch is a count-min sketch of document frequencies: for a word hash it
// estimates in how many of the documents seen so far the word occurred,
// never under-estimating, over-estimating by at most e·T/Width with
// probability 1−e^−Depth (T is the sum of all counts since the last
// halving).
//
// Memory is fixed: Depth×Width 32-bit counters (4 × 2^17 × 4 B = 2 MiB
// with the defaults), whatever the stream's length. The sketch is blocked:
// a word's Depth counters all lie in one 64-byte block of 16 counters
// chosen by its hash (at distinct positions within it, also chosen by the
// hash), so an update or a query touches one cache line; the error bound
// is then that of a sketch of Depth rows over the blocks, slightly looser
// than the classic one for the same memory. So that counts stay
// bounded and the frequencies follow the stream, every counter and the
// document count are halved each time the document count reaches Window:
// the sketch then weighs recent documents more, and a word that was common
// long ago fades.
//
// A Sketch is safe for concurrent use: counters are updated atomically;
// halving excludes updates with a lock that each document's update takes
// shared once.
type Sketch struct {
	mu     sync.RWMutex // write-held only while halving
	blocks uint64       // number of 16-counter blocks, a power of two
	depth  int
	counts []atomic.Uint32
	docs   atomic.Uint64
	window uint64
}

// NewSketch returns a sketch of depth rows of width counters (width is
// rounded up to a power of two) that halves itself every window documents
// (0: never).
func NewSketch(width, depth int, window uint64) (*Sketch, error) {
	if width < 16 || width > 1<<26 || depth < 1 || depth > blockSize {
		return nil, errors.New("keyphrases: sketch width must be in [16, 2^26] and depth in [1, 16]")
	}
	w := uint64(1) << bits.Len64(uint64(width-1))
	blocks := max(w*uint64(depth)/blockSize, 1)
	blocks = uint64(1) << bits.Len64(blocks-1)
	return &Sketch{blocks: blocks, depth: depth, counts: make([]atomic.Uint32, blocks*blockSize), window: window}, nil
}

// SizeBytes is the memory taken by the counters.
func (s *Sketch) SizeBytes() int { return len(s.counts) * 4 }

// blockSize is the number of counters in a block (64 bytes).
const blockSize = 16

// positions returns the base index of h's block and the bit string whose
// 4-bit groups are h's positions in it.
func (s *Sketch) positions(h uint64) (base int, pos uint64) {
	m := mix(h)
	return int(h&(s.blocks-1)) * blockSize, m
}

// slot returns the i-th of h's positions in its block: distinct for i <
// 16, taken from the i-th 4-bit group of pos made distinct by probing.
func slot(pos uint64, i int, used *uint16) int {
	p := int(pos>>(4*i)) & (blockSize - 1)
	for *used&(1<<p) != 0 {
		p = (p + 1) & (blockSize - 1)
	}
	*used |= 1 << p
	return p
}

// AddDocument counts one document holding the distinct word hashes hs
// (duplicates in hs are counted twice, so pass each word once).
func (s *Sketch) AddDocument(hs []uint64) {
	s.addN(hs, 1, 1)
}

// addN adds n to the count of every hash in hs and docs to the document
// count.
func (s *Sketch) addN(hs []uint64, n uint32, docs uint64) {
	s.mu.RLock()
	for _, h := range hs {
		base, pos := s.positions(h)
		var used uint16
		for i := 0; i < s.depth; i++ {
			s.counts[base+slot(pos, i, &used)].Add(n)
		}
	}
	total := s.docs.Add(docs)
	s.mu.RUnlock()
	if s.window > 0 && total >= s.window {
		s.halve()
	}
}

// halve divides every counter and the document count by two, once per
// window.
func (s *Sketch) halve() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs.Load() < s.window {
		return // another goroutine halved first
	}
	for i := range s.counts {
		s.counts[i].Store(s.counts[i].Load() / 2)
	}
	s.docs.Store(s.docs.Load() / 2)
}

// Count estimates the number of documents holding word hash h.
func (s *Sketch) Count(h uint64) uint32 {
	m := uint32(1<<32 - 1)
	base, pos := s.positions(h)
	var used uint16
	for i := 0; i < s.depth; i++ {
		m = min(m, s.counts[base+slot(pos, i, &used)].Load())
	}
	return m
}

// Docs is the number of documents counted (after halvings).
func (s *Sketch) Docs() uint64 { return s.docs.Load() }

// mix is the splitmix64 finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
