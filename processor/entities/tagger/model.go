package tagger

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"unicode"
	"unicode/utf8"
)

const magic = "NFNER\x01"

// rowStride is the length of a weight row: NumTags padded so that rows
// never straddle a cache line.
const rowStride = 16

// Model is a trained averaged-perceptron BIO tagger over hashed features,
// with the gazetteer it was trained with. It is read-only after Decode and
// safe for concurrent use.
type Model struct {
	bits  uint
	scale float32 // weight = int8 * scale
	// w holds (1<<bits) rows of rowStride int8 weights (two's complement
	// bytes); the first NumTags of a row are used.
	w     []byte
	gaz   *Gazetteer
	vocab *Vocab
	lex   map[uint64]uint16 // buildLex(gaz, vocab)
	rows  int               // non-zero rows, for Stats
	pool  sync.Pool
}

func newModel(bits uint, gaz *Gazetteer, vocab *Vocab) *Model {
	m := &Model{bits: bits, gaz: gaz, vocab: vocab, lex: buildLex(gaz, vocab), w: make([]byte, (1<<bits)*rowStride)}
	m.pool.New = func() any { return new(scratch) }
	return m
}

type scratch struct {
	d     doc
	feats []uint64
}

// Stats describes a model.
type Stats struct {
	HashBits    int
	NonZeroRows int
	GazEntries  int
	VocabWords  int
}

// Stats returns the model's size figures.
func (m *Model) Stats() Stats {
	n := 0
	for _, l := range m.gaz.lists {
		n += len(l)
	}
	return Stats{HashBits: int(m.bits), NonZeroRows: m.rows, GazEntries: n, VocabWords: len(m.vocab.m)}
}

func (m *Model) bucket(f uint64) int { return int(f>>(64-m.bits)) * rowStride }

// Tag appends to dst the BIO tag of every word and returns it. ends are the
// exclusive end indexes of the sentences, ascending, the last equal to
// len(words); tagging never crosses a sentence end. Decoding is greedy
// left to right and never produces an I- tag that does not continue an
// entity of its type. Outside an entity, a word that starts with a
// lower-case letter, and punctuation, are tagged O without being scored:
// the model almost never starts an entity there, the entities stage drops
// all-lower-case names anyway, and it halves the cost of tagging (news text
// is mostly such words). Tag is safe for concurrent use.
func (m *Model) Tag(words []string, ends []int, dst []uint8) []uint8 {
	sc := m.pool.Get().(*scratch)
	defer func() {
		sc.d.words = nil // keep no reference to the caller's words
		m.pool.Put(sc)
	}()
	sc.d.reset(words, ends, m.lex)
	start := 0
	for _, e := range ends {
		prev, prev2 := uint8(tagBOS), uint8(tagBOS)
		for i := start; i < e; i++ {
			if (prev == TagO || prev == tagBOS) && plainWord(words[i]) {
				dst = append(dst, TagO)
				prev2, prev = prev, TagO
				continue
			}
			sc.feats = sc.d.static(i, start, e, sc.feats[:0])
			sc.feats = sc.d.dynamic(i, prev, prev2, sc.feats)
			scores := m.score(sc.feats)
			best := uint8(TagO)
			for t := uint8(1); t < NumTags; t++ {
				if scores[t] > scores[best] && allowed(prev, t) {
					best = t
				}
			}
			dst = append(dst, best)
			prev2, prev = prev, best
		}
		start = e
	}
	return dst
}

// plainWord reports whether w starts with a lower-case letter or is
// punctuation: outside an entity, Tag gives such a token O without scoring
// it (see Tag).
func plainWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsLower(r) || !(unicode.IsLetter(r) || unicode.IsDigit(r))
}

// score sums the weight rows of feats. The int8 weights are added eight
// at a time in 16-bit lanes of two uint64 (SWAR): each byte is biased by
// 128 (x ^ 0x80) so lanes only grow, and 255 × len(feats) < 65536 keeps
// lanes from carrying into each other. Every tag gets the same bias, so
// the sums compare like the true scores.
func (m *Model) score(feats []uint64) [rowStride]int32 {
	const (
		bias = 0x8080808080808080
		even = 0x00ff00ff00ff00ff
	)
	var a0, a1, b0, b1 uint64 // tags 0,2,4,6 | 8,10,12,14 | 1,3,5,7 | 9,11,13,15
	for _, f := range feats {
		o := m.bucket(f)
		x := binary.LittleEndian.Uint64(m.w[o:]) ^ bias
		y := binary.LittleEndian.Uint64(m.w[o+8:]) ^ bias
		a0 += x & even
		b0 += (x >> 8) & even
		a1 += y & even
		b1 += (y >> 8) & even
	}
	var s [rowStride]int32
	for k := range 4 {
		sh := 16 * k
		s[2*k] = int32(a0 >> sh & 0xffff)
		s[2*k+1] = int32(b0 >> sh & 0xffff)
		s[8+2*k] = int32(a1 >> sh & 0xffff)
		s[8+2*k+1] = int32(b1 >> sh & 0xffff)
	}
	return s
}

// UsuallyLowerCase reports whether w is a word the training text almost
// always writes in lower case ("image", "officials"): such a word is
// rarely a name on its own, even when capitalised.
func (m *Model) UsuallyLowerCase(w string) bool {
	return uint8(m.lex[hashLower(normQuotes(w))]>>lexCaseShift)&3 == caseLower
}

// KnownPlace reports whether the one-word name w is in the place or
// country gazetteer.
func (m *Model) KnownPlace(w string) bool {
	return m.lex[hashLower(normQuotes(w))]&(gmLocB|gmCountry) != 0
}

// KnownCountry reports whether the token sequence words is an entry of the
// country gazetteer ("United States", "Syria").
func (m *Model) KnownCountry(words []string) bool { return m.gazSeq(words)&gmCountry != 0 }

// gazSeq returns the lexicon value of a token sequence (0 if none), with
// the prefix marker cleared unless it is also an entry.
func (m *Model) gazSeq(words []string) uint16 {
	if len(words) == 0 || len(words) > maxGazTokens {
		return 0
	}
	var h uint64
	for k, w := range words {
		h = gazStep(h, k, hashLower(normQuotes(w)))
		if k < len(words)-1 {
			if v, ok := m.lex[h]; !ok || v&gazPrefix == 0 {
				return 0
			}
		}
	}
	return m.lex[h] & gmAll
}

// KnownFirstName reports whether w is in the first-name gazetteer.
func (m *Model) KnownFirstName(w string) bool {
	return m.lex[hashLower(normQuotes(w))]&gmFirst != 0
}

// Encode writes the model in its compact binary form: a magic string, then
// a DEFLATE stream of the hash size, the weight scale, the gazetteer lists,
// the casing vocabulary and the non-zero weight rows (delta-coded bucket,
// NumTags int8 weights).
func (m *Model) Encode(w io.Writer) error {
	if _, err := io.WriteString(w, magic); err != nil {
		return fmt.Errorf("tagger: write model: %w", err)
	}
	fw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		return fmt.Errorf("tagger: write model: %w", err)
	}
	bw := bufio.NewWriter(fw)
	var buf [binary.MaxVarintLen64]byte
	uv := func(v uint64) { bw.Write(buf[:binary.PutUvarint(buf[:], v)]) }
	uv(uint64(m.bits))
	uv(uint64(math.Float32bits(m.scale)))
	for _, l := range m.gaz.lists {
		uv(uint64(len(l)))
		for _, s := range l {
			uv(uint64(len(s)))
			bw.WriteString(s)
		}
	}
	for c := caseLower; c <= caseUpper; c++ {
		l := m.vocab.words[c]
		uv(uint64(len(l)))
		for _, s := range l {
			uv(uint64(len(s)))
			bw.WriteString(s)
		}
	}
	rows := 0
	for b := 0; b < 1<<m.bits; b++ {
		if !zeroRow(m.row(b)) {
			rows++
		}
	}
	uv(uint64(rows))
	last := 0
	for b := 0; b < 1<<m.bits; b++ {
		row := m.row(b)
		if zeroRow(row) {
			continue
		}
		uv(uint64(b - last))
		last = b
		bw.Write(row)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tagger: write model: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("tagger: write model: %w", err)
	}
	return nil
}

func (m *Model) row(b int) []byte { return m.w[b*rowStride:][:NumTags] }

func zeroRow(r []byte) bool {
	for _, v := range r {
		if v != 0 {
			return false
		}
	}
	return true
}

// Decode reads a model written by Encode.
func Decode(b []byte) (*Model, error) {
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, errors.New("tagger: not a model file (bad magic)")
	}
	br := bufio.NewReader(flate.NewReader(bytes.NewReader(b[len(magic):])))
	var rerr error
	uv := func() uint64 {
		v, err := binary.ReadUvarint(br)
		if err != nil && rerr == nil {
			rerr = err
		}
		return v
	}
	bits := uv()
	if rerr != nil || bits < 8 || bits > 26 {
		return nil, fmt.Errorf("tagger: bad model header (bits %d): %v", bits, rerr)
	}
	scale := math.Float32frombits(uint32(uv()))
	readList := func() ([]string, error) {
		n := uv()
		if rerr != nil || n > 1<<22 {
			return nil, fmt.Errorf("tagger: bad word list in model: %v", rerr)
		}
		out := make([]string, 0, n)
		for range n {
			l := uv()
			if rerr != nil || l > 1<<16 {
				return nil, fmt.Errorf("tagger: bad word list entry in model: %v", rerr)
			}
			s := make([]byte, l)
			if _, err := io.ReadFull(br, s); err != nil {
				return nil, fmt.Errorf("tagger: read word list: %w", err)
			}
			out = append(out, string(s))
		}
		return out, nil
	}
	var lists [numGaz][]string
	for li := range lists {
		l, err := readList()
		if err != nil {
			return nil, err
		}
		lists[li] = l
	}
	var words [4][]string
	for c := caseLower; c <= caseUpper; c++ {
		l, err := readList()
		if err != nil {
			return nil, err
		}
		words[c] = l
	}
	m := newModel(uint(bits), NewGazetteer(lists), newVocab(words))
	m.scale = scale
	rows := uv()
	if rerr != nil || rows > 1<<bits {
		return nil, fmt.Errorf("tagger: bad row count: %v", rerr)
	}
	b0 := 0
	for range rows {
		b0 += int(uv())
		if b0 >= 1<<bits {
			return nil, errors.New("tagger: weight row out of range")
		}
		if _, err := io.ReadFull(br, m.row(b0)); err != nil {
			return nil, fmt.Errorf("tagger: read weights: %w", err)
		}
	}
	if rerr != nil {
		return nil, fmt.Errorf("tagger: read weights: %w", rerr)
	}
	m.rows = int(rows)
	return m, nil
}
