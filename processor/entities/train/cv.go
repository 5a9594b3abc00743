package train

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/entities/tagger"
	"github.com/newsflow/newsflow/processor/segment"
)

// CVOptions control CrossValidate. Zero values take the defaults of Run.
type CVOptions struct {
	// DataDir, Sets, Gazetteers, NoGazetteers, Epochs and Bits are as in
	// Options. A "gum-devdocs" in Sets is ignored: its documents take part
	// as development gold documents.
	DataDir      string
	Sets         []string
	Gazetteers   []string
	NoGazetteers bool
	Epochs       int
	Bits         uint
	// GoldPath is the development gold file (JSON Lines, the format of
	// package internal/eval) whose articles join the folds; empty means
	// DefaultGoldPath(DataDir).
	GoldPath string
	// Folds is K, at least 2.
	Folds int
	// Seed drives the fold assignment and the training shuffles; 0 means 1.
	Seed uint64
	// Jobs is the number of folds trained at once; 0 means
	// min(Folds, GOMAXPROCS). Each holds about 150 MB while it trains (with
	// the default Bits). The result does not depend on it.
	Jobs int
	// Log receives progress lines; nil for none.
	Log io.Writer
}

// DefaultGoldPath returns where the development gold file lies beside the
// training data directory (the layout of the project's shared data):
// dataDir/../articles-gold-dev.jsonl.
func DefaultGoldPath(dataDir string) string {
	return filepath.Join(dataDir, "..", "articles-gold-dev.jsonl")
}

// Group names of a CVReport besides the sets' names.
const (
	GroupAll     = "all"      // every held-out document
	GroupDevGold = "dev-gold" // the development gold articles
)

// CVReport is the outcome of CrossValidate. It marshals to JSON as is.
type CVReport struct {
	Folds int      `json:"folds"`
	Seed  uint64   `json:"seed"`
	Sets  []string `json:"sets"`
	Gold  string   `json:"gold"`
	// Documents counts the documents of each group: each set, and
	// "dev-gold/CORPUS" for the gold articles of each corpus.
	Documents map[string]int `json:"documents"`
	// Groups lists the groups scored, in report order: "all", "dev-gold",
	// "dev-gold/CORPUS"…, then the sets.
	Groups  []string `json:"groups"`
	PerFold []CVFold `json:"per_fold"`
	// Mean and SD are the mean and the sample standard deviation over the
	// folds of each group's F1 figures.
	Mean map[string]CVFigures `json:"mean"`
	SD   map[string]CVFigures `json:"sd"`
}

// CVFold is the outcome of one fold.
type CVFold struct {
	Fold         int     `json:"fold"` // 1-based
	Trained      int     `json:"trained_documents"`
	HeldOut      int     `json:"held_out_documents"`
	Seconds      float64 `json:"seconds"`
	UnknownWords int     `json:"unknown_words"` // TagUnknown words trained on (see GoldDocument)
	// Scores holds the entity scores of the held-out documents per group.
	Scores map[string]eval.EntityReport `json:"scores"`
}

// CVFigures are F1 figures of one group: micro-averaged and per type
// (eval.ScoredTypes), strict and lenient.
type CVFigures struct {
	Strict      float64            `json:"strict_micro_f1"`
	Lenient     float64            `json:"lenient_micro_f1"`
	StrictType  map[string]float64 `json:"strict_f1"`
	LenientType map[string]float64 `json:"lenient_f1"`
}

func figures(e eval.EntityReport) CVFigures {
	f := CVFigures{Strict: e.StrictMicro.F1, Lenient: e.LenientMicro.F1, StrictType: map[string]float64{}, LenientType: map[string]float64{}}
	for _, t := range eval.ScoredTypes {
		f.StrictType[t] = e.Strict[t].F1
		f.LenientType[t] = e.Lenient[t].F1
	}
	return f
}

// cvDoc is one document of the folds.
type cvDoc struct {
	group string          // set name, or "dev-gold/CORPUS"
	train tagger.Document // what a fold trains on
	rec   *eval.Record    // a gold article: scored through the pipeline
	fold  int
}

// CrossValidate runs document-level K-fold cross-validation of the tagger
// and writes no model.
//
// The documents are those of the chosen sets plus the articles of the
// development gold file. Each group of documents (each set; the gold
// articles of each corpus) is shuffled with the seed and dealt to the
// folds in turn, so that every fold holds a like share of each; a group's
// folds do not depend on the other groups, so runs with different sets
// hold out the same gold articles in each fold (a paired comparison). For each
// fold, a model is trained as Run would on the documents of the other
// folds, and the entities stage with that model is scored on the fold:
//
//   - A gold article goes through decode → clean → segment → entities,
//     and is scored by internal/eval like "newsflow eval" scores it. To
//     train on it, a GUM article is taken as its document of gum-devdocs
//     (the same article, converted like the GUM training data); an
//     article without one (re3d) is converted from its gold entities by
//     GoldDocument.
//   - A document of a set is joined into text (words separated by
//     spaces, sentences by line breaks), given to the stage with its
//     tokens and sentences, and scored by the same scorer
//     (eval.EntityTally) against the entities of its BIO tags.
//
// Scores are micro-averaged per group ("all", "dev-gold", each gold
// corpus, each set) and per fold, then averaged over folds (mean and
// sample standard deviation). The result, but for the timings, is
// deterministic for given data and options (whatever Jobs is).
func CrossValidate(ctx context.Context, o CVOptions) (*CVReport, error) {
	if o.DataDir == "" {
		return nil, errors.New("train: DataDir is required")
	}
	if o.Folds < 2 {
		return nil, fmt.Errorf("train: cross-validation needs at least 2 folds, not %d", o.Folds)
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
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.GoldPath == "" {
		o.GoldPath = DefaultGoldPath(o.DataDir)
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	o.Jobs = min(o.Jobs, o.Folds)
	logf := syncLogger(o.Log)

	docs, groups, sets, err := cvDocuments(o, logf)
	if err != nil {
		return nil, err
	}
	gaz, err := loadGazetteers(o.DataDir, o.Gazetteers, o.NoGazetteers, logf)
	if err != nil {
		return nil, err
	}
	assignFolds(docs, groups, o.Folds, o.Seed)

	rep := &CVReport{Folds: o.Folds, Seed: o.Seed, Sets: sets, Gold: o.GoldPath, Documents: map[string]int{}}
	for _, d := range docs {
		rep.Documents[d.group]++
	}
	rep.Groups = append(rep.Groups, GroupAll, GroupDevGold)
	for _, g := range groups {
		if strings.HasPrefix(g, GroupDevGold+"/") {
			rep.Groups = append(rep.Groups, g)
		}
	}
	for _, g := range groups {
		if !strings.HasPrefix(g, GroupDevGold+"/") {
			rep.Groups = append(rep.Groups, g)
		}
	}
	rep.PerFold = make([]CVFold, o.Folds)
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(o.Jobs)
	for k := range o.Folds {
		eg.Go(func() error {
			f, err := runFold(ctx, docs, k, gaz, o, logf)
			if err != nil {
				return err
			}
			rep.PerFold[k] = *f
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	rep.Mean, rep.SD = map[string]CVFigures{}, map[string]CVFigures{}
	for _, g := range rep.Groups {
		var fs []CVFigures
		for _, f := range rep.PerFold {
			if e, ok := f.Scores[g]; ok {
				fs = append(fs, figures(e))
			}
		}
		rep.Mean[g], rep.SD[g] = meanSD(fs)
	}
	return rep, nil
}

// syncLogger is logger, safe for concurrent use.
func syncLogger(w io.Writer) func(string, ...any) {
	var mu sync.Mutex
	l := logger(w)
	return func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		l(format, args...)
	}
}

// cvDocuments reads the documents of the sets and of the gold file, and
// returns them with the group names in order of first appearance and the
// sets used.
func cvDocuments(o CVOptions, logf func(string, ...any)) ([]cvDoc, []string, []string, error) {
	var (
		docs   []cvDoc
		groups []string
		sets   []string
	)
	for _, name := range o.Sets {
		if name == "gum-devdocs" {
			logf("set gum-devdocs: left out; its documents take part as development gold documents")
			continue
		}
		if slices.Contains(sets, name) {
			continue
		}
		d, _, err := readSet(o.DataDir, name)
		if err != nil {
			return nil, nil, nil, err
		}
		logf("set %s: %d documents", name, len(d))
		sets = append(sets, name)
		groups = append(groups, name)
		for _, x := range d {
			docs = append(docs, cvDoc{group: name, train: x})
		}
	}

	f, err := os.Open(o.GoldPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("train: development gold file: %w", err)
	}
	recs, err := eval.ReadRecords(f)
	f.Close()
	if err != nil {
		return nil, nil, nil, err
	}
	devDocs, devIDs, err := readCoNLL(filepath.Join(o.DataDir, DevDocsFile))
	if errors.Is(err, fs.ErrNotExist) {
		logf("no %s: every development gold article is converted from its gold entities", DevDocsFile)
	} else if err != nil {
		return nil, nil, nil, err
	}
	byID := map[string]tagger.Document{}
	for i, id := range devIDs {
		byID[id] = devDocs[i]
	}
	var fromDev, converted, unknown int
	var goldGroups []string
	for i := range recs {
		r := &recs[i]
		if !slices.Contains(r.Gold, "entities") {
			continue
		}
		g := GroupDevGold + "/" + r.Corpus()
		if !slices.Contains(goldGroups, g) {
			goldGroups = append(goldGroups, g)
		}
		d := cvDoc{group: g, rec: r}
		if x, ok := byID[r.ID]; ok {
			d.train = x
			fromDev++
		} else {
			var n int
			d.train, n = GoldDocument(r)
			unknown += n
			converted++
		}
		docs = append(docs, d)
	}
	slices.Sort(goldGroups)
	groups = append(groups, goldGroups...)
	logf("development gold: %d articles: %d taken from gum-devdocs, %d converted from gold entities (%d words of unknown tag)",
		fromDev+converted, fromDev, converted, unknown)
	if fromDev+converted == 0 {
		return nil, nil, nil, fmt.Errorf("train: %s has no articles with gold entities", o.GoldPath)
	}
	return docs, groups, sets, nil
}

// assignFolds shuffles the documents of each group and deals them to the
// folds in turn. A group's shuffle and first fold depend only on the seed
// and the group's name, so that a group's documents fall in the same folds
// whatever other sets are chosen: runs that differ in their sets score the
// same held-out development gold articles in each fold.
func assignFolds(docs []cvDoc, groups []string, k int, seed uint64) {
	for _, g := range groups {
		h := fnv.New64a()
		h.Write([]byte(g))
		gh := h.Sum64()
		rng := rand.New(rand.NewPCG(seed, gh))
		var idx []int
		for i := range docs {
			if docs[i].group == g {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		next := int(gh % uint64(k))
		for _, i := range idx {
			docs[i].fold = next
			next = (next + 1) % k
		}
	}
}

// runFold trains on every fold but k and scores fold k.
func runFold(ctx context.Context, docs []cvDoc, k int, gaz *tagger.Gazetteer, o CVOptions, logf func(string, ...any)) (*CVFold, error) {
	start := time.Now()
	f := &CVFold{Fold: k + 1}
	var train []tagger.Document
	var held []*cvDoc
	for i := range docs {
		d := &docs[i]
		if d.fold == k {
			held = append(held, d)
			continue
		}
		train = append(train, d.train)
		for _, s := range d.train {
			for _, t := range s.Tags {
				if t == tagger.TagUnknown {
					f.UnknownWords++
				}
			}
		}
	}
	f.Trained, f.HeldOut = len(train), len(held)
	logf("fold %d/%d: training on %d documents, holding out %d", k+1, o.Folds, f.Trained, f.HeldOut)
	m, err := tagger.Train(ctx, train, gaz, tagger.TrainOptions{Epochs: o.Epochs, Bits: o.Bits, Seed: o.Seed})
	if err != nil {
		return nil, fmt.Errorf("train: fold %d: %w", k+1, err)
	}
	stage := entities.NewWithModel(m)
	seg, err := segment.New(segment.Options{})
	if err != nil {
		return nil, err
	}
	pl, err := processor.NewPipeline([]processor.Processor{
		processor.NewDecode(processor.DecodeOptions{}), processor.NewClean(), seg,
		processor.Stage(stage, entities.LanguageGate()),
	})
	if err != nil {
		return nil, err
	}
	defer pl.Close(context.WithoutCancel(ctx))

	tallies := map[string]*eval.EntityTally{}
	tally := func(g string) *eval.EntityTally {
		if tallies[g] == nil {
			tallies[g] = &eval.EntityTally{}
		}
		return tallies[g]
	}
	for _, d := range held {
		var one eval.EntityTally
		if d.rec != nil {
			in, err := d.rec.Input()
			if err != nil {
				return nil, err
			}
			outs, err := pl.Process(ctx, in)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var a *processor.Article
			if err == nil && len(outs) > 0 {
				a = outs[0]
			}
			one.Add(eval.EntityMentions(d.rec, a))
			tally(GroupDevGold).Merge(&one)
		} else {
			one.Add(conllMentions(stage, d.train))
		}
		tally(d.group).Merge(&one)
		tally(GroupAll).Merge(&one)
	}
	f.Scores = map[string]eval.EntityReport{}
	for g, t := range tallies {
		f.Scores[g] = t.Report()
	}
	f.Seconds = time.Since(start).Seconds()
	logf("fold %d/%d: done in %s: lenient micro-F1 %.3f (dev-gold %.3f)", k+1, o.Folds, time.Since(start).Round(time.Second),
		f.Scores[GroupAll].LenientMicro.F1, f.Scores[GroupDevGold].LenientMicro.F1)
	return f, nil
}

// conllMentions tags a training document with the stage and returns the
// gold and predicted mentions (byte offsets of the joined text) for
// eval.EntityTally.Add: gold PERSON, ORG and LOC are scored, NORP and MISC
// are not.
func conllMentions(stage *entities.Processor, d tagger.Document) (gold, unscored, pred []eval.Mention) {
	var b strings.Builder
	var tokens []processor.Token
	var sents []processor.Sentence
	for si, s := range d {
		if si > 0 {
			b.WriteByte('\n')
		}
		first := len(tokens)
		sStart := b.Len()
		typ, mStart := -1, 0
		endMention := func(end int) {
			if typ >= 0 {
				m := eval.Mention{Type: tagger.TypeName(typ), Start: mStart, End: end}
				if slices.Contains(eval.ScoredTypes, m.Type) {
					gold = append(gold, m)
				} else {
					unscored = append(unscored, m)
				}
				typ = -1
			}
		}
		prevEnd := b.Len()
		for i, w := range s.Words {
			if i > 0 {
				b.WriteByte(' ')
			}
			st := b.Len()
			b.WriteString(w)
			tokens = append(tokens, processor.Token{Span: processor.Span{Start: st, End: b.Len()}})
			t := s.Tags[i]
			switch {
			case t == tagger.TagO || t == tagger.TagUnknown:
				endMention(prevEnd)
			case tagger.IsInside(t) && tagger.TypeOf(t) == typ:
				// continues
			default:
				endMention(prevEnd)
				typ, mStart = tagger.TypeOf(t), st
			}
			prevEnd = b.Len()
		}
		endMention(prevEnd)
		sents = append(sents, processor.Sentence{Span: processor.Span{Start: sStart, End: b.Len()}, FirstToken: first, EndToken: len(tokens)})
	}
	for _, e := range stage.Extract(b.String(), tokens, sents) {
		for _, sp := range e.Spans {
			pred = append(pred, eval.Mention{Type: e.Type, Start: sp.Start, End: sp.End})
		}
	}
	return gold, unscored, pred
}

// meanSD returns the mean and the sample standard deviation (0 for one
// value) of each figure.
func meanSD(fs []CVFigures) (CVFigures, CVFigures) {
	stat := func(get func(CVFigures) float64) (float64, float64) {
		if len(fs) == 0 {
			return 0, 0
		}
		var sum float64
		for _, f := range fs {
			sum += get(f)
		}
		mean := sum / float64(len(fs))
		if len(fs) < 2 {
			return mean, 0
		}
		var ss float64
		for _, f := range fs {
			d := get(f) - mean
			ss += d * d
		}
		return mean, math.Sqrt(ss / float64(len(fs)-1))
	}
	mean := CVFigures{StrictType: map[string]float64{}, LenientType: map[string]float64{}}
	sd := CVFigures{StrictType: map[string]float64{}, LenientType: map[string]float64{}}
	mean.Strict, sd.Strict = stat(func(f CVFigures) float64 { return f.Strict })
	mean.Lenient, sd.Lenient = stat(func(f CVFigures) float64 { return f.Lenient })
	for _, t := range eval.ScoredTypes {
		mean.StrictType[t], sd.StrictType[t] = stat(func(f CVFigures) float64 { return f.StrictType[t] })
		mean.LenientType[t], sd.LenientType[t] = stat(func(f CVFigures) float64 { return f.LenientType[t] })
	}
	return mean, sd
}

// WriteText writes the report as readable tables: per fold, the figures of
// each group; then the mean ± standard deviation over the folds.
func (r *CVReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cross-validation: %d folds by document, seed %d; sets %s + development gold %s\n",
		r.Folds, r.Seed, strings.Join(r.Sets, ","), r.Gold)
	var parts []string
	for _, g := range r.Groups {
		if n, ok := r.Documents[g]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", g, n))
		}
	}
	fmt.Fprintf(&b, "documents: %s\n", strings.Join(parts, ", "))
	for _, f := range r.PerFold {
		fmt.Fprintf(&b, "\nfold %d/%d: trained on %d documents, held out %d (%.0f s)\n", f.Fold, r.Folds, f.Trained, f.HeldOut, f.Seconds)
		fmt.Fprintf(&b, "  %-16s %5s %6s %6s   %-27s   %-27s\n", "", "", "", "", "strict F1", "lenient F1")
		fmt.Fprintf(&b, "  %-16s %5s %6s %6s   %6s %6s %6s %6s   %6s %6s %6s %6s\n", "group", "docs", "gold", "pred",
			"micro", "PER", "ORG", "LOC", "micro", "PER", "ORG", "LOC")
		for _, g := range r.Groups {
			e, ok := f.Scores[g]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "  %-16s %5d %6d %6d   %6.3f %6.3f %6.3f %6.3f   %6.3f %6.3f %6.3f %6.3f\n", g, e.Articles,
				e.LenientMicro.Gold, e.LenientMicro.Pred,
				e.StrictMicro.F1, e.Strict["PERSON"].F1, e.Strict["ORG"].F1, e.Strict["LOC"].F1,
				e.LenientMicro.F1, e.Lenient["PERSON"].F1, e.Lenient["ORG"].F1, e.Lenient["LOC"].F1)
		}
	}
	fmt.Fprintf(&b, "\nmean ± sample standard deviation over %d folds, F1\n", r.Folds)
	for _, kind := range []string{"strict", "lenient"} {
		fmt.Fprintf(&b, "  %-16s %-15s %-15s %-15s %-15s\n", kind, "micro", "PERSON", "ORG", "LOC")
		for _, g := range r.Groups {
			m, s := r.Mean[g], r.SD[g]
			micro, microSD, typ, typSD := m.Strict, s.Strict, m.StrictType, s.StrictType
			if kind == "lenient" {
				micro, microSD, typ, typSD = m.Lenient, s.Lenient, m.LenientType, s.LenientType
			}
			fmt.Fprintf(&b, "  %-16s %.3f ± %.3f   %.3f ± %.3f   %.3f ± %.3f   %.3f ± %.3f\n", g, micro, microSD,
				typ["PERSON"], typSD["PERSON"], typ["ORG"], typSD["ORG"], typ["LOC"], typSD["LOC"])
		}
	}
	lines := strings.SplitAfter(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \n") + strings.Repeat("\n", strings.Count(l, "\n"))
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}
