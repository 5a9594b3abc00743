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
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
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

// cmdTrain is `newsflow train`: train the entity tagger's model.
func cmdTrain(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	data := fs.String("data", "", "training data directory (e.g. ../shared/data/train) (required)")
	sets := fs.String("sets", strings.Join(train.DefaultSets(), ","), "training sets, comma-separated; known: "+strings.Join(train.Sets(), ", "))
	gaz := fs.String("gazetteers", strings.Join(train.DefaultGazetteers(), ","), "gazetteer lists to use, comma-separated")
	noGaz := fs.Bool("no-gazetteers", false, "use no gazetteer")
	out := fs.String("out", "processor/entities/model.bin", "where to write the model")
	epochs := fs.Int("epochs", train.DefaultEpochs, "training passes")
	bits := fs.Uint("bits", train.DefaultBits, "log2 of the number of feature buckets")
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
	return train.Run(ctx, train.Options{
		DataDir: *data, Sets: config.SplitList(*sets), Gazetteers: config.SplitList(*gaz), NoGazetteers: *noGaz,
		OutPath: *out, Epochs: *epochs, Bits: *bits, Log: e.stderr,
	})
}
