package train

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// record builds a gold record; each entity is {text, type, named ("y" or
// "n")}, found in body by text, in code points.
func record(t *testing.T, body string, ents ...[3]string) *eval.Record {
	t.Helper()
	r := &eval.Record{ID: "r", Source: "re3d-test", Body: body}
	from := 0
	for _, e := range ents {
		i := strings.Index(body[from:], e[0])
		if i < 0 {
			t.Fatalf("%q not in body after byte %d", e[0], from)
		}
		i += from
		st := utf8.RuneCountInString(body[:i])
		r.Entities = append(r.Entities, eval.GoldEntity{Text: e[0], Type: e[1], Start: st,
			End: st + utf8.RuneCountInString(e[0]), Named: e[2] == "y"})
	}
	return r
}

// tagged renders a document as "word/TAG" (O tags left out), sentences
// separated by " | ".
func tagged(d tagger.Document) string {
	var sents []string
	for _, s := range d {
		var ws []string
		for i, w := range s.Words {
			if s.Tags[i] == tagger.TagUnknown {
				w += "/?"
			} else if s.Tags[i] != tagger.TagO {
				w += "/" + tagger.TagName(s.Tags[i])
			}
			ws = append(ws, w)
		}
		sents = append(sents, strings.Join(ws, " "))
	}
	return strings.Join(sents, " | ")
}

func TestGoldDocument(t *testing.T) {
	tests := []struct {
		name    string
		rec     *eval.Record
		want    string
		unknown int
	}{
		{
			name: "titles and determiners are dropped, dates untagged",
			rec: record(t, "Defense Secretary Ash Carter met the Kurdish YPG in Erbil on 12 May.",
				[3]string{"Defense Secretary Ash Carter", "PERSON", "y"}, [3]string{"the Kurdish YPG", "ORG", "y"},
				[3]string{"Erbil", "LOC", "y"}, [3]string{"12 May", "DATE", "n"}),
			want: "Defense Secretary Ash/B-PERSON Carter/I-PERSON met the Kurdish/B-ORG YPG/I-ORG in Erbil/B-LOC on 12 May .",
		},
		{
			name: "a span is split at commas; sentences split",
			rec: record(t, "He flew to Istanbul, Turkey. The Foreign Secretary said so.",
				[3]string{"Istanbul, Turkey", "LOC", "y"}, [3]string{"The Foreign Secretary", "PERSON", "y"}),
			want: "He flew to Istanbul/B-LOC , Turkey/B-LOC . | The Foreign Secretary said so .",
		},
		{
			name: "a role phrase is unknown",
			rec: record(t, "Minister for the Middle East Tobias Ellwood spoke.\n\nIt was cold.",
				[3]string{"Minister for the Middle East Tobias Ellwood", "PERSON", "y"}),
			want:    "Minister/? for/? the/? Middle/? East/? Tobias/? Ellwood/? spoke . | It was cold .",
			unknown: 7,
		},
		{
			name: "the capitalised words of an unnamed mention are unknown, but for named ones",
			rec: record(t, "Iraqi security forces advanced. We welcome the city of Mosul.",
				[3]string{"Iraqi security forces", "ORG", "n"}, [3]string{"We", "ORG", "n"},
				[3]string{"the city of Mosul", "LOC", "n"}, [3]string{"Mosul", "LOC", "y"}),
			want:    "Iraqi/? security forces advanced . | We welcome the city of Mosul/B-LOC .",
			unknown: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, unknown := GoldDocument(tc.rec)
			if got := tagged(d); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if unknown != tc.unknown {
				t.Errorf("%d unknown words, want %d", unknown, tc.unknown)
			}
		})
	}
}

// TestGoldDocumentDevFile converts every re3d record of the development
// gold file and checks that few words are left unknown.
func TestGoldDocumentDevFile(t *testing.T) {
	f, err := os.Open(shareddata.Path(t, "articles-gold-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := eval.ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	var words, unknown, ents int
	for i := range recs {
		if recs[i].Corpus() != "re3d" {
			continue
		}
		d, n := GoldDocument(&recs[i])
		unknown += n
		for _, s := range d {
			words += len(s.Words)
			for _, tg := range s.Tags {
				if tg != tagger.TagO && tg != tagger.TagUnknown && !tagger.IsInside(tg) {
					ents++
				}
			}
		}
	}
	t.Logf("re3d: %d words, %d unknown, %d entity mentions", words, unknown, ents)
	if ents < 300 || unknown*20 > words {
		t.Errorf("%d words, %d unknown, %d entity mentions", words, unknown, ents)
	}
}
