package tagger

import (
	"unicode"
	"unicode/utf8"
)

// Gazetteer lists. Their order is part of the model format.
const (
	GazLOC = iota
	GazCountry
	GazORG
	GazNORP
	GazFirstName
	numGaz
)

// NumGazetteers is the number of gazetteer lists.
const NumGazetteers = numGaz

// GazNames returns the file stems of the gazetteer lists, in Gaz* order.
func GazNames() [NumGazetteers]string {
	return [numGaz]string{"loc", "loc-countries", "org", "norp", "person-first"}
}

// Bits of a token's gazetteer mask.
const (
	gmLocB uint16 = 1 << iota
	gmLocI
	gmCountry
	gmOrgB
	gmOrgI
	gmNORP
	gmFirst

	gmAll = gmLocB | gmCountry | gmOrgB | gmNORP | gmFirst
)

const gazPrefix uint16 = 1 << 15

// maxGazTokens bounds the length of a gazetteer entry in tokens.
const maxGazTokens = 8

// Gazetteer matches token sequences against name lists. It is read-only
// after construction and safe for concurrent use.
type Gazetteer struct {
	lists [numGaz][]string // as given, for encoding
	keys  map[uint64]uint16
}

// NewGazetteer builds a gazetteer from name lists in Gaz* order. Entries are
// tokenised with Tokenize and matched case-insensitively.
func NewGazetteer(lists [NumGazetteers][]string) *Gazetteer {
	g := &Gazetteer{lists: lists, keys: make(map[uint64]uint16)}
	var spans []Span
	for li, list := range lists {
		var bit uint16
		switch li {
		case GazLOC:
			bit = gmLocB
		case GazCountry:
			bit = gmCountry
		case GazORG:
			bit = gmOrgB
		case GazNORP:
			bit = gmNORP
		case GazFirstName:
			bit = gmFirst
		}
		for _, e := range list {
			spans = Tokenize(e, spans[:0])
			if len(spans) == 0 || len(spans) > maxGazTokens {
				continue
			}
			var h uint64
			for k, sp := range spans {
				h = gazStep(h, k, hashLower(e[sp.Start:sp.End]))
				if k < len(spans)-1 {
					g.keys[h] |= gazPrefix
				}
			}
			g.keys[h] |= bit
		}
	}
	return g
}

// gazStep extends the key h of a token sequence by the k-th token (lower-case
// hash tok). A one-token key is the token's hash itself, so one lookup per
// token finds both its gazetteer entries and its casing class (see lex).
func gazStep(h uint64, k int, tok uint64) uint64 {
	if k == 0 {
		return tok
	}
	return mix(h ^ tok)
}

// Bits of a lexicon value besides the gazetteer bits.
const (
	lexCaseShift = 8 // casing class, 2 bits
)

// buildLex merges the gazetteer keys and the casing vocabulary into one
// table keyed by token-sequence hash.
func buildLex(g *Gazetteer, v *Vocab) map[uint64]uint16 {
	lex := make(map[uint64]uint16, len(g.keys)+len(v.m))
	for k, x := range g.keys {
		lex[k] = x
	}
	for k, c := range v.m {
		lex[k] |= uint16(c) << lexCaseShift
	}
	return lex
}

// Lists returns the name lists the gazetteer was built from.
func (g *Gazetteer) Lists() [NumGazetteers][]string { return g.lists }

// match sets masks[i] for the tokens of one sentence (lower are the
// lowercase token hashes, first[i] the lexicon value of token i alone).
// A match starts at every token that begins with an upper-case letter,
// also inside a longer match ("York" in "New York"); from each start the
// longest match per list wins.
func match(lex map[uint64]uint16, words []string, lower []uint64, first, masks []uint16) {
	for i := range words {
		v := first[i]
		if v&(gmAll|gazPrefix) == 0 {
			continue
		}
		r, _ := utf8.DecodeRuneInString(words[i])
		if !unicode.IsUpper(r) {
			continue
		}
		masks[i] |= v & (gmCountry | gmNORP | gmFirst)
		var bestLoc, bestOrg int
		h := lower[i]
		for j := i; ; {
			if v&(gmLocB|gmCountry) != 0 {
				bestLoc = j + 1
			}
			if v&gmOrgB != 0 {
				bestOrg = j + 1
			}
			j++
			if v&gazPrefix == 0 || j >= len(words) || j >= i+maxGazTokens {
				break
			}
			h = gazStep(h, j-i, lower[j])
			var ok bool
			if v, ok = lex[h]; !ok {
				break
			}
		}
		if bestLoc > i {
			masks[i] |= gmLocB
			for k := i + 1; k < bestLoc; k++ {
				masks[k] |= gmLocI
			}
		}
		if bestOrg > i {
			masks[i] |= gmOrgB
			for k := i + 1; k < bestOrg; k++ {
				masks[k] |= gmOrgI
			}
		}
	}
}
