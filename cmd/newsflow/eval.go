package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/eval"
	"github.com/newsflow/newsflow/processor/entities/train"
)

// cmdEval is `newsflow eval`: run the default pipeline over a gold file and
// score entities, quotes, summaries, language and throughput.
func cmdEval(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	gold := fs.String("gold", "", "gold file, JSON Lines (format of shared/data/README.md) (required)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	explain := fs.Bool("errors", false, "list each article's entity, quote and summary errors instead of the scores (for error analysis)")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	if *explain && *asJSON {
		return usageError{errors.New("--errors and --json do not go together")}
	}
	if *gold == "" {
		return usageError{errors.New("--gold FILE is required, e.g. --gold ../shared/data/articles-gold-dev.jsonl")}
	}
	f, err := os.Open(*gold)
	if err != nil {
		return usageError{fmt.Errorf("--gold: %w", err)}
	}
	defer f.Close()
	p, err := app.NewPipeline(nil, app.PipelineOptions{})
	if err != nil {
		return err
	}
	defer p.Close(context.Background())
	if *explain {
		return eval.Explain(ctx, p, f, e.stdout)
	}
	rep, err := eval.Run(ctx, p, f)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(e.stdout)
}

// cmdTrain is `newsflow train`: train the entity tagger's model, or, with
// --cv K, cross-validate it (and write no model).
func cmdTrain(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	data := fs.String("data", "", "training data directory (e.g. ../shared/data/train) (required)")
	sets := fs.String("sets", strings.Join(train.DefaultSets(), ","), "training sets, comma-separated; known: "+strings.Join(train.Sets(), ", ")+" (gum-devdocs holds the dev gold file's GUM articles: a model trained on it scores that file too high)")
	gaz := fs.String("gazetteers", strings.Join(train.DefaultGazetteers(), ","), "gazetteer lists to use, comma-separated")
	noGaz := fs.Bool("no-gazetteers", false, "use no gazetteer")
	out := fs.String("out", "processor/entities/model.bin", "where to write the model (not with --cv)")
	epochs := fs.Int("epochs", train.DefaultEpochs, "training passes")
	bits := fs.Uint("bits", train.DefaultBits, "log2 of the number of feature buckets")
	cv := fs.Int("cv", 0, "cross-validate with K folds by document over the sets plus the development gold articles, print the scores and write no model (0: train the model)")
	gold := fs.String("gold", "", "with --cv: the development gold file (default DATA/../articles-gold-dev.jsonl)")
	seed := fs.Uint64("seed", 1, "with --cv: seed of the fold assignment and of training")
	jobs := fs.Int("jobs", 0, "with --cv: folds trained at once, about 150 MB each (0: one per CPU, at most K)")
	asJSON := fs.Bool("json", false, "with --cv: print the report as JSON")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	if *data == "" {
		return usageError{errors.New("--data DIR is required, e.g. --data ../shared/data/train")}
	}
	if *epochs < 1 || *bits < 10 || *bits > 26 {
		return usageError{fmt.Errorf("--epochs must be ≥ 1 and --bits between 10 and 26")}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *cv == 0 {
		return train.Run(ctx, train.Options{
			DataDir: *data, Sets: config.SplitList(*sets), Gazetteers: config.SplitList(*gaz), NoGazetteers: *noGaz,
			OutPath: *out, Epochs: *epochs, Bits: *bits, Log: e.stderr,
		})
	}
	if *cv < 2 {
		return usageError{fmt.Errorf("--cv must be at least 2, not %d", *cv)}
	}
	if set["out"] {
		return usageError{errors.New("--cv writes no model: leave out --out")}
	}
	if *seed == 0 {
		return usageError{errors.New("--seed must not be 0")}
	}
	if *jobs < 0 {
		return usageError{fmt.Errorf("--jobs must not be negative")}
	}
	rep, err := train.CrossValidate(ctx, train.CVOptions{
		DataDir: *data, Sets: config.SplitList(*sets), Gazetteers: config.SplitList(*gaz), NoGazetteers: *noGaz,
		Epochs: *epochs, Bits: *bits, GoldPath: *gold, Folds: *cv, Seed: *seed, Jobs: *jobs, Log: e.stderr,
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(e.stdout)
}
