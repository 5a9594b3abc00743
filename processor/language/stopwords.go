package language

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The fast path. lingua computes its confidence values with
// arbitrary-precision arithmetic and spends 0.8–2 ms on a news prefix,
// twenty times the budget of a stage. Running text in the big Latin- and
// Cyrillic-script news languages is told apart far more cheaply, and just
// as reliably, by counting its function words: in 80 words of English
// prose a quarter or more are "the", "of", "and", "to", … and almost none
// are French or German ones. The fast path decides only when the count is
// clear; anything else (short text, other scripts, close languages such as
// Danish and Norwegian, mixed or close calls) goes to lingua.

// functionWords returns the most frequent function words of a fast-path
// language, chosen so that the lists barely overlap (words shared by two
// languages, such as "a", "in", "die"/"de", are left out of one or both).
func functionWords(code string) string {
	switch code {
	case "en":
		return "the of and to is was that for with on as by at from his her he she it they were are been has have had this which said would will their who not but an its be or"
	case "fr":
		return "le la les des du et est une un dans pour qui que sur au aux pas ne il elle sont ont été avec par plus cette ses leur mais ou ce se nous vous"
	case "de":
		return "der die das und ist nicht ein eine mit den dem sich auf für von zu auch es sie wird wurde sind hat haben bei nach aus wie über dass noch oder im"
	case "es":
		return "el los las del y en que por con para una es se su sus al lo como más pero fue ha han sido este esta también sobre entre cuando muy sin"
	case "it":
		return "il di che è e per una della delle del dei gli nel nella sono con ha non anche alla al più come ma ci questo questa essere stato degli sul"
	case "pt":
		return "o os as do da dos das que em para com não uma um por mais foi ao se na no como mas também são pelo pela ser já está seu sua entre"
	case "nl":
		return "de het een van en in is dat op te zijn met voor niet aan er ook als bij door maar om wordt werd heeft hij zij naar dit deze nog uit tot"
	case "sv":
		return "och att är för inte från hade också skulle eller sig efter vid när kan"
	case "da":
		return "og af ikke havde også efter være blev meget hvor kunne"
	case "nb":
		return "og av ikke hadde også etter være ble mye hvor kunne"
	case "pl":
		return "się nie że jest jak przez już tylko może przy być który która które oraz są był była było dla jego ich w i"
	case "cs":
		return "se je že jako jeho přes už jen může při být který která které nebo jsou byl byla bylo pro v také než"
	case "ro":
		return "și în cu pe nu că fost este pentru care mai sau fi au ale unei acest această sunt"
	case "tr":
		return "ve bir bu için ile olarak çok daha olan gibi ancak kadar sonra ise ama değil her"
	case "hu":
		return "az és hogy nem is egy meg van volt ez csak már mint vagy még kell pedig"
	case "fi":
		return "ja on ei että se oli hän joka ovat mutta myös kun tai kuin mukaan sekä jo ole"
	case "ru":
		return "и что он с как это но из к она от вы бы его они мы был была было были уже только или если даже также который которые после их"
	case "uk":
		return "і що він з як це але із вона від ви би його вони ми був була було були вже тільки або якщо навіть також який які після їх та"
	}
	return ""
}

// fastLanguages are the languages with a function-word list (at most 32,
// the bits of a fastTable word set).
const fastLanguages = "en fr de es it pt nl sv da nb pl cs ro tr hu fi ru uk"

// fastWords is the maximum number of words the fast path looks at.
const fastWords = 80

// fastTable maps a lower-cased function word to the bit set of the
// languages whose list holds it.
type fastTable struct {
	words map[string]uint32
	codes []string // bit i is codes[i]
}

// newFastTable builds the table for the configured languages that have a
// function-word list; nil if fewer than two of them are configured (the
// fast path then cannot tell anything apart).
func newFastTable(known map[string]bool) *fastTable {
	t := &fastTable{words: make(map[string]uint32)}
	for _, code := range strings.Fields(fastLanguages) {
		if !known[code] {
			continue
		}
		bit := uint32(1) << len(t.codes)
		t.codes = append(t.codes, code)
		for _, w := range strings.Fields(functionWords(code)) {
			t.words[w] |= bit
		}
	}
	if len(t.codes) < 2 {
		return nil
	}
	return t
}

// detect returns the language and a confidence when the function words of
// text decide it clearly, else ok=false. Text in a script other than Latin
// is never decided here.
func (t *fastTable) detect(text string) (code string, confidence float64, ok bool) {
	var hits [32]int
	var buf [32]byte
	words, i := 0, 0
	for i < len(text) && words < fastWords {
		// Skip to the next letter.
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		if r >= 0x250 && !unicode.Is(unicode.Latin, r) && !unicode.Is(unicode.Cyrillic, r) {
			return "", 0, false // another script: lingua's rules handle it
		}
		// Read the word, lower-cased into buf when it fits.
		n := 0
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !unicode.IsLetter(r) {
				break
			}
			if n+utf8.UTFMax <= len(buf) {
				n += utf8.EncodeRune(buf[n:], unicode.ToLower(r))
			} else {
				n = len(buf) + 1 // too long to be a function word
			}
			i += size
		}
		words++
		if n > len(buf) {
			continue
		}
		if set := t.words[string(buf[:n])]; set != 0 {
			for b := range t.codes {
				if set&(1<<b) != 0 {
					hits[b]++
				}
			}
		}
	}
	best, second, total := 0, -1, 0
	for b := range t.codes {
		total += hits[b]
		if hits[b] > hits[best] {
			best = b
		}
	}
	for b := range t.codes {
		if b != best && (second < 0 || hits[b] > hits[second]) {
			second = b
		}
	}
	h := hits[best]
	// Clear: at least 8 hits, a sixth of the words, and 3x the runner-up.
	if h < 8 || h*6 < words || (second >= 0 && hits[second]*3 > h) {
		return "", 0, false
	}
	return t.codes[best], float64(h) / float64(total), true
}
