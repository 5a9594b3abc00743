package tagger

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Mr Gassama's rescue", []string{"Mr", "Gassama", "'s", "rescue"}},
		{"Macron’s visit.", []string{"Macron", "’s", "visit", "."}},
		{"the U.S. and U.N. said", []string{"the", "U.S.", "and", "U.N.", "said"}},
		{"Mr. Smith, Dr. Who", []string{"Mr.", "Smith", ",", "Dr.", "Who"}},
		{"a 22-year-old in 1,000.5 cases", []string{"a", "22-year-old", "in", "1,000.5", "cases"}},
		{"don't O'Brien al-Qaida", []string{"don", "'t", "O'Brien", "al-Qaida"}},
		{"\"Spiderman of the 18th\"", []string{"\"", "Spiderman", "of", "the", "18th", "\""}},
		{"end.", []string{"end", "."}},
		{"J. K. Rowling", []string{"J.", "K.", "Rowling"}},
		{"", nil},
		{"  \n\n ", nil},
		{"bad \xff byte", []string{"bad", "\xff", "byte"}},
	}
	for _, tc := range tests {
		var got []string
		for _, s := range Tokenize(tc.in, nil) {
			got = append(got, tc.in[s.Start:s.End])
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTag(t *testing.T) {
	for i, n := range tagNames() {
		got, ok := ParseTag(n)
		if !ok || int(got) != i {
			t.Errorf("ParseTag(%q) = %d, %v; want %d", n, got, ok, i)
		}
	}
	if _, ok := ParseTag("B-DATE"); ok {
		t.Error("ParseTag accepted B-DATE")
	}
	tests := []struct {
		prev, t uint8
		want    bool
	}{
		{TagO, TagIPerson, false},
		{TagBPerson, TagIPerson, true},
		{TagIPerson, TagIPerson, true},
		{TagBOrg, TagIPerson, false},
		{TagO, TagBLoc, true},
		{tagBOS, TagILoc, false},
	}
	for _, tc := range tests {
		if got := allowed(tc.prev, tc.t); got != tc.want {
			t.Errorf("allowed(%s, %s) = %v", TagName(tc.prev), TagName(tc.t), got)
		}
	}
}

func TestGazetteerMatch(t *testing.T) {
	g := NewGazetteer([numGaz][]string{
		GazLOC:       {"New York", "York", "Paris"},
		GazCountry:   {"France"},
		GazORG:       {"New York Times"},
		GazFirstName: {"Anne"},
	})
	words := strings.Fields("Anne went from New York to France and read the New York Times")
	lower := make([]uint64, len(words))
	for i, w := range words {
		lower[i] = hashLower(w)
	}
	lex := buildLex(g, newVocab([4][]string{}))
	first := make([]uint16, len(words))
	for i := range words {
		first[i] = lex[lower[i]]
	}
	masks := make([]uint16, len(words))
	match(lex, words, lower, first, masks)
	want := map[int]uint16{
		0:  gmFirst,
		3:  gmLocB,
		4:  gmLocI | gmLocB, // "York" is a place of its own too
		6:  gmCountry | gmLocB,
		10: gmLocB | gmOrgB,
		11: gmLocI | gmLocB | gmOrgI,
		12: gmOrgI,
	}
	for i := range words {
		if masks[i] != want[i] {
			t.Errorf("mask of %q (%d) = %07b, want %07b", words[i], i, masks[i], want[i])
		}
	}
}

// tinyCorpus is a toy training set: "X visited Y" with known names.
func tinyCorpus() []Document {
	people := []string{"Anne", "Pierre", "Maria", "John", "Ahmed", "Li"}
	places := []string{"Paris", "Mali", "Lima", "Oslo", "Cairo", "Quito"}
	var docs []Document
	for i, p := range people {
		for j, l := range places {
			if (i+j)%5 == 0 {
				continue // held out
			}
			docs = append(docs, Document{{
				Words: []string{p, "visited", l, "today", "."},
				Tags:  []uint8{TagBPerson, TagO, TagBLoc, TagO, TagO},
			}})
		}
	}
	return docs
}

func TestTrainEncodeDecode(t *testing.T) {
	docs := tinyCorpus()
	m, err := Train(t.Context(), docs, nil, TrainOptions{Epochs: 5, Bits: 14})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.w, m2.w) || m.scale != m2.scale || m.bits != m2.bits {
		t.Fatal("decoded model differs from the encoded one")
	}
	// A held-out combination is tagged from context.
	words := []string{"Anne", "visited", "Paris", "today", "."}
	got := m2.Tag(words, []int{len(words)}, nil)
	want := []uint8{TagBPerson, TagO, TagBLoc, TagO, TagO}
	if !slices.Equal(got, want) {
		t.Errorf("Tag(%q) = %v, want %v", words, got, want)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	tests := [][]byte{nil, []byte("nope"), []byte(magic), append([]byte(magic), 0xff, 0xff, 0xff)}
	for _, b := range tests {
		if _, err := Decode(b); err == nil {
			t.Errorf("Decode(%q) succeeded", b)
		}
	}
}

func TestTrainOptions(t *testing.T) {
	if _, err := Train(t.Context(), nil, nil, TrainOptions{}); err == nil {
		t.Error("Train with no data succeeded")
	}
	if _, err := Train(t.Context(), tinyCorpus(), nil, TrainOptions{Bits: 40}); err == nil {
		t.Error("Train with Bits 40 succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Train(ctx, tinyCorpus(), nil, TrainOptions{Bits: 12}); err == nil {
		t.Error("Train with a cancelled context succeeded")
	}
}

func TestTagEmptyAndConcurrent(t *testing.T) {
	m, err := Train(t.Context(), tinyCorpus(), nil, TrainOptions{Epochs: 2, Bits: 12})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Tag(nil, nil, nil); len(got) != 0 {
		t.Errorf("Tag(nil) = %v", got)
	}
	done := make(chan []uint8, 4)
	for range 4 {
		go func() {
			w := []string{"Maria", "visited", "Oslo", "."}
			done <- m.Tag(w, []int{len(w)}, nil)
		}()
	}
	first := <-done
	for range 3 {
		if got := <-done; !slices.Equal(got, first) {
			t.Errorf("concurrent Tag results differ: %v vs %v", got, first)
		}
	}
}

// TestTrainUnknownTags: words tagged TagUnknown teach nothing. A sentence
// of unknown words (each seen once, so not in the casing vocabulary) added
// to a document leaves the model as it was.
func TestTrainUnknownTags(t *testing.T) {
	encode := func(docs []Document) []byte {
		t.Helper()
		m, err := Train(t.Context(), docs, nil, TrainOptions{Epochs: 3, Bits: 12})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := m.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	base := encode(tinyCorpus())
	docs := tinyCorpus()
	docs[0] = append(docs[0], Sentence{
		Words: []string{"Zorblax", "Quuxton", "wibbled"},
		Tags:  []uint8{TagUnknown, TagUnknown, TagUnknown},
	})
	if got := encode(docs); !bytes.Equal(got, base) {
		t.Error("a sentence of unknown tags changed the model")
	}
	docs[0][len(docs[0])-1].Tags = []uint8{TagBPerson, TagIPerson, TagO}
	if got := encode(docs); bytes.Equal(got, base) {
		t.Error("the same sentence with tags did not change the model")
	}
}
