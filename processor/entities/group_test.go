package entities

import (
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// annotated builds a document from space-separated tokens where
// "[TYPE w1 w2]" marks what the tagger is taken to have tagged, and a
// token "|" ends a sentence (it is not part of the text).
func annotated(t *testing.T, src string) *doc {
	t.Helper()
	d := &doc{}
	var words []string
	var tags []uint8
	typ := ""
	inside := false
	for _, f := range strings.Fields(src) {
		if f == "|" {
			d.ends = append(d.ends, len(words))
			continue
		}
		if strings.HasPrefix(f, "[") {
			typ, inside = f[1:], false
			continue
		}
		w, closing := strings.CutSuffix(f, "]")
		tag := "O"
		if typ != "" {
			if inside {
				tag = "I-" + typ
			} else {
				tag = "B-" + typ
			}
			inside = true
		}
		tg, ok := tagger.ParseTag(tag)
		if !ok {
			t.Fatalf("bad tag %q", tag)
		}
		words = append(words, w)
		tags = append(tags, tg)
		if closing {
			typ = ""
		}
	}
	if len(d.ends) == 0 || d.ends[len(d.ends)-1] != len(words) {
		d.ends = append(d.ends, len(words))
	}
	d.text = strings.Join(words, " ")
	off := 0
	for _, w := range words {
		d.spans = append(d.spans, tagger.Span{Start: off, End: off + len(w)})
		d.words = append(d.words, w)
		off += len(w) + 1
	}
	d.tags = tags
	return d
}

func run(d *doc) []processor.Entity {
	d.analyse()
	return d.group()
}

func find(es []processor.Entity, name string) *processor.Entity {
	for i := range es {
		if es[i].Name == name {
			return &es[i]
		}
	}
	return nil
}

func TestGrouping(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		entity   string
		typ      string
		mentions int
		aliases  []string
		absent   []string // names that must not be entities
	}{
		{
			name:     "short forms and honorific join the full name",
			src:      "[PERSON Mamoudou Gassama] climbed . | Mr [PERSON Gassama] was thanked . | [PERSON Gassama] smiled .",
			entity:   "Mamoudou Gassama",
			typ:      "PERSON",
			mentions: 3,
			aliases:  []string{"Mr Gassama", "Gassama"},
		},
		{
			name:     "an untagged recurrence of a name part is found",
			src:      "Mayor [PERSON Anne Hidalgo] spoke . | Later Hidalgo tweeted .",
			entity:   "Anne Hidalgo",
			typ:      "PERSON",
			mentions: 2,
			aliases:  []string{"Hidalgo"},
		},
		{
			name:     "titles are stripped",
			src:      "[PERSON President Emmanuel Macron] invited him .",
			entity:   "Emmanuel Macron",
			typ:      "PERSON",
			mentions: 1,
			absent:   []string{"President Emmanuel Macron"},
		},
		{
			name:     "a title inside the name is cut with what precedes it",
			src:      "[PERSON Paris Mayor Anne Hidalgo] praised him . | [LOC Paris] is proud .",
			entity:   "Anne Hidalgo",
			typ:      "PERSON",
			mentions: 1,
			absent:   []string{"Paris Mayor Anne Hidalgo"},
		},
		{
			name:     "an honorific makes a person of a mistyped name",
			src:      "[PERSON Anne Hidalgo] said . | [ORG Ms Hidalgo] tweeted .",
			entity:   "Anne Hidalgo",
			typ:      "PERSON",
			mentions: 2,
			aliases:  []string{"Hidalgo", "Ms Hidalgo"},
		},
		{
			name:     "majority type wins",
			src:      "[LOC Paris] is big . | [LOC Paris] is old . | [ORG Paris] won .",
			entity:   "Paris",
			typ:      "LOC",
			mentions: 3,
		},
		{
			name:     "an acronym joins its organisation",
			src:      "the [ORG World Health Organization] said . | The [ORG WHO] agreed .",
			entity:   "World Health Organization",
			typ:      "ORG",
			mentions: 2,
			aliases:  []string{"WHO"},
		},
		{
			name:     "a place head word fixes the type",
			src:      "invited to the [ORG Elysee Palace] today",
			entity:   "Elysee Palace",
			typ:      "LOC",
			mentions: 1,
		},
		{
			name:     "an organisation cue after the name fixes the type",
			src:      "[PERSON Le Parisien] newspaper quoted him",
			entity:   "Le Parisien",
			typ:      "ORG",
			mentions: 1,
		},
		{
			name:     "lower-case and punctuation edges are trimmed",
			src:      "the [ORG Ministry of Foreign Affairs of] [LOC Iraq]",
			entity:   "Ministry of Foreign Affairs",
			typ:      "ORG",
			mentions: 1,
		},
		{
			name:     "an untagged organisation-shaped phrase is found",
			src:      "He joined the 158th Fighter Wing in May .",
			entity:   "158th Fighter Wing",
			typ:      "ORG",
			mentions: 1,
		},
		{
			name:     "an organisation phrase absorbs the places inside it",
			src:      "The [NORP Syrian] Democratic Forces and the [LOC Kurdistan] Regional Government met .",
			entity:   "Syrian Democratic Forces",
			typ:      "ORG",
			mentions: 1,
			absent:   []string{"Syrian", "Kurdistan"},
		},
		{
			name:     "joiners stay inside, a leading the goes",
			src:      "the Church of England and the [PERSON Archbishop] spoke",
			entity:   "Church of England",
			typ:      "ORG",
			mentions: 1,
		},
		{
			name:     "person mentions side by side are one name",
			src:      "Sergeant [PERSON Matt] [PERSON Ratana] was shot .",
			entity:   "Matt Ratana",
			typ:      "PERSON",
			mentions: 1,
		},
		{
			name:   "all lower-case mentions are dropped",
			src:    "the [ORG coalition] said",
			absent: []string{"coalition"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := run(annotated(t, tc.src))
			for _, a := range tc.absent {
				if find(es, a) != nil {
					t.Errorf("entity %q should not exist: %+v", a, es)
				}
			}
			if tc.entity == "" {
				return
			}
			e := find(es, tc.entity)
			if e == nil {
				t.Fatalf("no entity %q in %+v", tc.entity, es)
			}
			if e.Type != tc.typ || e.Mentions != tc.mentions || len(e.Spans) != tc.mentions {
				t.Errorf("entity %q: type %s, %d mentions, %d spans; want %s, %d", e.Name, e.Type, e.Mentions, len(e.Spans), tc.typ, tc.mentions)
			}
			for _, al := range tc.aliases {
				if !slices.Contains(e.Aliases, al) {
					t.Errorf("entity %q: aliases %q lack %q", e.Name, e.Aliases, al)
				}
			}
		})
	}
}

func TestSalience(t *testing.T) {
	d := annotated(t, "[LOC Paris] and [LOC Paris] again | [ORG Facebook] said | then many more words follow here at the end of it | [LOC Mali]")
	es := run(d)
	if len(es) != 3 {
		t.Fatalf("got %d entities, want 3: %+v", len(es), es)
	}
	if es[0].Name != "Paris" || es[len(es)-1].Name != "Mali" {
		t.Errorf("salience order %q, %q, %q; want Paris first and Mali last", es[0].Name, es[1].Name, es[2].Name)
	}
	var sum float64
	for _, e := range es {
		if e.Salience <= 0 || e.Salience > 1 {
			t.Errorf("salience of %q = %v, want in (0, 1]", e.Name, e.Salience)
		}
		sum += e.Salience
	}
	if sum < 0.999 || sum > 1.001 {
		t.Errorf("saliences sum to %v, want 1", sum)
	}
}

func TestSpansAreByteOffsets(t *testing.T) {
	d := annotated(t, "Café de [PERSON José Müller] in [LOC Zürich]")
	for _, e := range run(d) {
		for _, sp := range e.Spans {
			if got := d.text[sp.Start:sp.End]; got != e.Name {
				t.Errorf("span %v of %q covers %q", sp, e.Name, got)
			}
		}
	}
}

func TestRulesNeedingTheModel(t *testing.T) {
	m, err := tagger.Decode(embeddedModel)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, src   string
		entity, typ string
		absent      string
	}{
		{
			name:   "a demonym before a lower-case word is NORP",
			src:    "The [LOC Iraqi] forces advanced on [LOC Mosul] .",
			entity: "Iraqi", typ: "NORP",
		},
		{
			name:   "a known place before a lower-case word stays a place",
			src:    "The [LOC Paris] district was calm .",
			entity: "Paris", typ: "LOC",
		},
		{
			name:   "acronyms are never demonyms",
			src:    "It was discussed in [LOC U.S] arms control journals .",
			entity: "U.S", typ: "LOC",
		},
		{
			name:   "an organisation-typed demonym is NORP",
			src:    "[ORG Chinese] officials met .",
			entity: "Chinese", typ: "NORP",
		},
		{
			name:   "an organisation with an -ic ending stays one",
			src:    "[ORG Panasonic] said so .",
			entity: "Panasonic", typ: "ORG",
		},
		{
			name:   "a first name with a demonym's ending stays a person",
			src:    "[PERSON Brian] said so .",
			entity: "Brian", typ: "PERSON",
		},
		{
			name:   "a common word starting a sentence is no name",
			src:    "Crowds gathered . | [PERSON People] said nothing .",
			absent: "People",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := annotated(t, tc.src)
			d.model = m
			es := run(d)
			if tc.absent != "" && find(es, tc.absent) != nil {
				t.Errorf("entity %q should not exist: %+v", tc.absent, es)
			}
			if tc.entity == "" {
				return
			}
			e := find(es, tc.entity)
			if e == nil || e.Type != tc.typ {
				t.Errorf("entity %q: got %+v, want type %s", tc.entity, e, tc.typ)
			}
		})
	}
}
