package train

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// writeData lays out a tiny data directory with every set and gazetteer.
func writeData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	people := []string{"Anne", "Pierre", "Maria", "John"}
	places := []string{"Paris", "Mali", "Lima", "Oslo"}
	for i, p := range people {
		b.WriteString("# doc: d" + p + "\n")
		for j, l := range places {
			if (i+j)%3 == 0 {
				continue
			}
			b.WriteString(p + "\tB-PERSON\nvisited\tO\n" + l + "\tB-LOC\n.\tO\n\n")
		}
	}
	for _, rel := range setFiles {
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "gazetteer"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, stem := range tagger.GazNames() {
		if err := os.WriteFile(filepath.Join(dir, "gazetteer", stem+".txt"), []byte("Paris\nAnne\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReadCoNLL(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		in      string
		docs    int
		sents   []int // sentences per document
		wantErr bool
	}{
		{"documents", "# doc: a\nA\tB-PERSON\nb\tO\n\nC\tO\n\n# doc: b\nD\tB-LOC\n", 2, []int{2, 1}, false},
		{"no document lines: one per sentence", "A\tO\n\nB\tO\n\n\nC\tO\n", 3, []int{1, 1, 1}, false},
		{"bad tag", "A\tB-DATE\n", 0, nil, true},
		{"missing tab", "A O\n", 0, nil, true},
		{"empty file", "", 0, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".conll")
			if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
				t.Fatal(err)
			}
			docs, err := ReadCoNLL(path)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(docs) != tc.docs {
				t.Fatalf("%d documents, want %d", len(docs), tc.docs)
			}
			for i, n := range tc.sents {
				if len(docs[i]) != n {
					t.Errorf("document %d: %d sentences, want %d", i, len(docs[i]), n)
				}
			}
		})
	}
	if _, err := ReadCoNLL(filepath.Join(dir, "missing.conll")); err == nil {
		t.Error("ReadCoNLL of a missing file succeeded")
	}
}

func TestRun(t *testing.T) {
	dir := writeData(t)
	var model, log bytes.Buffer
	err := Run(t.Context(), Options{DataDir: dir, Sets: []string{"gum-ccby", "wnut17"}, Out: &model, Epochs: 3, Bits: 12, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "set gum-ccby") || !strings.Contains(log.String(), "epoch 3") {
		t.Errorf("log lacks progress lines:\n%s", log.String())
	}
	m, err := tagger.Decode(model.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"Anne", "visited", "Paris", "."}
	tags := m.Tag(words, []int{len(words)}, nil)
	if tags[0] != tagger.TagBPerson || tags[2] != tagger.TagBLoc {
		t.Errorf("tags %v, want B-PERSON O B-LOC O", tags)
	}

	// OutPath: the file appears whole.
	out := filepath.Join(t.TempDir(), "model.bin")
	if err := Run(t.Context(), Options{DataDir: dir, Sets: []string{"btc"}, OutPath: out, Epochs: 1, Bits: 12, NoGazetteers: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tagger.Decode(b); err != nil {
		t.Errorf("written model does not decode: %v", err)
	}
}

func TestRunRejects(t *testing.T) {
	dir := writeData(t)
	var out bytes.Buffer
	tests := []struct {
		name string
		o    Options
	}{
		{"no data dir", Options{Out: &out}},
		{"no output", Options{DataDir: dir}},
		{"unknown set", Options{DataDir: dir, Out: &out, Sets: []string{"wikiner"}}},
		{"missing data", Options{DataDir: t.TempDir(), Out: &out}},
	}
	for _, tc := range tests {
		if err := Run(t.Context(), tc.o); err == nil {
			t.Errorf("%s: Run succeeded", tc.name)
		}
	}
}
