package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/batch"
	"github.com/newsflow/newsflow/internal/config"
)

// enrichFlags are the settings of `newsflow run` that `newsflow enrich`
// takes too, with run's names, defaults and checks, and run's help unless
// another is given here.
var enrichFlags = []struct{ name, usage string }{
	{"pipeline", ""},
	{"languages", ""},
	{"max-record-bytes", ""},
	{"max-message-bytes", "largest enriched record, as in run (whose producer sends nothing larger): a larger one is cut exactly as run cuts it; an input record longer than this is dead-lettered without being read whole"},
	{"stage-timeout", ""},
	{"workers", ""},
}

// cmdEnrich is `newsflow enrich`: the pipeline of `newsflow run` with no
// Kafka at all. Files (JSON Lines, or plain text: one article per file, as
// for `newsflow publish`) or standard input ("-", or no argument: JSON
// Lines) in; enriched JSON Lines on stdout, in input order; dead letters as
// JSON Lines on stderr or in --dlq FILE (see batch.DeadLetter).
//
// Exit status: 0 once every record was read and its result written (dead
// letters are results, not failures); 1 when an input could not be read
// part-way, an output could not be written, or an interrupt stopped it
// early — the output is then the complete results of a prefix of the input,
// and the error names the last record in it; 2 on a usage error (a bad
// flag, a missing input file), before anything is read.
func cmdEnrich(ctx context.Context, e env, args []string) (err error) {
	fs := flag.NewFlagSet("enrich", flag.ContinueOnError)
	dlqFile := fs.String("dlq", "", "write dead letters to this file (created or truncated), one JSON object per line, instead of to stderr; "+
		"NEWSFLOW_DLQ is not read: it names the DLQ topic of run")
	s := app.DefaultSettings()
	runFlags := flag.NewFlagSet("run", flag.ContinueOnError)
	s.Register(runFlags)
	for _, ef := range enrichFlags {
		f := runFlags.Lookup(ef.name)
		usage := f.Usage
		if ef.usage != "" {
			usage = ef.usage
		}
		fs.Var(f.Value, f.Name, usage)
	}
	// NEWSFLOW_DLQ names run's dead-letter topic in a shared environment:
	// taken as a file name here it would write a file named after a topic.
	pe := e
	pe.getenv = func(k string) string {
		if k == config.EnvName("dlq") {
			return ""
		}
		return e.getenv(k)
	}
	if err := parse(pe, fs, args); err != nil {
		return err
	}
	if v := e.getenv(config.EnvName("dlq")); v != "" && *dlqFile == "" {
		fmt.Fprintf(e.stderr, "newsflow enrich: %s=%s (the DLQ topic of run) is ignored: dead letters go to stderr, or to the file given with --dlq\n", config.EnvName("dlq"), v)
	}
	// run's checks of the same settings; the others stay at their (valid)
	// defaults, and the brokers, which enrich never contacts, get a
	// placeholder.
	check := s
	check.Brokers = config.List{"enrich.invalid:9092"}
	if err := check.Validate(); err != nil {
		return usageError{err}
	}
	names := fs.Args()
	if len(names) == 0 {
		names = []string{"-"}
	}
	if n := slices.Index(names, "-"); n >= 0 && slices.Contains(names[n+1:], "-") {
		return usageError{errors.New(`stdin ("-") can be given only once`)}
	}
	// Every input is checked before anything is processed or written.
	inputs := make([]batch.Input, 0, len(names))
	for _, name := range names {
		if name == "-" {
			if f, ok := e.stdin.(*os.File); ok {
				if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
					fmt.Fprintln(e.stderr, "newsflow enrich: reading JSON Lines from the terminal (end with Ctrl-D), or give files to read: newsflow enrich FILE…")
				}
			}
			inputs = append(inputs, batch.Stdin(e.stdin))
			continue
		}
		in, err := batch.File(name)
		if err != nil {
			return usageError{err}
		}
		inputs = append(inputs, in)
	}
	if *dlqFile != "" {
		if err := checkDLQ(*dlqFile, names); err != nil {
			return usageError{err}
		}
	}

	pipe, err := app.NewPipeline(nil, app.PipelineOptions{
		MaxRecordBytes: s.MaxRecordBytes, Languages: s.Languages, Core: s.Pipeline == "core", StageTimeout: s.StageTimeout,
	})
	if err != nil {
		return err
	}
	defer func() {
		// Stage calls abandoned at an interrupt get a moment to return.
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if cerr := pipe.Close(cctx); cerr != nil && err == nil {
			err = fmt.Errorf("close the pipeline: %w", cerr)
		}
	}()
	dlq := e.stderr
	if *dlqFile != "" {
		f, cerr := os.Create(*dlqFile)
		if cerr != nil {
			return usageError{fmt.Errorf("--dlq: %w", cerr)}
		}
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("write dead letters to %s: %w", *dlqFile, cerr)
			}
		}()
		dlq = f
	}

	st, err := batch.Run(ctx, pipe, inputs, batch.Options{
		Out: e.stdout, DLQ: dlq, Workers: s.Workers,
		MaxRecordBytes: s.MaxRecordBytes, MaxMessageBytes: s.MaxMessageBytes,
		Version: version, Instance: s.Instance,
	})
	if err != nil {
		return err
	}
	if *dlqFile != "" && st.DeadLettered > 0 {
		fmt.Fprintf(e.stderr, "newsflow enrich: %s dead-lettered, see %s\n", plural(int(st.DeadLettered), "record", "records"), *dlqFile)
	}
	return nil
}

// checkDLQ refuses a dead-letter file that is "-" or one of the inputs:
// creating it would truncate what is about to be read.
func checkDLQ(name string, inputs []string) error {
	if name == "-" {
		return errors.New("--dlq -: dead letters would mix with the enriched records on stdout; give a file name (without --dlq they go to stderr)")
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil // a new file
	}
	for _, in := range inputs {
		if in == "-" {
			continue
		}
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return fmt.Errorf("--dlq %s is also an input file: it would be truncated before it is read", name)
		}
	}
	return nil
}
