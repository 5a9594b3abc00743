package eval

import (
	"strings"
	"unicode"
)

// ScoredTypes are the entity types scored, in report order.
var ScoredTypes = []string{"PERSON", "ORG", "LOC"}

// Mention is an entity mention in code points of the body, End exclusive.
type Mention struct {
	Type       string
	Start, End int
}

func overlap(a0, a1, b0, b1 int) int {
	return max(0, min(a1, b1)-max(a0, b0))
}

// Counts are true positives, predictions and gold items.
type Counts struct {
	TP   int `json:"tp"`
	Pred int `json:"pred"`
	Gold int `json:"gold"`
}

func (c *Counts) add(o Counts) { c.TP += o.TP; c.Pred += o.Pred; c.Gold += o.Gold }

// PRF is precision, recall and F1 with the counts they come from.
type PRF struct {
	Counts
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func prf(c Counts) PRF {
	p := PRF{Counts: c}
	if c.Pred > 0 {
		p.Precision = float64(c.TP) / float64(c.Pred)
	}
	if c.Gold > 0 {
		p.Recall = float64(c.TP) / float64(c.Gold)
	}
	if p.Precision+p.Recall > 0 {
		p.F1 = 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
	}
	return p
}

// EntityTally accumulates entity counts over articles, per type, strict
// and lenient. Its zero value is ready to use; it is not safe for
// concurrent use. Run scores with it, and so does cross-validation of the
// tagger (package processor/entities/train), so that both use one scorer.
type EntityTally struct {
	articles        int
	strict, lenient map[string]Counts
}

// Add scores one article: gold are its scored gold mentions (named, of a
// ScoredTypes type), unscored the gold mentions left out of scoring (a
// prediction of the same type that overlaps one of them, and no scored
// one, is dropped), pred the predicted mentions (those of types outside
// ScoredTypes are ignored). See the package doc for the matching.
func (t *EntityTally) Add(gold, unscored, pred []Mention) {
	s, l := entityCounts(gold, unscored, pred)
	t.articles++
	t.strict = addCounts(t.strict, s)
	t.lenient = addCounts(t.lenient, l)
}

// Merge adds the counts of o to t.
func (t *EntityTally) Merge(o *EntityTally) {
	t.articles += o.articles
	t.strict = addCounts(t.strict, o.strict)
	t.lenient = addCounts(t.lenient, o.lenient)
}

func addCounts(dst, src map[string]Counts) map[string]Counts {
	if dst == nil {
		dst = map[string]Counts{}
	}
	for k, c := range src {
		x := dst[k]
		x.add(c)
		dst[k] = x
	}
	return dst
}

// Report returns the scores: per ScoredTypes type and micro-averaged over
// them.
func (t *EntityTally) Report() EntityReport {
	e := EntityReport{Articles: t.articles, Strict: map[string]PRF{}, Lenient: map[string]PRF{}}
	var sm, lm Counts
	for _, typ := range ScoredTypes {
		e.Strict[typ] = prf(t.strict[typ])
		e.Lenient[typ] = prf(t.lenient[typ])
		sm.add(t.strict[typ])
		lm.add(t.lenient[typ])
	}
	e.StrictMicro, e.LenientMicro = prf(sm), prf(lm)
	return e
}

// entityCounts scores one article's predictions. gold are the scored gold
// mentions, unscored the gold mentions left out of scoring (predictions
// that overlap one of the same type are dropped). It returns per-type
// counts for strict and lenient matching.
func entityCounts(gold, unscored, pred []Mention) (strict, lenient map[string]Counts) {
	strict, lenient = map[string]Counts{}, map[string]Counts{}
	for _, g := range gold {
		s, l := strict[g.Type], lenient[g.Type]
		s.Gold++
		l.Gold++
		strict[g.Type], lenient[g.Type] = s, l
	}
	usedS := make([]bool, len(gold))
	usedL := make([]bool, len(gold))
	for _, p := range pred {
		if !scored(p.Type) || p.End <= p.Start {
			continue
		}
		// Is it a mention of a gold entity left out of scoring?
		hitScored := false
		for _, g := range gold {
			if g.Type == p.Type && overlap(p.Start, p.End, g.Start, g.End) > 0 {
				hitScored = true
				break
			}
		}
		if !hitScored {
			skip := false
			for _, u := range unscored {
				if u.Type == p.Type && overlap(p.Start, p.End, u.Start, u.End) > 0 {
					skip = true
					break
				}
			}
			if skip {
				continue
			}
		}
		s, l := strict[p.Type], lenient[p.Type]
		s.Pred++
		l.Pred++
		for i, g := range gold {
			if !usedS[i] && g.Type == p.Type && g.Start == p.Start && g.End == p.End {
				usedS[i] = true
				s.TP++
				break
			}
		}
		for i, g := range gold {
			if !usedL[i] && g.Type == p.Type && overlap(p.Start, p.End, g.Start, g.End) > 0 {
				usedL[i] = true
				l.TP++
				break
			}
		}
		strict[p.Type], lenient[p.Type] = s, l
	}
	return strict, lenient
}

func scored(t string) bool {
	for _, s := range ScoredTypes {
		if s == t {
			return true
		}
	}
	return false
}

// PredQuote is a predicted quote in code points of the body.
type PredQuote struct {
	Start, End int
	Speaker    string
}

// quoteTally is the quote counts of one article (see quoteCounts).
type quoteTally struct {
	found, correct         int
	withSpeaker, speakerOK int
	goldWithSpeaker        int
}

// quoteCounts scores one article's quotes. found counts gold quotes
// overlapped for at least half their length by a prediction; correct
// counts predictions overlapped for at least half their length by a gold
// quote; goldWithSpeaker counts the gold quotes with a speaker, found or
// not; withSpeaker counts the found ones among them, and speakerOK those
// whose best-overlapping prediction names the same speaker (see
// SameSpeaker). So speakerOK/goldWithSpeaker is the speaker accuracy with
// a missed quote counted as wrong.
func quoteCounts(gold []GoldQuote, pred []PredQuote) quoteTally {
	var t quoteTally
	for _, g := range gold {
		hasSpeaker := g.Speaker != nil && strings.TrimSpace(*g.Speaker) != ""
		if hasSpeaker {
			t.goldWithSpeaker++
		}
		glen := g.End - g.Start
		best, bestOv := -1, 0
		for i, p := range pred {
			if ov := overlap(g.Start, g.End, p.Start, p.End); ov > bestOv {
				best, bestOv = i, ov
			}
		}
		if best < 0 || glen <= 0 || 2*bestOv < glen {
			continue
		}
		t.found++
		if !hasSpeaker {
			continue
		}
		t.withSpeaker++
		if SameSpeaker(pred[best].Speaker, *g.Speaker) {
			t.speakerOK++
		}
	}
	for _, p := range pred {
		plen := p.End - p.Start
		for _, g := range gold {
			if plen > 0 && 2*overlap(g.Start, g.End, p.Start, p.End) >= plen {
				t.correct++
				break
			}
		}
	}
	return t
}

var honorificWords = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "sir": true, "dame": true,
	"prof": true, "mme": true, "the": true,
}

// nameWords lower-cases name, drops punctuation (keeping hyphens and
// apostrophes inside words), a possessive "'s" and honorifics, and returns
// its words.
func nameWords(name string) []string {
	f := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '\'' && r != '’'
	})
	out := f[:0]
	for _, w := range f {
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		w = strings.Trim(w, "-'’")
		if w != "" && !honorificWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// SameSpeaker reports whether a predicted speaker names the gold speaker:
// after nameWords, the names are equal or their last words are.
func SameSpeaker(pred, gold string) bool {
	p, g := nameWords(pred), nameWords(gold)
	if len(p) == 0 || len(g) == 0 {
		return false
	}
	return strings.Join(p, " ") == strings.Join(g, " ") || p[len(p)-1] == g[len(g)-1]
}
