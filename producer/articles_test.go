package producer_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/internal/samples"
)

// This file synthesizes enriched-article JSON for the compression tests
// and benchmark: records shaped like newsflow's output (text, entities with
// spans, quotes, keyphrases, summary, tone, processing metadata), 6–20 KB
// each, every one different. Their text comes from a word-bigram chain
// over the bundled sample articles, so it has the word statistics of real
// English news without repeating whole sentences across records (repeats
// would flatter the codecs).

// randomBytes returns n deterministic pseudo-random bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// articleValues returns n synthesized enriched articles.
func articleValues(n int) [][]byte {
	c := newChain()
	r := rand.New(rand.NewPCG(7, 11))
	out := make([][]byte, n)
	for i := range out {
		out[i] = c.article(r, i, 6_000+r.IntN(14_000))
	}
	return out
}

type chain struct {
	next   map[string][]string
	starts []string
	titles []string
}

func newChain() *chain {
	arts, err := samples.Articles()
	if err != nil {
		panic(err)
	}
	c := &chain{next: map[string][]string{}}
	for _, a := range arts {
		var in struct{ Title, Body string }
		if err := json.Unmarshal(a.Value, &in); err != nil {
			panic(err)
		}
		c.titles = append(c.titles, in.Title)
		words := strings.Fields(in.Body)
		for i, w := range words {
			if i == 0 || strings.HasSuffix(words[i-1], ".") {
				c.starts = append(c.starts, w)
			}
			if i+1 < len(words) {
				c.next[w] = append(c.next[w], words[i+1])
			}
		}
	}
	return c
}

// sentences generates sentences until they hold about n bytes.
func (c *chain) sentences(r *rand.Rand, n int) []string {
	var out []string
	for size := 0; size < n; {
		w := c.starts[r.IntN(len(c.starts))]
		var sb strings.Builder
		for k := 0; ; k++ {
			sb.WriteString(w)
			nx := c.next[w]
			if strings.HasSuffix(w, ".") || len(nx) == 0 || k > 40 {
				break
			}
			sb.WriteByte(' ')
			w = nx[r.IntN(len(nx))]
		}
		out = append(out, sb.String())
		size += sb.Len() + 1
	}
	return out
}

type span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

type entity struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Mentions int      `json:"mentions"`
	Salience float64  `json:"salience"`
	Aliases  []string `json:"aliases,omitempty"`
	Spans    []span   `json:"spans"`
}

type quote struct {
	Text          string `json:"text"`
	Speaker       string `json:"speaker,omitempty"`
	SpeakerEntity int    `json:"speaker_entity"`
	Span          span   `json:"span"`
}

type keyphrase struct {
	Text  string  `json:"text"`
	Score float64 `json:"score"`
}

type stage struct {
	Name       string  `json:"name"`
	DurationMS float64 `json:"duration_ms"`
}

type article struct {
	Schema    int    `json:"schema"`
	ID        string `json:"id"`
	Source    string `json:"source"`
	URL       string `json:"url"`
	Published string `json:"published"`
	Title     string `json:"title"`
	Language  struct {
		Code       string  `json:"code"`
		Confidence float64 `json:"confidence"`
	} `json:"language"`
	Text  string `json:"text"`
	Media []any  `json:"media"`
	Stats struct {
		Words, Sentences, Paragraphs, Characters, ReadingTimeSeconds int
	} `json:"stats"`
	Entities   []entity    `json:"entities"`
	Quotes     []quote     `json:"quotes"`
	Keyphrases []keyphrase `json:"keyphrases"`
	Summary    struct {
		Text      string `json:"text"`
		Sentences []int  `json:"sentences"`
	} `json:"summary"`
	Tone struct {
		Positive, Negative, Polarity, Overall, Compound float64
	} `json:"tone"`
	SourcePosition struct {
		Topic     string `json:"topic"`
		Partition int    `json:"partition"`
		Offset    int64  `json:"offset"`
		Timestamp string `json:"timestamp"`
	} `json:"source_position"`
	Processing struct {
		Version     string  `json:"version"`
		Instance    string  `json:"instance"`
		ProcessedAt string  `json:"processed_at"`
		DurationMS  float64 `json:"duration_ms"`
		Stages      []stage `json:"stages"`
	} `json:"processing"`
}

// article builds one enriched article of about size bytes, with the share
// of each part measured on real newsflow output: text ~36%, entities
// ~35%, quotes ~12%, keyphrases and summary ~4% each.
func (c *chain) article(r *rand.Rand, i, size int) []byte {
	var a article
	a.Schema = 1
	a.ID = fmt.Sprintf("enwikinews-%012x", r.Uint64()>>16)
	a.Source = "en-wikinews"
	a.Title = c.titles[r.IntN(len(c.titles))]
	a.URL = "https://en.wikinews.org/wiki/" + strings.ReplaceAll(a.Title, " ", "_")
	a.Published = fmt.Sprintf("20%02d-%02d-%02d", 19+r.IntN(3), 1+r.IntN(12), 1+r.IntN(28))
	a.Language.Code, a.Language.Confidence = "en", float64(700+r.IntN(300))/1000
	sents := c.sentences(r, size*36/100)
	var text strings.Builder
	for k, s := range sents {
		if k > 0 {
			if k%4 == 0 {
				text.WriteString("\n\n")
			} else {
				text.WriteByte(' ')
			}
		}
		text.WriteString(s)
	}
	a.Text = text.String()
	a.Media = []any{}
	a.Stats.Words = len(strings.Fields(a.Text))
	a.Stats.Sentences, a.Stats.Paragraphs, a.Stats.Characters = len(sents), len(sents)/4+1, len(a.Text)
	a.Stats.ReadingTimeSeconds = a.Stats.Words * 60 / 230

	// Entities: capitalised words of the text, with every span.
	types := []string{"PERSON", "ORG", "LOC", "MISC", "NORP"}
	seen := map[string]bool{}
	budget := size * 35 / 100
	for _, w := range strings.Fields(a.Text) {
		name := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if len(name) < 3 || !unicode.IsUpper([]rune(name)[0]) || seen[name] || budget <= 0 {
			continue
		}
		seen[name] = true
		e := entity{Name: name, Type: types[r.IntN(len(types))], Salience: r.Float64()}
		for off := 0; ; {
			k := strings.Index(a.Text[off:], name)
			if k < 0 {
				break
			}
			e.Spans = append(e.Spans, span{off + k, off + k + len(name)})
			off += k + len(name)
		}
		e.Mentions = len(e.Spans)
		if r.IntN(4) == 0 {
			e.Aliases = []string{strings.ToUpper(name[:1]) + ".", name + "'s"}
		}
		a.Entities = append(a.Entities, e)
		budget -= 90 + 25*len(e.Spans)
	}
	for budget := size * 12 / 100; budget > 0; {
		s := sents[r.IntN(len(sents))]
		start := strings.Index(a.Text, s)
		q := quote{Text: s, SpeakerEntity: -1, Span: span{start, start + len(s)}}
		if len(a.Entities) > 0 && r.IntN(2) == 0 {
			q.SpeakerEntity = r.IntN(len(a.Entities))
			q.Speaker = a.Entities[q.SpeakerEntity].Name
		}
		a.Quotes = append(a.Quotes, q)
		budget -= len(s) + 60
	}
	words := strings.Fields(a.Text)
	for budget := size * 4 / 100; budget > 0 && len(words) > 2; {
		k := r.IntN(len(words) - 1)
		p := strings.ToLower(strings.TrimFunc(words[k]+" "+words[k+1], func(r rune) bool { return !unicode.IsLetter(r) }))
		a.Keyphrases = append(a.Keyphrases, keyphrase{Text: p, Score: float64(r.IntN(1000)) / 100})
		budget -= len(p) + 25
	}
	for k := 0; k < len(sents) && len(a.Summary.Text) < size*4/100; k++ {
		a.Summary.Text += sents[k] + " "
		a.Summary.Sentences = append(a.Summary.Sentences, k)
	}
	a.Tone.Positive, a.Tone.Negative = r.Float64()*5, r.Float64()*5
	a.Tone.Polarity, a.Tone.Overall, a.Tone.Compound = a.Tone.Positive+a.Tone.Negative, r.Float64()-0.5, r.Float64()*2-1
	a.SourcePosition.Topic, a.SourcePosition.Partition, a.SourcePosition.Offset = "articles.raw", i%3, int64(i)
	a.SourcePosition.Timestamp = "2026-11-29T13:29:40.513Z"
	a.Processing.Version, a.Processing.Instance = "dev", "newsflow-0"
	a.Processing.ProcessedAt = fmt.Sprintf("2026-11-29T13:29:%02d.%09dZ", r.IntN(60), r.IntN(1e9))
	for _, s := range []string{"decode", "clean", "language", "stats", "entities", "quotes", "keyphrases", "summary", "tone", "dedupe"} {
		a.Processing.Stages = append(a.Processing.Stages, stage{s, float64(r.IntN(50000)) / 1000})
	}
	a.Processing.DurationMS = float64(r.IntN(90000)) / 1000
	b, err := json.Marshal(&a)
	if err != nil {
		panic(err)
	}
	return b
}
