package eval

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/newsflow/newsflow/processor"
)

// Explain runs the gold records of r through p, like Run, and writes to w,
// per article, what the scores count as errors: for entities, the scored
// gold mentions no prediction of the same type matches exactly ("miss",
// with the predictions that overlap it) and the predictions that match no
// gold mention exactly ("false", unless a gold mention left out of
// scoring covers them); for quotes, every prediction with its speaker
// and every gold quote with whether a prediction found it and with which
// speaker; for the summary, the prediction and the gold summary with
// their ROUGE-1 F1. It is for error analysis by eye: the lines are not a
// stable format. It returns an error only for unreadable gold input, a
// failed write or a done ctx.
func Explain(ctx context.Context, p *processor.Pipeline, r io.Reader, w io.Writer) error {
	recs, err := ReadRecords(r)
	if err != nil {
		return err
	}
	var b strings.Builder
	for i := range recs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
		rec := &recs[i]
		in, err := rec.Input()
		if err != nil {
			return err
		}
		var a *processor.Article
		outs, perr := p.Process(ctx, in)
		if perr == nil && len(outs) > 0 {
			a = outs[0]
		}
		b.Reset()
		fmt.Fprintf(&b, "== %s (%s)\n", rec.ID, rec.Corpus())
		if perr != nil {
			fmt.Fprintf(&b, "  failed: %v\n", perr)
		}
		body := []rune(rec.Body)
		text := func(s, e int) string {
			s, e = clamp(s, len(body)), clamp(e, len(body))
			return strings.ReplaceAll(string(body[s:e]), "\n", " ")
		}
		if rec.has("entities") {
			explainEntities(&b, rec, a, text)
		}
		if rec.has("quotes") {
			explainQuotes(&b, rec, a, text)
		}
		if rec.has("summary") && rec.Summary != "" && a != nil && a.Summary != nil {
			fmt.Fprintf(&b, "  summary R1 %.3f\n    pred: %s\n    gold: %s\n",
				Rouge(a.Summary.Text, rec.Summary).R1, a.Summary.Text, rec.Summary)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	return nil
}

func explainEntities(b *strings.Builder, rec *Record, a *processor.Article, text func(int, int) string) {
	gold, unscored, pred := EntityMentions(rec, a)
	slices.SortFunc(pred, func(x, y Mention) int { return x.Start - y.Start })
	for _, g := range gold {
		exact := false
		var near []string
		for _, p := range pred {
			if p.Type == g.Type && p.Start == g.Start && p.End == g.End {
				exact = true
				break
			}
			if overlap(p.Start, p.End, g.Start, g.End) > 0 {
				near = append(near, fmt.Sprintf("%s %q", p.Type, text(p.Start, p.End)))
			}
		}
		if !exact {
			fmt.Fprintf(b, "  miss  %-6s %q @%d  got: %s\n", g.Type, text(g.Start, g.End), g.Start, strings.Join(near, ", "))
		}
	}
	for _, p := range pred {
		if !scored(p.Type) {
			continue
		}
		exact, covered := false, false
		var near []string
		for _, g := range gold {
			if g.Type == p.Type && p.Start == g.Start && p.End == g.End {
				exact = true
				break
			}
			if overlap(p.Start, p.End, g.Start, g.End) > 0 {
				near = append(near, fmt.Sprintf("%s %q", g.Type, text(g.Start, g.End)))
			}
		}
		if exact {
			continue
		}
		for _, u := range unscored {
			if u.Type == p.Type && overlap(p.Start, p.End, u.Start, u.End) > 0 {
				covered = true
			}
		}
		if !covered {
			fmt.Fprintf(b, "  false %-6s %q @%d  gold: %s\n", p.Type, text(p.Start, p.End), p.Start, strings.Join(near, ", "))
		}
	}
}

func explainQuotes(b *strings.Builder, rec *Record, a *processor.Article, text func(int, int) string) {
	var pq []PredQuote
	if a != nil {
		conv := newConverter(a, rec.Body)
		for _, x := range a.Quotes {
			st, en := conv.span(x.Span)
			sp := x.Speaker
			if sp == "" && x.SpeakerEntity >= 0 && x.SpeakerEntity < len(a.Entities) {
				sp = a.Entities[x.SpeakerEntity].Name
			}
			pq = append(pq, PredQuote{Start: st, End: en, Speaker: sp})
		}
	}
	short := func(s string) string {
		if r := []rune(s); len(r) > 70 {
			return string(r[:70]) + "…"
		}
		return s
	}
	for _, g := range rec.Quotes {
		sp := "-"
		if g.Speaker != nil {
			sp = *g.Speaker
		}
		best, bestOv := -1, 0
		for i, p := range pq {
			if ov := overlap(g.Start, g.End, p.Start, p.End); ov > bestOv {
				best, bestOv = i, ov
			}
		}
		got := "MISSED"
		if best >= 0 && 2*bestOv >= g.End-g.Start {
			got = "found, speaker " + pq[best].Speaker
			if g.Speaker != nil && !SameSpeaker(pq[best].Speaker, sp) {
				got += "  WRONG SPEAKER"
			}
		}
		fmt.Fprintf(b, "  goldq [%s] %q: %s\n", sp, short(text(g.Start, g.End)), got)
	}
	for _, p := range pq {
		ok := false
		for _, g := range rec.Quotes {
			if 2*overlap(g.Start, g.End, p.Start, p.End) >= p.End-p.Start {
				ok = true
			}
		}
		if !ok {
			// A line to label by hand (the gold quote list is partial):
			// the key, the speaker, the passage and its context.
			fmt.Fprintf(b, "  predq %s@%d [%s] %q (not in the partial gold)\n      context: %s\n",
				rec.ID, p.Start, p.Speaker, short(text(p.Start, p.End)), quoteContext(text, p.Start, p.End))
		}
	}
}

// quoteContext returns up to 60 code points before and after the passage
// [s, e), with the passage itself shortened to its first and last words
// and marked with ⟦ ⟧, for labelling a predicted quote by eye.
func quoteContext(text func(int, int) string, s, e int) string {
	in := []rune(text(s, e))
	if len(in) > 50 {
		in = append(append(in[:20:20], []rune(" … ")...), in[len(in)-20:]...)
	}
	return "…" + text(s-60, s) + "⟦" + string(in) + "⟧" + text(e, e+60) + "…"
}
