package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/newsflow/newsflow/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env bundles what a subcommand may use of the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"run":       {"consume, enrich and produce against Kafka brokers", cmdRun},
		"demo":      {"run everything in process with the embedded broker and sample articles", cmdDemo},
		"broker":    {"run the embedded Kafka-protocol broker as a standalone process", cmdBroker},
		"publish":   {"publish JSON Lines or plain-text articles to a topic", cmdPublish},
		"subscribe": {"print records of a topic", cmdSubscribe},
		"bench":     {"benchmark the pipeline against a bare kafka-go copy loop on the embedded broker", cmdBench},
		"eval":      {"score the pipeline on a gold file (entities, quotes, summary, language, speed)", cmdEval},
		"train":     {"train the entity tagger's model from CoNLL files", cmdTrain},
		"probe":     {"check an HTTP endpoint (exit 0 on 200): the container health check", cmdProbe},
		"version":   {"print the version", cmdVersion},
	}
}

// run dispatches to a subcommand and returns the process exit code: 0 on
// success, 2 on a usage or configuration error, 1 on a runtime failure.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "newsflow: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	err := c.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case isUsage(err):
		fmt.Fprintf(stderr, "newsflow %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "newsflow %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "newsflow — Kafka-native news enrichment\n\nUsage: newsflow COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as NEWSFLOW_<FLAG> in the environment (e.g. NEWSFLOW_BROKERS).\nRun 'newsflow COMMAND -h' for a command's flags.")
}

// usageError marks errors in flags or config (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// parse loads flags, env and config file into fs, printing help on -h.
func parse(e env, fs *flag.FlagSet, args []string) error {
	err := config.Load(fs, args, e.getenv)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "Usage of newsflow %s:\n", fs.Name())
		fs.PrintDefaults()
		return err
	}
	if err != nil {
		return usageError{err}
	}
	return nil
}

func cmdVersion(_ context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "newsflow", version)
	return nil
}
