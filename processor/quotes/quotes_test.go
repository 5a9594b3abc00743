package quotes

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/processor"
)

// wantQuote is an expected quotation: its text and speaker; ent is the
// speaker entity's name, "" for none.
type wantQuote struct {
	text, speaker, ent string
}

func TestExtract(t *testing.T) {
	smith := person("John Smith", "Mr Smith", "Smith")
	jane := person("Jane Doe", "Ms Doe")
	tests := []struct {
		name string
		body string
		ents []ent
		want []wantQuote
	}{
		{
			name: "X said after the quote",
			body: `"We will win this election," Mr Smith said.`,
			ents: []ent{smith},
			want: []wantQuote{{"We will win this election,", "John Smith", "John Smith"}},
		},
		{
			name: "said X",
			body: `John Smith spoke first. "We will win this election," said Mr Smith.`,
			ents: []ent{smith},
			want: []wantQuote{{"We will win this election,", "John Smith", "John Smith"}},
		},
		{
			name: "a spokesman told AFP",
			body: `"Nobody was hurt in the fire," a spokesman told AFP on Tuesday.`,
			ents: []ent{org("AFP")},
			want: []wantQuote{{"Nobody was hurt in the fire,", "a spokesman", ""}},
		},
		{
			name: "X tweeted",
			body: `"Congratulations to the whole team," Ms Doe tweeted.`,
			ents: []ent{jane},
			want: []wantQuote{{"Congratulations to the whole team,", "Jane Doe", "Jane Doe"}},
		},
		{
			name: "X added, no entities",
			body: `"It will take years to rebuild the town," Maria Lopez added.`,
			want: []wantQuote{{"It will take years to rebuild the town,", "Maria Lopez", ""}},
		},
		{
			name: "according to",
			body: `"The road will stay closed until Monday", according to police.`,
			want: []wantQuote{{"The road will stay closed until Monday", "police", ""}},
		},
		{
			name: "according to, before",
			body: `According to the Daily Mail, "the deal was signed last night."`,
			ents: []ent{org("Daily Mail")},
			want: []wantQuote{{"the deal was signed last night.", "Daily Mail", "Daily Mail"}},
		},
		{
			name: "quoted him saying",
			body: "Mr Smith was modest.\n\n\"Anyone would have pulled the dog out,\" the Lakeside Courier newspaper quoted him saying. \"The water was cold.\"",
			ents: []ent{smith, org("Lakeside Courier")},
			want: []wantQuote{
				{"Anyone would have pulled the dog out,", "John Smith", "John Smith"},
				{"The water was cold.", "John Smith", "John Smith"},
			},
		},
		{
			name: "was quoted as saying",
			body: `Jane Doe was quoted as saying: "We are not done yet."`,
			ents: []ent{jane},
			want: []wantQuote{{"We are not done yet.", "Jane Doe", "Jane Doe"}},
		},
		{
			name: "she, gender from titles",
			body: "Ms Doe met Mr Smith on Friday.\n\n\"We agreed on nothing at all,\" she said.",
			ents: []ent{jane, smith},
			want: []wantQuote{{"We agreed on nothing at all,", "Jane Doe", "Jane Doe"}},
		},
		{
			name: "he, gender from first names",
			body: "Peter Brown met Mary Jones.\n\n\"We agreed on nothing at all,\" he said.",
			ents: []ent{person("Peter Brown"), person("Mary Jones")},
			want: []wantQuote{{"We agreed on nothing at all,", "Peter Brown", "Peter Brown"}},
		},
		{
			name: "pronoun skips names inside quotations",
			body: "Ms Doe spoke.\n\n\"Thanks to Mary Jones for everything,\" she said.",
			ents: []ent{jane, person("Mary Jones")},
			want: []wantQuote{{"Thanks to Mary Jones for everything,", "Jane Doe", "Jane Doe"}},
		},
		{
			name: "unresolved pronoun",
			body: `"We will appeal the ruling," they said.`,
			want: []wantQuote{{"We will appeal the ruling,", "", ""}},
		},
		{
			name: "quotation over paragraphs",
			body: "Jane Doe told reporters: \"We arrived late.\n\n\"Nobody was there to help us.\n\n\"It was awful.\"\n\nThe storm passed.",
			ents: []ent{jane},
			want: []wantQuote{
				{"We arrived late.", "Jane Doe", "Jane Doe"},
				{"Nobody was there to help us.", "Jane Doe", "Jane Doe"},
				{"It was awful.", "Jane Doe", "Jane Doe"},
			},
		},
		{
			name: "following paragraph without a cue",
			body: "\"Congratulations to the whole team,\" Ms Doe tweeted.\n\n\"They have worked very hard for this.\"",
			ents: []ent{jane},
			want: []wantQuote{
				{"Congratulations to the whole team,", "Jane Doe", "Jane Doe"},
				{"They have worked very hard for this.", "Jane Doe", "Jane Doe"},
			},
		},
		{
			name: "introducing paragraph",
			body: "Smith stated,\n\n\"Daniel was picked up by an investigator in a black car.\"",
			ents: []ent{smith},
			want: []wantQuote{{"Daniel was picked up by an investigator in a black car.", "John Smith", "John Smith"}},
		},
		{
			name: "appositive after the quote",
			body: `"Had it happened an hour later it would have been much worse," Khaled Ali, editor at large at the Saudi Gazette, said.`,
			ents: []ent{person("Khaled Ali"), org("Saudi Gazette")},
			want: []wantQuote{{"Had it happened an hour later it would have been much worse,", "Khaled Ali", "Khaled Ali"}},
		},
		{
			name: "appositive and parenthetical before the quote",
			body: `Claudio Rossi, undersecretary to the prime minister, said "a table will be opened." General Ali Omar, in remarks to state television, said "there are no casualties left."`,
			ents: []ent{person("Claudio Rossi"), person("Ali Omar")},
			want: []wantQuote{
				{"a table will be opened.", "Claudio Rossi", "Claudio Rossi"},
				{"there are no casualties left.", "Ali Omar", "Ali Omar"},
			},
		},
		{
			name: "title and organisation before the name",
			body: `CEO of the Refugee Council Enver Solomon told Sky News any process "must be well thought out".`,
			ents: []ent{org("Refugee Council"), person("Enver Solomon"), org("Sky News")},
			want: []wantQuote{{"must be well thought out", "Enver Solomon", "Enver Solomon"}},
		},
		{
			name: "name inside a prepositional phrase is not the speaker",
			body: `A leaked internal letter seen by Sky News says "failure to return the form may end the claim".`,
			ents: []ent{org("Sky News")},
			want: []wantQuote{{"failure to return the form may end the claim", "A leaked internal letter seen by Sky News", ""}},
		},
		{
			name: "with X stating",
			body: `It quoted critics, with Boswell stating: "People need quicker and fairer decisions."`,
			ents: []ent{person("Caitlin Boswell", "Boswell")},
			want: []wantQuote{{"People need quicker and fairer decisions.", "Caitlin Boswell", "Caitlin Boswell"}},
		},
		{
			name: "asserted that",
			body: `Rathbun asserted that Scientology officials, "plied the detective with a grand conspiracy theory."`,
			ents: []ent{person("Mark Rathbun", "Rathbun")},
			want: []wantQuote{{"plied the detective with a grand conspiracy theory.", "Mark Rathbun", "Mark Rathbun"}},
		},
		{
			name: "coordinated short quotes share the cue",
			body: `Nunzio Galantino has called the ruling "dangerous" and "ideological".`,
			ents: []ent{person("Nunzio Galantino")},
			want: []wantQuote{
				{"dangerous", "Nunzio Galantino", "Nunzio Galantino"},
				{"ideological", "Nunzio Galantino", "Nunzio Galantino"},
			},
		},
		{
			name: "nickname is not a quotation",
			body: `Neighbours refer to her as the "Owl of Harbour Street", after her night shifts.`,
			want: nil,
		},
		{
			name: "scare quote and title are not quotations",
			body: `The site, known as "Insurgency Wiki", hosts the "History" section.`,
			want: nil,
		},
		{
			name: "long quotation without a cue keeps no speaker",
			body: `The sign read in large letters. "No one's right to refuge should be put at risk by a form."`,
			want: []wantQuote{{"No one's right to refuge should be put at risk by a form.", "", ""}},
		},
		{
			name: "curly marks",
			body: `“We will win this election,” Mr Smith said.`,
			ents: []ent{smith},
			want: []wantQuote{{"We will win this election,", "John Smith", "John Smith"}},
		},
		{
			name: "curly single marks with a cue, apostrophes ignored",
			body: `‘We will win this election’, says Smith’s rival Jane Doe.`,
			ents: []ent{jane},
			want: []wantQuote{{"We will win this election", "Jane Doe", "Jane Doe"}},
		},
		{
			name: "nested straight quotation",
			body: `He once wrote: "If we knew what we were doing, it wouldn't be called "research", would it?"`,
			want: []wantQuote{{`If we knew what we were doing, it wouldn't be called "research", would it?`, "", ""}},
		},
		{
			name: "stray mark does not swallow the paragraph",
			body: `The comet (also known as "Wild 2) was sampled. Jane Doe said "the dust is older than the Sun."`,
			ents: []ent{jane},
			want: []wantQuote{{"the dust is older than the Sun.", "Jane Doe", "Jane Doe"}},
		},
		{
			name: "unclosed mid-paragraph mark is dropped",
			body: "He called it \"a disaster for all of us here and everywhere\n\nThe end.",
			want: nil,
		},
		{
			name: "short entity of a full name",
			body: `Ruth Okafor praised him. "Well done to him for staying calm," Ms Okafor tweeted.`,
			ents: []ent{person("Ruth Okafor"), org("Ms Okafor")},
			want: []wantQuote{{"Well done to him for staying calm,", "Ruth Okafor", "Ruth Okafor"}},
		},
	}
	q := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := article(tt.body, tt.ents...)
			if _, err := q.Process(t.Context(), a); err != nil {
				t.Fatal(err)
			}
			got := a.Quotes
			if len(got) != len(tt.want) {
				t.Fatalf("got %d quotes %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Text != w.text || a.SpanText(g.Span) != g.Text {
					t.Errorf("quote %d text %q (span %q), want %q", i, g.Text, a.SpanText(g.Span), w.text)
				}
				if g.Speaker != w.speaker {
					t.Errorf("quote %d speaker %q, want %q", i, g.Speaker, w.speaker)
				}
				gotEnt := ""
				if g.SpeakerEntity >= 0 {
					gotEnt = a.Entities[g.SpeakerEntity].Name
				}
				if gotEnt != w.ent {
					t.Errorf("quote %d speaker entity %q (%d), want %q", i, gotEnt, g.SpeakerEntity, w.ent)
				}
			}
		})
	}
}

// TestLanguageGateSkipsOtherLanguages: under its gate, as in the default
// pipeline, the stage skips a French article with the reason it always
// gave.
func TestLanguageGateSkipsOtherLanguages(t *testing.T) {
	a := article(`"Nous allons gagner cette élection," a dit Jean Dupont.`)
	a.Language = &processor.Language{Code: "fr", Confidence: 0.99}
	out, err := processor.Stage(New(), LanguageGate()).Process(t.Context(), a)
	if err != nil || len(out) != 1 || out[0] != a {
		t.Fatalf("Process = %v, %v", out, err)
	}
	want := []processor.SkipRecord{{Stage: Name, Reason: "language fr is not English"}}
	if a.Quotes != nil || !slices.Equal(a.Skipped, want) {
		t.Errorf("quotes %v, skipped %v; want %v", a.Quotes, a.Skipped, want)
	}
}

func TestProcessCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := New().Process(ctx, article(`"Hi there, all of you," he said.`)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestParagraphsFromText(t *testing.T) {
	a := &processor.Article{Text: "Smith stated,\n \n\"It is over and done with now.\"\n"}
	got := New().Extract(a)
	if len(got) != 1 || got[0].Text != "It is over and done with now." {
		t.Fatalf("got %+v", got)
	}
}

// TestHostileInput checks that odd input never panics and always gives
// valid spans.
func TestHostileInput(t *testing.T) {
	tests := map[string]string{
		"100k straight marks":      strings.Repeat(`"`, 100_000),
		"100k curly pairs":         strings.Repeat(`“a” `, 25_000),
		"100k mixed marks":         strings.Repeat(`"“”„«»‘’ x, said`, 10_000),
		"unbalanced":               `"abc "def" ghi" "jkl`,
		"marks only":               "\"\n\n\"\n\n”“",
		"empty":                    "",
		"cue without subject":      `, said. "x y z w v u t s,"`,
		"invalid UTF-8":            "\"\xff\xfe said \xc3\"  he said",
		"mark at the end":          `He said "`,
		"many paragraphs":          strings.Repeat("\"Open quote goes on\n\n", 20_000),
		"100k dots in a quote":     `"a` + strings.Repeat(".", 100_000) + `" he said`,
		"100k initials in a quote": `"` + strings.Repeat("A.", 50_000) + `" he said`,
		"long cue windows":         strings.Repeat("word ", 5000) + `"quoted text here is long enough," ` + strings.Repeat("said ", 5000),
	}
	q := New()
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			a := article(body, person("Said Ali"))
			a.Paragraphs = append(a.Paragraphs, processor.Span{Start: -1, End: 5}) // invalid: recomputed
			for _, x := range q.Extract(a) {
				if x.Span.Start < 0 || x.Span.End > len(body) || x.Span.Start >= x.Span.End || body[x.Span.Start:x.Span.End] != x.Text {
					t.Fatalf("bad quote %+v", x)
				}
				if x.SpeakerEntity < -1 || x.SpeakerEntity >= len(a.Entities) {
					t.Fatalf("bad speaker entity %+v", x)
				}
			}
		})
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		`"Hello there, friends," Mr Smith said.`,
		"She said: \"one\n\n\"two\"",
		`‘x y z’, says Jane`,
		`"a "b" c" d "e`,
		"\"\xff\" said he",
	} {
		f.Add(s)
	}
	q := New()
	f.Fuzz(func(t *testing.T, body string) {
		a := article(body, person("John Smith", "Smith"))
		for _, x := range q.Extract(a) {
			if x.Span.Start < 0 || x.Span.End > len(body) || x.Span.Start >= x.Span.End || body[x.Span.Start:x.Span.End] != x.Text {
				t.Fatalf("bad quote %+v", x)
			}
		}
	})
}
