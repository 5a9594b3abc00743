package eval

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// goldLine builds a gold record; entity offsets are found by text, in
// code points.
func goldLine(t *testing.T, id, body, summary string, ents [][2]string, quote, speaker string) string {
	t.Helper()
	return goldLineFrom(t, "gum-wikinews", id, body, summary, ents, quote, speaker)
}

// goldLineFrom is goldLine for a record of the given source.
func goldLineFrom(t *testing.T, source, id, body, summary string, ents [][2]string, quote, speaker string) string {
	t.Helper()
	cp := func(s string) (int, int) {
		i := strings.Index(body, s)
		if i < 0 {
			t.Fatalf("%q not in body", s)
		}
		st := utf8.RuneCountInString(body[:i])
		return st, st + utf8.RuneCountInString(s)
	}
	rec := map[string]any{"id": id, "source": source, "language": "en", "title": "t", "body": body}
	layers := []string{"entities"}
	var es []map[string]any
	for _, e := range ents {
		s, en := cp(e[0])
		es = append(es, map[string]any{"text": e[0], "type": e[1], "start": s, "end": en, "named": e[1] != "ORG-unnamed"})
	}
	rec["entities"] = es
	if summary != "" {
		rec["summary"] = summary
		layers = append(layers, "summary")
	}
	if quote != "" {
		s, en := cp(quote)
		rec["quotes"] = []map[string]any{{"text": quote, "speaker": speaker, "start": s, "end": en}}
		layers = append(layers, "quotes")
	}
	rec["gold"] = layers
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakePipeline decodes Raw, drops a leading "Café " from the text (with a
// TextMap, as clean does), and "finds" entities by string search.
func fakePipeline(t *testing.T) *processor.Pipeline {
	decode := processor.Func("decode", func(_ context.Context, a *processor.Article) error {
		var in rawInput
		if err := json.Unmarshal(a.Raw, &in); err != nil {
			return err
		}
		if strings.Contains(in.Body, "FAIL") {
			return errors.New("cannot")
		}
		a.ID, a.Body = in.ID, in.Body
		return nil
	})
	clean := processor.Func("clean", func(_ context.Context, a *processor.Article) error {
		const drop = "Café "
		a.Text = strings.TrimPrefix(a.Body, drop)
		if len(a.Text) < len(a.Body) {
			a.TextMap = []processor.OffsetRun{{TextStart: 0, BodyStart: len(drop), Len: len(a.Text)}}
		}
		return nil
	})
	enrich := processor.Func("enrich", func(_ context.Context, a *processor.Article) error {
		a.Language = &processor.Language{Code: "en", Confidence: 1}
		for _, e := range []struct{ name, typ string }{{"Anne Hidalgo", "PERSON"}, {"Paris", "LOC"}, {"French", "NORP"}} {
			if i := strings.Index(a.Text, e.name); i >= 0 {
				a.Entities = append(a.Entities, processor.Entity{Name: e.name, Type: e.typ, Mentions: 1,
					Spans: []processor.Span{{Start: i, End: i + len(e.name)}}})
			}
		}
		if i := strings.Index(a.Text, "“We"); i >= 0 {
			j := strings.Index(a.Text, "”") + len("”")
			a.Quotes = []processor.Quote{{Text: a.Text[i:j], SpeakerEntity: 0, Span: processor.Span{Start: i, End: j}}}
		}
		first, _, _ := strings.Cut(a.Text, ".")
		a.Summary = &processor.Summary{Text: first + "."}
		return nil
	})
	p, err := processor.NewPipeline([]processor.Processor{decode, clean, enrich})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	body1 := "Café owner Anne Hidalgo met French officials in Paris.\n\n“We are proud,” Ms Hidalgo said."
	in := strings.Join([]string{
		goldLine(t, "a1", body1, "owner Anne Hidalgo met French officials in Paris.",
			[][2]string{{"Anne Hidalgo", "PERSON"}, {"Paris", "LOC"}}, "We are proud,", "Anne Hidalgo"),
		"",
		goldLineFrom(t, "re3d-centcom", "a2", "Crowds in Lyon.", "", [][2]string{{"Lyon", "LOC"}}, "", ""),
		goldLineFrom(t, "re3d-uk-gov", "a3", "FAIL in Mali.", "", [][2]string{{"Mali", "LOC"}}, "", ""),
	}, "\n")
	rep, err := Run(t.Context(), fakePipeline(t), strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Articles != 3 || rep.Failed != 1 || len(rep.Errors) != 1 {
		t.Errorf("articles %d, failed %d, errors %q; want 3, 1, one error", rep.Articles, rep.Failed, rep.Errors)
	}
	e := rep.Entities
	if got := e.Strict["PERSON"].Counts; got != (Counts{TP: 1, Pred: 1, Gold: 1}) {
		t.Errorf("strict PERSON = %+v (offsets not mapped back to the body?)", got)
	}
	if got := e.Strict["LOC"].Counts; got != (Counts{TP: 1, Pred: 1, Gold: 3}) {
		t.Errorf("strict LOC = %+v", got)
	}
	if !near(e.LenientMicro.Recall, 0.5) || !near(e.LenientMicro.Precision, 1) {
		t.Errorf("lenient micro = %+v, want P 1, R 0.5", e.LenientMicro)
	}
	// Per corpus: a1 is gum; a2 and a3 are re3d.
	if len(rep.Corpora) != 2 || rep.Corpora["gum"] == nil || rep.Corpora["re3d"] == nil {
		t.Fatalf("corpora %v, want gum and re3d", rep.Corpora)
	}
	gum, re3d := rep.Corpora["gum"], rep.Corpora["re3d"]
	if gum.Articles != 1 || re3d.Articles != 2 {
		t.Errorf("corpus articles gum %d, re3d %d; want 1, 2", gum.Articles, re3d.Articles)
	}
	if got := gum.Entities.Lenient["LOC"].Counts; got != (Counts{TP: 1, Pred: 1, Gold: 1}) {
		t.Errorf("gum lenient LOC = %+v", got)
	}
	if got := re3d.Entities.Lenient["LOC"].Counts; got != (Counts{TP: 0, Pred: 0, Gold: 2}) {
		t.Errorf("re3d lenient LOC = %+v", got)
	}
	if gum.Quotes.Gold != 1 || re3d.Quotes.Articles != 0 || gum.Summary.Articles != 1 || re3d.Summary.Articles != 0 {
		t.Errorf("corpus quotes/summary: gum %+v %+v, re3d %+v %+v", gum.Quotes, gum.Summary, re3d.Quotes, re3d.Summary)
	}
	q := rep.Quotes
	if q.Gold != 1 || q.Found != 1 || q.WithSpeaker != 1 || q.SpeakerCorrect != 1 || q.Precision != 1 {
		t.Errorf("quotes = %+v", q)
	}
	if rep.Summary.Articles != 1 || !near(rep.Summary.Rouge1, 1) || !near(rep.Summary.RougeL, 1) {
		t.Errorf("summary = %+v", rep.Summary)
	}
	if rep.Language.Articles != 3 || rep.Language.Correct != 2 {
		t.Errorf("language = %+v", rep.Language)
	}
	if rep.Throughput.Tokens == 0 || rep.Throughput.Seconds <= 0 || rep.Throughput.ArticlesPerSecond <= 0 {
		t.Errorf("throughput = %+v", rep.Throughput)
	}

	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PERSON", "micro", "ROUGE-1", "speakers: 1 of 1", "articles: 3 (failed 1); by corpus: gum 1, re3d 2",
		"entities, all (named, 3 articles)", "entities, gum (named, 1 articles)", "entities, re3d (named, 2 articles)",
		"quotes (gum, 1 articles)", "summary (gum, 1 articles)"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Entities.Strict["PERSON"] != rep.Entities.Strict["PERSON"] || back.Quotes != rep.Quotes ||
		back.Corpora["re3d"] == nil || back.Corpora["re3d"].Entities.LenientMicro != re3d.Entities.LenientMicro {
		t.Errorf("JSON round trip changed the report: %s", b)
	}
}

// TestSpeakerAccuracyMissedCounts checks the speaker accuracy that counts
// a missed gold quote as wrong: one quote found with the right speaker and
// one missed give 1 of 1 over found quotes but 1 of 2 over all, in the
// report, its text and its JSON.
func TestSpeakerAccuracyMissedCounts(t *testing.T) {
	body := "Anne Hidalgo met officials in Paris.\n\n“We are proud,” Ms Hidalgo said."
	in := strings.Join([]string{
		goldLine(t, "found", body, "", [][2]string{{"Anne Hidalgo", "PERSON"}}, "We are proud,", "Anne Hidalgo"),
		// The fake pipeline finds no quote here: missed.
		goldLine(t, "missed", "Paris is ready, Anne Hidalgo said.", "", [][2]string{{"Anne Hidalgo", "PERSON"}}, "Paris is ready,", "Anne Hidalgo"),
		// A missed quote without a gold speaker does not count.
		goldLine(t, "nospeaker", "Paris is “ready”.", "", nil, "ready", ""),
	}, "\n")
	rep, err := Run(t.Context(), fakePipeline(t), strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	q := rep.Quotes
	if q.Gold != 3 || q.Found != 1 || q.WithSpeaker != 1 || q.SpeakerCorrect != 1 || q.GoldWithSpeaker != 2 {
		t.Fatalf("quotes = %+v, want gold 3, found 1, with speaker 1, right 1, gold with speaker 2", q)
	}
	if !near(q.SpeakerAccuracy, 1) || !near(q.SpeakerAccuracyAll, 0.5) {
		t.Errorf("speaker accuracy %v, with misses %v; want 1, 0.5", q.SpeakerAccuracy, q.SpeakerAccuracyAll)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "1 of 2 gold quotes with a speaker, a missed quote counting as wrong (accuracy 0.500)"; !strings.Contains(text.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, text.String())
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Quotes map[string]any `json:"quotes"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Quotes["gold_with_speaker"] != 2.0 || back.Quotes["speaker_accuracy_all"] != 0.5 {
		t.Errorf("JSON quotes = %v, want gold_with_speaker 2, speaker_accuracy_all 0.5", back.Quotes)
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(t.Context(), fakePipeline(t), strings.NewReader("{not json\n")); err == nil {
		t.Error("Run accepted a bad gold line")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	line := goldLine(t, "a", "In Paris.", "", [][2]string{{"Paris", "LOC"}}, "", "")
	if _, err := Run(ctx, fakePipeline(t), strings.NewReader(line)); !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestRecordCorpus(t *testing.T) {
	tests := []struct{ source, want string }{
		{"gum-wikinews", "gum"},
		{"re3d-us-state-dept", "re3d"},
		{"bbc", "bbc"},
		{"", "unknown"},
	}
	for _, tc := range tests {
		r := Record{Source: tc.source}
		if got := r.Corpus(); got != tc.want {
			t.Errorf("Corpus of source %q = %q, want %q", tc.source, got, tc.want)
		}
	}
}

func TestEntityTally(t *testing.T) {
	var a, b EntityTally
	a.Add([]Mention{{"PERSON", 0, 5}}, nil, []Mention{{"PERSON", 0, 5}})
	b.Add([]Mention{{"ORG", 0, 5}, {"LOC", 10, 15}}, nil, []Mention{{"ORG", 0, 3}})
	a.Merge(&b)
	e := a.Report()
	if e.Articles != 2 {
		t.Errorf("articles %d, want 2", e.Articles)
	}
	if got := e.StrictMicro.Counts; got != (Counts{TP: 1, Pred: 2, Gold: 3}) {
		t.Errorf("strict micro %+v", got)
	}
	if got := e.LenientMicro.Counts; got != (Counts{TP: 2, Pred: 2, Gold: 3}) {
		t.Errorf("lenient micro %+v", got)
	}
	var zero EntityTally
	if r := zero.Report(); r.Articles != 0 || r.LenientMicro.F1 != 0 || len(r.Lenient) != len(ScoredTypes) {
		t.Errorf("zero tally report %+v", r)
	}
}
