package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// Report is the outcome of Run. It marshals to JSON as is.
type Report struct {
	Articles int `json:"articles"`
	// Failed counts records the pipeline failed or filtered out; they
	// score as articles with no output.
	Failed int      `json:"failed"`
	Errors []string `json:"errors,omitempty"` // the first few failures

	Entities   EntityReport   `json:"entities"`
	Quotes     QuoteReport    `json:"quotes"`
	Summary    SummaryReport  `json:"summary"`
	Language   LanguageReport `json:"language"`
	Throughput Throughput     `json:"throughput"`
}

// EntityReport holds entity scores per type (PERSON, ORG, LOC) and
// micro-averaged over them.
type EntityReport struct {
	Articles     int            `json:"articles"`
	Strict       map[string]PRF `json:"strict"`
	Lenient      map[string]PRF `json:"lenient"`
	StrictMicro  PRF            `json:"strict_micro"`
	LenientMicro PRF            `json:"lenient_micro"`
}

// QuoteReport holds quote scores (see the package doc for the matching).
type QuoteReport struct {
	Articles        int     `json:"articles"`
	Gold            int     `json:"gold"`
	Found           int     `json:"found"`
	Recall          float64 `json:"recall"`
	Predicted       int     `json:"predicted"`
	Correct         int     `json:"correct"`
	Precision       float64 `json:"precision"`
	WithSpeaker     int     `json:"with_speaker"`
	SpeakerCorrect  int     `json:"speaker_correct"`
	SpeakerAccuracy float64 `json:"speaker_accuracy"`
}

// SummaryReport holds mean ROUGE F1 scores.
type SummaryReport struct {
	Articles int     `json:"articles"`
	Rouge1   float64 `json:"rouge1_f1"`
	Rouge2   float64 `json:"rouge2_f1"`
	RougeL   float64 `json:"rougeL_f1"`
}

// LanguageReport holds language detection accuracy.
type LanguageReport struct {
	Articles int     `json:"articles"`
	Correct  int     `json:"correct"`
	Accuracy float64 `json:"accuracy"`
}

// Throughput is the speed of Pipeline.Process on one goroutine.
type Throughput struct {
	Seconds           float64 `json:"seconds"`
	Tokens            int     `json:"tokens"`
	ArticlesPerSecond float64 `json:"articles_per_second"`
	TokensPerSecond   float64 `json:"tokens_per_second"`
}

const maxErrors = 10

// rawInput is the input record built from a gold record (the record's
// language is deliberately left out: it is what language detection is
// scored against).
type rawInput struct {
	ID        string  `json:"id"`
	Source    string  `json:"source,omitempty"`
	URL       string  `json:"url,omitempty"`
	Published *string `json:"published,omitempty"`
	Title     string  `json:"title,omitempty"`
	Body      string  `json:"body"`
}

// Run reads gold records from r, runs each through p as the raw value of an
// input record (Article.Raw, Article.Key = id; the pipeline's decode stage
// parses it) and scores the outputs. Records run one at a time on the
// calling goroutine. A pipeline error does not stop Run: the record counts
// as failed. Run returns an error only for unreadable gold input or when
// ctx is done.
func Run(ctx context.Context, p *processor.Pipeline, r io.Reader) (*Report, error) {
	recs, err := ReadRecords(r)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	strict, lenient := map[string]Counts{}, map[string]Counts{}
	var elapsed time.Duration
	var r1, r2, rl float64
	for i := range recs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		rec := &recs[i]
		raw, err := json.Marshal(rawInput{ID: rec.ID, Source: rec.Source, URL: rec.URL, Published: rec.Published, Title: rec.Title, Body: rec.Body})
		if err != nil {
			return nil, fmt.Errorf("eval: record %s: %w", rec.ID, err)
		}
		in := &processor.Article{Schema: processor.SchemaVersion, Raw: raw, Key: []byte(rec.ID)}
		start := time.Now()
		outs, perr := p.Process(ctx, in)
		elapsed += time.Since(start)
		rep.Articles++
		var a *processor.Article
		switch {
		case perr != nil:
			if ctx.Err() != nil {
				return nil, fmt.Errorf("eval: %w", ctx.Err())
			}
			rep.Failed++
			if len(rep.Errors) < maxErrors {
				rep.Errors = append(rep.Errors, rec.ID+": "+perr.Error())
			}
		case len(outs) == 0:
			rep.Failed++
			if len(rep.Errors) < maxErrors {
				rep.Errors = append(rep.Errors, rec.ID+": filtered out")
			}
		default:
			a = outs[0]
		}
		var conv *converter
		if a != nil {
			conv = newConverter(a, rec.Body)
			if len(a.Tokens) > 0 {
				rep.Throughput.Tokens += len(a.Tokens)
			} else {
				rep.Throughput.Tokens += len(strings.Fields(a.Text))
			}
		}

		if rec.has("entities") {
			rep.Entities.Articles++
			var gold, unscored, pred []Mention
			for _, g := range rec.Entities {
				m := Mention{Type: g.Type, Start: g.Start, End: g.End}
				if g.Named && scored(g.Type) {
					gold = append(gold, m)
				} else {
					unscored = append(unscored, m)
				}
			}
			if a != nil {
				for _, e := range a.Entities {
					for _, sp := range e.Spans {
						s, en := conv.span(sp)
						pred = append(pred, Mention{Type: e.Type, Start: s, End: en})
					}
				}
			}
			s, l := entityCounts(gold, unscored, pred)
			for t, c := range s {
				x := strict[t]
				x.add(c)
				strict[t] = x
			}
			for t, c := range l {
				x := lenient[t]
				x.add(c)
				lenient[t] = x
			}
		}

		if rec.has("quotes") {
			rep.Quotes.Articles++
			rep.Quotes.Gold += len(rec.Quotes)
			var pq []PredQuote
			if a != nil {
				for _, q := range a.Quotes {
					s, e := conv.span(q.Span)
					sp := q.Speaker
					if sp == "" && q.SpeakerEntity >= 0 && q.SpeakerEntity < len(a.Entities) {
						sp = a.Entities[q.SpeakerEntity].Name
					}
					pq = append(pq, PredQuote{Start: s, End: e, Speaker: sp})
				}
			}
			rep.Quotes.Predicted += len(pq)
			f, c, ws, ok := quoteCounts(rec.Quotes, pq)
			rep.Quotes.Found += f
			rep.Quotes.Correct += c
			rep.Quotes.WithSpeaker += ws
			rep.Quotes.SpeakerCorrect += ok
		}

		if rec.has("summary") && rec.Summary != "" {
			rep.Summary.Articles++
			if a != nil && a.Summary != nil {
				sc := Rouge(a.Summary.Text, rec.Summary)
				r1 += sc.R1
				r2 += sc.R2
				rl += sc.RL
			}
		}

		if rec.Language != "" {
			rep.Language.Articles++
			if a != nil && a.Language != nil && a.Language.Code == rec.Language {
				rep.Language.Correct++
			}
		}
	}

	e := &rep.Entities
	e.Strict, e.Lenient = map[string]PRF{}, map[string]PRF{}
	var sm, lm Counts
	for _, t := range ScoredTypes {
		e.Strict[t] = prf(strict[t])
		e.Lenient[t] = prf(lenient[t])
		sm.add(strict[t])
		lm.add(lenient[t])
	}
	e.StrictMicro, e.LenientMicro = prf(sm), prf(lm)
	q := &rep.Quotes
	q.Recall = ratio(q.Found, q.Gold)
	q.Precision = ratio(q.Correct, q.Predicted)
	q.SpeakerAccuracy = ratio(q.SpeakerCorrect, q.WithSpeaker)
	if n := rep.Summary.Articles; n > 0 {
		rep.Summary.Rouge1, rep.Summary.Rouge2, rep.Summary.RougeL = r1/float64(n), r2/float64(n), rl/float64(n)
	}
	rep.Language.Accuracy = ratio(rep.Language.Correct, rep.Language.Articles)
	t := &rep.Throughput
	t.Seconds = elapsed.Seconds()
	if t.Seconds > 0 {
		t.ArticlesPerSecond = float64(rep.Articles) / t.Seconds
		t.TokensPerSecond = float64(t.Tokens) / t.Seconds
	}
	return rep, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// converter maps byte spans of an article's Text to code-point offsets of
// the gold body.
type converter struct {
	a    *processor.Article
	body string
	cp   []int32 // cp[i] = code points in body[:i]
}

func newConverter(a *processor.Article, body string) *converter {
	c := &converter{a: a, body: body, cp: make([]int32, len(body)+1)}
	n := int32(0)
	for i := 0; i < len(body); {
		_, size := utf8.DecodeRuneInString(body[i:])
		for k := 0; k < size; k++ {
			c.cp[i+k] = n
		}
		n++
		i += size
	}
	c.cp[len(body)] = n
	return c
}

// span maps a byte span of Text to code points of the body. The end is
// mapped through the start of the span's last rune, so a span that ends
// at a run boundary of the TextMap stays inside the body text it came from.
func (c *converter) span(sp processor.Span) (int, int) {
	text := c.a.Text
	if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
		return 0, 0
	}
	_, size := utf8.DecodeLastRuneInString(text[sp.Start:sp.End])
	bs := c.a.BodyOffset(sp.Start)
	be := c.a.BodyOffset(sp.End-size) + size
	return int(c.cp[clamp(bs, len(c.body))]), int(c.cp[clamp(be, len(c.body))])
}

func clamp(v, n int) int { return max(0, min(v, n)) }

// WriteText writes the report as readable tables.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "articles: %d (failed %d)\n", r.Articles, r.Failed)
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "  error: %s\n", e)
	}
	e := r.Entities
	fmt.Fprintf(&b, "\nentities (named, %d articles)   strict                  lenient\n", e.Articles)
	fmt.Fprintf(&b, "%-8s %6s %6s   %6s %6s %6s   %6s %6s %6s\n", "type", "gold", "pred", "P", "R", "F1", "P", "R", "F1")
	row := func(name string, s, l PRF) {
		fmt.Fprintf(&b, "%-8s %6d %6d   %6.3f %6.3f %6.3f   %6.3f %6.3f %6.3f\n", name, s.Gold, s.Pred, s.Precision, s.Recall, s.F1, l.Precision, l.Recall, l.F1)
	}
	for _, t := range ScoredTypes {
		row(t, e.Strict[t], e.Lenient[t])
	}
	row("micro", e.StrictMicro, e.LenientMicro)
	q := r.Quotes
	fmt.Fprintf(&b, "\nquotes (%d articles): gold %d, found %d (recall %.3f); predicted %d, correct %d (precision %.3f)\n",
		q.Articles, q.Gold, q.Found, q.Recall, q.Predicted, q.Correct, q.Precision)
	fmt.Fprintf(&b, "speakers: %d of %d found quotes with a gold speaker right (accuracy %.3f)\n", q.SpeakerCorrect, q.WithSpeaker, q.SpeakerAccuracy)
	s := r.Summary
	fmt.Fprintf(&b, "\nsummary (%d articles): ROUGE-1 F1 %.3f, ROUGE-2 F1 %.3f, ROUGE-L F1 %.3f\n", s.Articles, s.Rouge1, s.Rouge2, s.RougeL)
	l := r.Language
	fmt.Fprintf(&b, "language: %d of %d right (accuracy %.3f)\n", l.Correct, l.Articles, l.Accuracy)
	t := r.Throughput
	fmt.Fprintf(&b, "throughput (one goroutine): %.0f articles/s, %.0f tokens/s (%d articles, %d tokens in %.3f s)\n",
		t.ArticlesPerSecond, t.TokensPerSecond, r.Articles, t.Tokens, t.Seconds)
	_, err := io.WriteString(w, b.String())
	return err
}
