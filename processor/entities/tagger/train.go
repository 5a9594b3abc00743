package tagger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
)

// Sentence is one training sentence: its tokens and their gold tags.
type Sentence struct {
	Words []string
	Tags  []uint8 // a BIO tag (TagO…TagIMisc) or TagUnknown per word
}

// TagUnknown marks a training word whose gold tag is unknown (a partly
// annotated sentence): Train makes no update on it and takes its own
// prediction as the tag history there.
const TagUnknown uint8 = 255

// Document is a run of training sentences that share document-level
// features (the lower-case vocabulary of the document).
type Document []Sentence

// TrainOptions control Train. Zero values take the defaults.
type TrainOptions struct {
	Epochs int       // passes over the data; default 6
	Bits   uint      // log2 of the number of feature buckets; default 20
	Seed   uint64    // shuffling seed; default 1
	Log    io.Writer // progress, one line per epoch; nil for none
}

// Train learns an averaged perceptron tagger from docs; the averaged
// weights are quantised to int8 (those that round to 0 are dropped). Training is
// deterministic for a given Seed and input order. It stops early with
// ctx's error when ctx is done. Memory: about 16 bytes × NumTags × 2^Bits.
func Train(ctx context.Context, docs []Document, gaz *Gazetteer, o TrainOptions) (*Model, error) {
	if o.Epochs <= 0 {
		o.Epochs = 6
	}
	if o.Bits == 0 {
		o.Bits = 20
	}
	if o.Bits < 8 || o.Bits > 26 {
		return nil, fmt.Errorf("tagger: Bits %d out of range 8..26", o.Bits)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if len(docs) == 0 {
		return nil, errors.New("tagger: no training data")
	}
	if gaz == nil {
		gaz = NewGazetteer([numGaz][]string{})
	}
	vocab := buildVocab(docs)
	lex := buildLex(gaz, vocab)
	n := (1 << o.Bits) * NumTags
	w := make([]int32, n)
	acc := make([]int64, n)
	ts := make([]int32, n)
	var step int32
	update := func(f uint64, t uint8, delta int32) {
		k := int(f>>(64-o.Bits))*NumTags + int(t)
		acc[k] += int64(step-ts[k]) * int64(w[k])
		ts[k] = step
		w[k] += delta
	}
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	var d doc
	var feats []uint64
	var words []string
	var ends []int
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var tokens, correct int
		for _, di := range order {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			doc := docs[di]
			words, ends = words[:0], ends[:0]
			for _, s := range doc {
				words = append(words, s.Words...)
				ends = append(ends, len(words))
			}
			d.reset(words, ends, lex)
			start := 0
			for _, s := range doc {
				e := start + len(s.Words)
				prev, prev2 := uint8(tagBOS), uint8(tagBOS)
				for i := start; i < e; i++ {
					feats = d.static(i, start, e, feats[:0])
					feats = d.dynamic(i, prev, prev2, feats)
					var scores [NumTags]int64
					for _, f := range feats {
						k := int(f>>(64-o.Bits)) * NumTags
						for t := range NumTags {
							scores[t] += int64(w[k+t])
						}
					}
					best := uint8(TagO)
					for t := uint8(1); t < NumTags; t++ {
						if scores[t] > scores[best] && allowed(prev, t) {
							best = t
						}
					}
					gold := s.Tags[i-start]
					if gold == TagUnknown {
						// No gold tag to learn from: no update, and
						// the prediction is the history.
						prev2, prev = prev, best
						continue
					}
					step++
					tokens++
					if best == gold {
						correct++
					} else {
						for _, f := range feats {
							update(f, gold, 1)
							update(f, best, -1)
						}
					}
					// Learn from the gold history (teacher forcing).
					prev2, prev = prev, gold
				}
				start = e
			}
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "epoch %d: %d tokens, training accuracy %.4f\n", epoch, tokens, float64(correct)/float64(max(tokens, 1)))
		}
	}
	// Average and quantise to int8.
	var maxAbs float64
	avg := make([]float32, n)
	for k := range w {
		a := float64(acc[k]+int64(step-ts[k])*int64(w[k])) / float64(step)
		avg[k] = float32(a)
		maxAbs = math.Max(maxAbs, math.Abs(a))
	}
	acc, w, ts = nil, nil, nil
	m := newModel(o.Bits, gaz, vocab)
	if maxAbs == 0 {
		maxAbs = 1
	}
	m.scale = float32(maxAbs / math.MaxInt8)
	for k, a := range avg {
		q := math.Round(float64(a) / float64(m.scale))
		m.w[k/NumTags*rowStride+k%NumTags] = byte(int8(max(-math.MaxInt8, min(math.MaxInt8, q))))
	}
	for b := 0; b < 1<<o.Bits; b++ {
		if !zeroRow(m.row(b)) {
			m.rows++
		}
	}
	return m, nil
}
