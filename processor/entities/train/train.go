// Package train builds the named-entity model that processor/entities
// embeds, from token-per-line BIO corpora (the layout of the project's
// shared training data; see Sets) and optional gazetteers.
//
// The model is an averaged perceptron over hashed features; see package
// tagger. Training is deterministic for given inputs and options and runs
// on one goroutine: with the default sets and options it takes about 10 s
// and 170 MB of memory; with the five licensed-to-train sets (gmb,
// gum-ccby, gum-ccbysa, wnut17, btc) about 30 s and 300 MB.
//
// Run is what "newsflow train" calls; CrossValidate is what "newsflow
// train --cv K" calls: document-level K-fold cross-validation over the
// sets plus the development gold articles, scored like "newsflow eval"
// scores them, writing no model. GoldDocument turns a gold article into a
// training document.
//
// The set "gum-devdocs" holds the GUM articles of the development gold
// file. It is no default set: a model trained on it scores that file too
// high, and the figures of the development file must come from a model
// that never saw its articles.
package train

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// setFiles maps the name of each known training set to its file under the
// data directory. Every set's licence is in the LICENSE file beside it.
var setFiles = map[string]string{
	"gmb":         "gmb/gmb-kaggle-ner.conll",
	"gum-ccby":    "gum/gum-train-ccby.conll",
	"gum-ccbysa":  "gum/gum-train-ccbysa.conll",
	"gum-devdocs": DevDocsFile,
	"wnut17":      "wnut17/wnut17-all.conll",
	"btc":         "btc/btc-all.conll",
}

// DevDocsFile is the file, under the data directory, of the set
// "gum-devdocs": the 21 GUM articles that are also in the development gold
// file (articles-gold-dev.jsonl), in the form of the GUM training data. A
// model trained on it scores that file too high: it is no default set, and
// cross-validation uses it only for the folds that do not score those
// articles.
const DevDocsFile = "gum/gum-devdocs-ccby.conll"

// DefaultSets returns the sets the shipped model is trained on: the ones
// under CC BY terms (see NOTICE), without gum-devdocs. The share-alike and
// unclear-licence sets (gum-ccbysa, gmb) are left out for their terms.
func DefaultSets() []string { return []string{"gum-ccby", "wnut17", "btc"} }

// Sets returns the names of the known training sets, sorted.
func Sets() []string {
	names := make([]string, 0, len(setFiles))
	for n := range setFiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DefaultGazetteers returns the gazetteer lists (file stems under gazetteer/,
// see tagger.GazNames) the shipped model uses. "norp" is left out: part of
// it was derived from the GMB annotations.
func DefaultGazetteers() []string { return []string{"loc", "loc-countries", "org", "person-first"} }

// Defaults of the shipped model.
const (
	DefaultEpochs = 20
	DefaultBits   = 19
)

// Options control Run.
type Options struct {
	// DataDir holds the training data (the sets' files and gazetteer/).
	DataDir string
	// Sets are the names of the sets to train on (see Sets); empty means
	// DefaultSets().
	Sets []string
	// Gazetteers are the gazetteer lists to use (tagger.GazNames stems);
	// empty means DefaultGazetteers().
	Gazetteers []string
	// NoGazetteers leaves every gazetteer list out of the model.
	NoGazetteers bool
	// Out receives the model; if nil, OutPath is created (written to a
	// temporary file and renamed, so a failed run leaves no partial model).
	Out     io.Writer
	OutPath string
	// Epochs is the number of training passes; 0 means DefaultEpochs.
	Epochs int
	// Bits is log2 of the number of feature buckets (the model holds
	// 16 << Bits bytes of weights in memory); 0 means DefaultBits.
	Bits uint
	// Log receives progress lines; nil for none.
	Log io.Writer
}

// Run trains a model as o says and writes it to o.Out or o.OutPath.
func Run(ctx context.Context, o Options) error {
	if o.DataDir == "" {
		return errors.New("train: DataDir is required")
	}
	if o.Out == nil && o.OutPath == "" {
		return errors.New("train: Out or OutPath is required")
	}
	if len(o.Sets) == 0 {
		o.Sets = DefaultSets()
	}
	if len(o.Gazetteers) == 0 {
		o.Gazetteers = DefaultGazetteers()
	}
	if o.Epochs == 0 {
		o.Epochs = DefaultEpochs
	}
	if o.Bits == 0 {
		o.Bits = DefaultBits
	}
	logf := logger(o.Log)
	start := time.Now()
	var docs []tagger.Document
	for _, name := range o.Sets {
		d, _, err := readSet(o.DataDir, name)
		if err != nil {
			return err
		}
		logf("set %s: %d documents", name, len(d))
		if name == "gum-devdocs" {
			logf("note: gum-devdocs holds the GUM articles of the development gold file: this model will score that file too high")
		}
		docs = append(docs, d...)
	}
	gaz, err := loadGazetteers(o.DataDir, o.Gazetteers, o.NoGazetteers, logf)
	if err != nil {
		return err
	}
	m, err := tagger.Train(ctx, docs, gaz, tagger.TrainOptions{Epochs: o.Epochs, Bits: o.Bits, Log: o.Log})
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	st := m.Stats()
	logf("trained in %s: %d non-zero weight rows of 2^%d, %d gazetteer entries", time.Since(start).Round(time.Second), st.NonZeroRows, st.HashBits, st.GazEntries)
	if o.Out != nil {
		return m.Encode(o.Out)
	}
	return writeFile(o.OutPath, m)
}

func writeFile(path string, m *tagger.Model) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".model-*")
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	defer os.Remove(f.Name()) // no-op after a successful rename
	bw := bufio.NewWriter(f)
	if err := m.Encode(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("train: write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// logger returns a printf to w, one line per call; nothing when w is nil.
func logger(w io.Writer) func(format string, args ...any) {
	return func(format string, args ...any) {
		if w != nil {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
}

// readSet reads the documents of the named set, with their ids.
func readSet(dataDir, name string) ([]tagger.Document, []string, error) {
	rel, ok := setFiles[name]
	if !ok {
		return nil, nil, fmt.Errorf("train: unknown set %q (known: %s)", name, strings.Join(Sets(), ", "))
	}
	return readCoNLL(filepath.Join(dataDir, rel))
}

// loadGazetteers reads the gazetteer lists named by stems (none with
// noGaz; nil returns no gazetteer).
func loadGazetteers(dataDir string, stems []string, noGaz bool, logf func(string, ...any)) (*tagger.Gazetteer, error) {
	if noGaz {
		return nil, nil
	}
	var lists [tagger.NumGazetteers][]string
	names := tagger.GazNames()
	for _, stem := range stems {
		i := slices.Index(names[:], stem)
		if i < 0 {
			return nil, fmt.Errorf("train: unknown gazetteer %q (known: %s)", stem, strings.Join(names[:], ", "))
		}
		l, err := readLines(filepath.Join(dataDir, "gazetteer", stem+".txt"))
		if err != nil {
			return nil, err
		}
		lists[i] = l
		logf("gazetteer %s: %d names", stem, len(l))
	}
	return tagger.NewGazetteer(lists), nil
}

// ReadCoNLL reads a TOKEN<TAB>TAG file: a blank line ends a sentence and a
// "# doc: ID" line starts a document (a file without them is one
// document per sentence).
func ReadCoNLL(path string) ([]tagger.Document, error) {
	docs, _, err := readCoNLL(path)
	return docs, err
}

// readCoNLL is ReadCoNLL that also returns each document's id (the text
// after "# doc:", or "" for a file without document lines).
func readCoNLL(path string) ([]tagger.Document, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	var (
		docs    []tagger.Document
		ids     []string
		id      string
		cur     tagger.Document
		sent    tagger.Sentence
		hasDocs bool
	)
	endSent := func() {
		if len(sent.Words) > 0 {
			cur = append(cur, sent)
			sent = tagger.Sentence{}
			if !hasDocs {
				docs = append(docs, cur)
				ids = append(ids, "")
				cur = nil
			}
		}
	}
	endDoc := func() {
		endSent()
		if len(cur) > 0 {
			docs = append(docs, cur)
			ids = append(ids, id)
			cur = nil
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		switch {
		case strings.HasPrefix(t, "# doc:"):
			hasDocs = true
			endDoc()
			id = strings.TrimSpace(strings.TrimPrefix(t, "# doc:"))
		case strings.TrimSpace(t) == "":
			endSent()
		default:
			word, tag, ok := strings.Cut(t, "\t")
			tg, known := tagger.ParseTag(strings.TrimSpace(tag))
			if !ok || !known || word == "" {
				return nil, nil, fmt.Errorf("train: %s:%d: want TOKEN<TAB>TAG, got %q", path, line, t)
			}
			sent.Words = append(sent.Words, word)
			sent.Tags = append(sent.Tags, tg)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("train: read %s: %w", path, err)
	}
	endDoc()
	return docs, ids, nil
}

func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}
