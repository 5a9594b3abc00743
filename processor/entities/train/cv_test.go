package train

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeGold writes a gold file of three articles: one whose id is a
// document of gum-devdocs in writeData's layout, two (re3d) converted from
// their gold entities.
func writeGold(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	recs := []map[string]any{
		{"id": "dAnne", "source": "gum-wikinews", "body": "Anne visited Paris.", "gold": []string{"entities"},
			"entities": []map[string]any{{"text": "Anne", "type": "PERSON", "start": 0, "end": 4, "named": true},
				{"text": "Paris", "type": "LOC", "start": 13, "end": 18, "named": true}}},
		{"id": "r1", "source": "re3d-centcom", "body": "Maria visited Oslo.", "gold": []string{"entities"},
			"entities": []map[string]any{{"text": "Maria", "type": "PERSON", "start": 0, "end": 5, "named": true},
				{"text": "Oslo", "type": "LOC", "start": 14, "end": 18, "named": true}}},
		{"id": "r2", "source": "re3d-uk-gov", "body": "John visited Lima.", "gold": []string{"entities"},
			"entities": []map[string]any{{"text": "John", "type": "PERSON", "start": 0, "end": 4, "named": true},
				{"text": "Lima", "type": "LOC", "start": 13, "end": 17, "named": true}}},
	}
	for _, r := range recs {
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "gold.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCrossValidate(t *testing.T) {
	dir := writeData(t)
	gold := writeGold(t)
	before, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := CVOptions{DataDir: dir, GoldPath: gold, Sets: []string{"gum-ccby", "gum-devdocs", "btc"}, Folds: 3, Epochs: 2, Bits: 12, Jobs: 1}
	var log bytes.Buffer
	o.Log = &log
	rep, err := CrossValidate(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "set gum-devdocs: left out") || !strings.Contains(log.String(), "1 taken from gum-devdocs, 2 converted") {
		t.Errorf("log:\n%s", log.String())
	}
	// Every document is held out exactly once.
	total, held := 0, 0
	for _, n := range rep.Documents {
		total += n
	}
	for _, f := range rep.PerFold {
		held += f.HeldOut
		if f.Trained+f.HeldOut != total {
			t.Errorf("fold %d: trained %d + held out %d != %d documents", f.Fold, f.Trained, f.HeldOut, total)
		}
	}
	if want := 4 + 4 + 3; total != want || held != total || len(rep.PerFold) != 3 {
		t.Errorf("%d documents (want %d), %d held out, %d folds", total, want, held, len(rep.PerFold))
	}
	wantGroups := []string{GroupAll, GroupDevGold, "dev-gold/gum", "dev-gold/re3d", "gum-ccby", "btc"}
	if strings.Join(rep.Groups, ",") != strings.Join(wantGroups, ",") {
		t.Errorf("groups %q, want %q", rep.Groups, wantGroups)
	}
	// The toy task is easy: names and places are learnt.
	if m := rep.Mean[GroupAll]; m.Lenient < 0.5 || m.Lenient > 1 {
		t.Errorf("mean lenient F1 over all %.3f", m.Lenient)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cross-validation: 3 folds by document, seed 1", "fold 3/3", "mean ± sample standard deviation", "dev-gold/re3d"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}

	// Deterministic, whatever the number of jobs; no file written.
	o.Jobs, o.Log = 3, nil
	again, err := CrossValidate(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rep.PerFold {
		rep.PerFold[i].Seconds, again.PerFold[i].Seconds = 0, 0
	}
	a, _ := json.Marshal(rep)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Errorf("reports differ between runs:\n%s\n%s", a, b)
	}
	after, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("cross-validation wrote into the data directory: %d entries, were %d", len(after), len(before))
	}
}

func TestCrossValidateRejects(t *testing.T) {
	dir := writeData(t)
	gold := writeGold(t)
	tests := []struct {
		name string
		o    CVOptions
	}{
		{"no data dir", CVOptions{GoldPath: gold, Folds: 2}},
		{"one fold", CVOptions{DataDir: dir, GoldPath: gold, Folds: 1}},
		{"unknown set", CVOptions{DataDir: dir, GoldPath: gold, Folds: 2, Sets: []string{"wikiner"}}},
		{"missing gold file", CVOptions{DataDir: dir, GoldPath: filepath.Join(dir, "none.jsonl"), Folds: 2}},
	}
	for _, tc := range tests {
		if _, err := CrossValidate(t.Context(), tc.o); err == nil {
			t.Errorf("%s: CrossValidate succeeded", tc.name)
		}
	}
}

// TestAssignFoldsPaired: a group's folds do not depend on the other
// groups, and the folds of a group differ in size by at most one.
func TestAssignFoldsPaired(t *testing.T) {
	mk := func(groups ...string) []cvDoc {
		var docs []cvDoc
		for _, g := range groups {
			for range 23 {
				docs = append(docs, cvDoc{group: g})
			}
		}
		return docs
	}
	a := mk("gum-ccby", "dev-gold/re3d")
	b := mk("gmb", "gum-ccby", "btc", "dev-gold/re3d")
	assignFolds(a, []string{"gum-ccby", "dev-gold/re3d"}, 5, 7)
	assignFolds(b, []string{"gmb", "gum-ccby", "btc", "dev-gold/re3d"}, 5, 7)
	folds := func(docs []cvDoc, g string) []int {
		var f []int
		for _, d := range docs {
			if d.group == g {
				f = append(f, d.fold)
			}
		}
		return f
	}
	for _, g := range []string{"gum-ccby", "dev-gold/re3d"} {
		fa, fb := folds(a, g), folds(b, g)
		if !slices.Equal(fa, fb) {
			t.Errorf("%s: folds %v with two groups, %v with four", g, fa, fb)
		}
		size := map[int]int{}
		for _, f := range fa {
			size[f]++
		}
		for k := range 5 {
			if size[k] < 4 || size[k] > 5 {
				t.Errorf("%s: fold %d holds %d of 23 documents", g, k, size[k])
			}
		}
	}
}
