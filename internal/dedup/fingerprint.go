package dedup

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// Layout of a Signature. Changing any of these, or the tokenisation or
// hashing in this file, changes every signature: bump entryVersion.
const (
	sketchBins = 128 // one-permutation MinHash bins of word bigrams
	sketchBits = 2   // bits kept per bin (b-bit MinHash)
	numAnchors = 4   // one-permutation MinHash bins of word trigrams

	// SignatureSize is the length of a signature's binary form, as used by
	// Entry.MarshalBinary; String returns twice as many hex digits.
	SignatureSize = sketchBins*sketchBits/8 + numAnchors*4
)

// DefaultMinTokens is the default Config.MinTokens.
const DefaultMinTokens = 25

// Signature is the fingerprint of one text: a 2-bit MinHash sketch of
// its word bigrams (128 bins), from which Similarity estimates Jaccard
// similarity, and four MinHash values of its word trigrams (the anchors),
// through which an Index finds candidates. It is a comparable value of
// SignatureSize bytes; the zero Signature is valid but describes no text.
type Signature struct {
	// lo[w] and hi[w] hold the low and high bit of the 2-bit values of
	// bins 64w…64w+63, bin 64w+i in bit i.
	lo, hi  [2]uint64
	anchors [numAnchors]uint32
}

// Similarity returns the estimated Jaccard similarity, in [0, 1], of the
// sets of word bigrams of the texts a and b were computed from: the share
// of the 128 sketch bins whose 2-bit values agree, corrected for the one
// in four that agree by chance, (m/128 − 1/4)/(3/4), and clamped at 0.
// Identical signatures have similarity 1; unrelated texts score near 0.
// The estimate's standard deviation is about 0.06 at true similarities of
// 0.3 to 0.7, and 0.05 near 0, where negative estimates are clamped.
func Similarity(a, b Signature) float64 {
	m := 0
	for w := range a.lo {
		m += bits.OnesCount64(^(a.lo[w] ^ b.lo[w]) & ^(a.hi[w] ^ b.hi[w]))
	}
	// (m/128 - 1/4) / (3/4) = (m - 32) / 96
	if m <= sketchBins/4 {
		return 0
	}
	return float64(m-sketchBins/4) / float64(sketchBins*3/4)
}

// appendBinary appends the SignatureSize-byte little-endian form of s.
func (s Signature) appendBinary(b []byte) []byte {
	for _, w := range s.lo {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	for _, w := range s.hi {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	for _, a := range s.anchors {
		b = binary.LittleEndian.AppendUint32(b, a)
	}
	return b
}

// decodeSignature reads the form appendBinary writes; b must hold at least
// SignatureSize bytes.
func decodeSignature(b []byte) Signature {
	var s Signature
	for i := range s.lo {
		s.lo[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	for i := range s.hi {
		s.hi[i] = binary.LittleEndian.Uint64(b[16+8*i:])
	}
	for i := range s.anchors {
		s.anchors[i] = binary.LittleEndian.Uint32(b[32+4*i:])
	}
	return s
}

// String returns the signature as 2×SignatureSize lower-case hex digits,
// the form of the article's "fingerprint" output field. The form is stable:
// it changes only with the entry format version. ParseSignature reads it.
func (s Signature) String() string {
	var buf [SignatureSize]byte
	return hex.EncodeToString(s.appendBinary(buf[:0]))
}

// ErrSignature is returned, wrapped, by ParseSignature for text that is
// not a signature.
var ErrSignature = errors.New("dedup: malformed signature")

// ParseSignature parses the form String returns.
func ParseSignature(text string) (Signature, error) {
	if len(text) != 2*SignatureSize {
		return Signature{}, fmt.Errorf("%w: %d characters, want %d", ErrSignature, len(text), 2*SignatureSize)
	}
	var buf [SignatureSize]byte
	if _, err := hex.Decode(buf[:], []byte(text)); err != nil {
		return Signature{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return decodeSignature(buf[:]), nil
}

// Config configures a Fingerprinter. The zero Config is the default.
type Config struct {
	// MinTokens is the fewest tokens a text needs to be fingerprinted;
	// shorter texts (a headline, a photo caption) match too easily to be
	// worth it. A token is a word, or a character bigram in a script
	// written without spaces (see Fingerprinter). 0 means
	// DefaultMinTokens (25); it must be at least 3.
	MinTokens int
}

// Validate reports whether c is usable.
func (c Config) Validate() error {
	if c.MinTokens != 0 && c.MinTokens < 3 {
		return fmt.Errorf("dedup: MinTokens %d: must be 0 (default) or at least 3", c.MinTokens)
	}
	return nil
}

// Fingerprinter computes signatures. It is safe for concurrent use and
// does not allocate.
//
// Text is read as the clean text of an article: markup already removed
// (the clean stage does it; tag names and attributes left in the text
// would count as words), any boilerplate left in is tolerated as part of
// the text. Tokens are maximal runs of letters, digits and combining marks,
// lower-cased, with apostrophes after a letter dropped ("Don’t" = "dont");
// everything else separates tokens. In scripts written without spaces (Han,
// Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) every pair of adjacent
// characters is a token (a lone character is one), so that word bigrams
// and trigrams become character 3- and 4-grams there. Shingles run across
// paragraph breaks.
type Fingerprinter struct {
	minTokens int
}

// NewFingerprinter returns a Fingerprinter configured by cfg.
func NewFingerprinter(cfg Config) (*Fingerprinter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MinTokens == 0 {
		cfg.MinTokens = DefaultMinTokens
	}
	return &Fingerprinter{minTokens: cfg.MinTokens}, nil
}

// Fingerprint returns the signature of text, and false (with the zero
// Signature) when text has fewer than Config.MinTokens tokens (25 by
// default: a sentence or two).
func (f *Fingerprinter) Fingerprint(text string) (Signature, bool) {
	var st shingler
	st.init()
	tokenize(text, &st)
	if st.n < f.minTokens {
		return Signature{}, false
	}
	return st.signature(), true
}

// Hash constants. fnvOffset/fnvPrime are FNV-1a 64; the rest are odd
// constants that keep the shingle hash families apart.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211

	k1 = 0x9e3779b97f4a7c15
	k2 = 0xc2b2ae3d27d4eb4f
	k3 = 0x165667b19e3779f9
	k4 = 0xd6e8feb86659fd93

	saltUnspaced = 0x27d4eb2f165667c5
	saltDensify  = 0x94d049bb133111eb

	emptyBin = 1 << 57 // larger than any 57-bit bin value
	emptyAnc = 1 << 62 // larger than any 62-bit anchor value
)

// mix is the splitmix64 finaliser: a bijection that spreads every input
// bit over the output.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// shingler turns a stream of token hashes into the sketch and anchors.
type shingler struct {
	n      int    // tokens seen
	p1, p2 uint64 // hashes of the previous two tokens
	bins   [sketchBins]uint64
	anc    [numAnchors]uint64
}

func (s *shingler) init() {
	for i := range s.bins {
		s.bins[i] = emptyBin
	}
	for i := range s.anc {
		s.anc[i] = emptyAnc
	}
}

// token adds a token with hash t.
func (s *shingler) token(t uint64) {
	if s.n >= 1 {
		// Word bigram: one-permutation MinHash, top 7 bits pick the bin.
		h := mix(s.p1*k1 + t*k2)
		if b, v := h>>57, h&(emptyBin-1); v < s.bins[b] {
			s.bins[b] = v
		}
		if s.n >= 2 {
			h := mix(s.p2*k3 + s.p1*k4 + t)
			if b, v := h>>62, h&(emptyAnc-1); v < s.anc[b] {
				s.anc[b] = v
			}
		}
	}
	s.p2, s.p1 = s.p1, t
	s.n++
}

// signature finishes the sketch. Empty bins borrow the value of a filled
// bin picked by a probe sequence that depends only on the bin (optimal
// densification, Shrivastava 2017), so that two texts with the same filled
// bins fill their empty ones alike. It needs at least one bigram and one
// trigram.
func (s *shingler) signature() Signature {
	var sig Signature
	for i, v := range s.bins {
		for attempt := uint64(0); v == emptyBin; attempt++ {
			var j uint64
			if attempt < 4*sketchBins {
				j = mix(uint64(i)<<32|attempt^saltDensify) >> 57
			} else {
				j = (uint64(i) + attempt) % sketchBins // a bounded fallback
			}
			v = s.bins[j]
		}
		w, bit := i/64, uint(i%64)
		sig.lo[w] |= (v & 1) << bit
		sig.hi[w] |= (v >> 1 & 1) << bit
	}
	for i, v := range s.anc {
		for j := 1; v == emptyAnc && j < numAnchors; j++ {
			v = s.anc[(i+j)%numAnchors]
		}
		// The low bits of the minimum name the trigram; its high bits only
		// say that it is small.
		sig.anchors[i] = uint32(v)
	}
	return sig
}

// asciiFold maps an ASCII byte to itself lower-cased when it belongs to a
// word, to apostrophe for the apostrophe, and to 0 otherwise.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range utf8.RuneSelf {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '\'':
			t[c] = byte(c)
		case c >= 'A' && c <= 'Z':
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	return t
}()

// tokenize feeds the token hashes of text to s. A word's hash is FNV-1a
// of its lower-cased UTF-8 bytes (the shingle hashes mix it further).
func tokenize(text string, s *shingler) {
	h := uint64(fnvOffset)
	inWord := false
	var prev rune // last character of the current unspaced run
	run := 0      // length of the current unspaced run
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			i++
			f := asciiFold[c]
			if f > '\'' { // a letter or digit
				if run > 0 {
					run = s.endRun(run, prev)
				}
				h = (h ^ uint64(f)) * fnvPrime
				inWord = true
				continue
			}
			if f == '\'' && inWord {
				continue
			}
			if inWord {
				s.token(h)
				h, inWord = fnvOffset, false
			}
			if run > 0 {
				run = s.endRun(run, prev)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case unspaced(r):
			if inWord {
				s.token(h)
				h, inWord = fnvOffset, false
			}
			if run > 0 {
				s.token(mix((uint64(prev)<<32 | uint64(r)) ^ saltUnspaced))
			}
			prev = r
			run++
		case r == '’' && inWord:
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if run > 0 {
				run = s.endRun(run, prev)
			}
			var buf [utf8.UTFMax]byte
			for _, b := range utf8.AppendRune(buf[:0], unicode.ToLower(r)) {
				h = (h ^ uint64(b)) * fnvPrime
			}
			inWord = true
		default:
			if inWord {
				s.token(h)
				h, inWord = fnvOffset, false
			}
			if run > 0 {
				run = s.endRun(run, prev)
			}
		}
	}
	if inWord {
		s.token(h)
	}
	if run > 0 {
		s.endRun(run, prev)
	}
}

// endRun ends a run of run characters of an unspaced script whose last is
// last: a run of one is a token by itself (longer runs gave their
// bigrams). It returns 0, the new run length.
func (s *shingler) endRun(run int, last rune) int {
	if run == 1 {
		s.token(mix(uint64(last) ^ saltUnspaced))
	}
	return 0
}

// unspaced reports whether r is a letter of a script written without
// spaces between words.
func unspaced(r rune) bool {
	switch {
	case r < 0x0e00:
		return false
	case r <= 0x0eff: // Thai, Lao
		return true
	case r >= 0x1000 && r <= 0x109f: // Myanmar
		return true
	case r >= 0x1780 && r <= 0x17ff: // Khmer
		return true
	case r >= 0x3040 && r <= 0x30ff: // Hiragana, Katakana
		return r != 0x30fb // katakana middle dot: punctuation
	case r >= 0x31f0 && r <= 0x31ff: // Katakana phonetic extensions
		return true
	case r >= 0x3400 && r <= 0x4dbf: // CJK extension A
		return true
	case r >= 0x4e00 && r <= 0x9fff: // CJK unified ideographs
		return true
	case r >= 0xf900 && r <= 0xfaff: // CJK compatibility ideographs
		return true
	case r >= 0xff66 && r <= 0xff9d: // half-width Katakana
		return true
	case r >= 0x20000 && r <= 0x3134f: // CJK extensions B…H
		return true
	}
	return false
}
