package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/kafkasec"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env bundles what a subcommand may use of the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// environ lists the environment as "NAME=value" (os.Environ); it is
	// used to warn about NEWSFLOW_ variables that set nothing.
	environ func() []string
	// collect, when set, receives the flag set of the command instead of
	// parsing: flagNames uses it to learn every command's flags.
	collect func(*flag.FlagSet)
}

type command struct {
	summary string // one line: `newsflow help` and the top of `newsflow CMD -h`
	usage   string // the synopsis after "newsflow "
	example string // one or more example invocations
	hidden  []string
	run     func(ctx context.Context, e env, args []string) error
}

const brokersSyntax = "--brokers HOST:PORT[,…]"

func commands() map[string]command {
	return map[string]command{
		"run": {
			summary: "consume, enrich and produce against Kafka brokers",
			usage:   "run " + brokersSyntax + " [flags]",
			example: "newsflow run --brokers localhost:9092 --input articles.raw --output articles.enriched",
			run:     cmdRun,
		},
		"check": {
			summary: "check the settings of run against the brokers (topics, credentials, limits) without writing anything",
			usage:   "check " + brokersSyntax + " [flags of run]",
			example: "newsflow check --brokers localhost:9092 --config newsflow.yaml",
			run:     cmdCheck,
		},
		"demo": {
			summary: "run everything in process with the embedded broker and sample articles",
			usage:   "demo [flags]",
			example: "newsflow demo            # then open http://127.0.0.1:9464/\nnewsflow demo --once     # exit once the samples are processed",
			// demo runs its own plaintext broker.
			hidden: []string{"brokers", "sasl-mechanism", "sasl-username", "sasl-password-file", "tls", "tls-ca", "tls-cert", "tls-key", "tls-insecure-skip-verify", "tls-server-name"},
			run:    cmdDemo,
		},
		"broker": {
			summary: "run the embedded Kafka-protocol broker as a standalone process",
			usage:   "broker [flags]",
			example: "newsflow broker --listen 127.0.0.1:9092 --topics articles.raw,articles.enriched,articles.dlq",
			run:     cmdBroker,
		},
		"publish": {
			summary: "publish JSON Lines or plain-text articles to a topic",
			usage:   "publish " + brokersSyntax + " [flags] FILE…   (or - for JSON Lines on stdin, or --samples)",
			example: "newsflow publish --brokers localhost:9092 --topic articles.raw articles.jsonl\nnewsflow publish --brokers localhost:9092 --samples --loop --rate 5",
			run:     cmdPublish,
		},
		"enrich": {
			summary: "enrich JSON Lines or plain-text files (or stdin) to JSON Lines on stdout, without Kafka",
			usage:   "enrich [flags] [FILE…|-]   (no FILE, or -: JSON Lines on stdin)",
			example: "newsflow enrich articles.jsonl > enriched.jsonl\ncat articles.jsonl | newsflow enrich --pipeline core | jq -r .id\nnewsflow enrich --dlq rejected.jsonl story.txt",
			run:     cmdEnrich,
		},
		"offsets": {
			summary: "show a consumer group's committed offsets and lag on a topic, or reset them",
			usage:   "offsets " + brokersSyntax + " --group G --topic T\n  newsflow offsets reset " + brokersSyntax + " --group G --topic T (--to-datetime TIME | --to-earliest | --to-latest | --shift-by N) [--execute]",
			example: "newsflow offsets --brokers localhost:9092 --group newsflow --topic articles.raw\nnewsflow offsets reset --brokers localhost:9092 --group reenrich --topic articles.raw --to-datetime 2026-03-01T00:00:00Z --execute",
			run:     cmdOffsets,
		},
		"subscribe": {
			summary: "print records of a topic",
			usage:   "subscribe " + brokersSyntax + " [flags]",
			example: "newsflow subscribe --brokers localhost:9092 --topic articles.enriched --from-beginning --max 3",
			run:     cmdSubscribe,
		},
		"bench": {
			summary: "benchmark the pipeline against a bare kafka-go copy loop on the embedded broker",
			usage:   "bench [flags]",
			example: "newsflow bench --articles 20000 --pipeline core",
			run:     cmdBench,
		},
		"eval": {
			summary: "score the pipeline on a gold file (entities, quotes, summary, language, speed)",
			usage:   "eval --gold FILE [flags]",
			example: "newsflow eval --gold ../shared/data/articles-gold-dev.jsonl",
			run:     cmdEval,
		},
		"train": {
			summary: "train the entity tagger's model from CoNLL files",
			usage:   "train --data DIR [flags]   (or --cv K: cross-validate, write no model)",
			example: "newsflow train --data ../shared/data/train --out processor/entities/model.bin\nnewsflow train --data ../shared/data/train --cv 5",
			run:     cmdTrain,
		},
		"probe": {
			summary: "check an HTTP endpoint (exit 0 on 200): the container health check",
			usage:   "probe [flags]",
			example: "newsflow probe --url http://127.0.0.1:9464/readyz",
			run:     cmdProbe,
		},
		"version": {
			summary: "print the version (also: newsflow --version)",
			usage:   "version",
			example: "newsflow version",
			run:     cmdVersion,
		},
	}
}

// run dispatches to a subcommand and returns the process exit code: 0 on
// success, 2 on a usage or configuration error, 1 on a runtime failure.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runEnv(ctx, args, env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, environ: os.Environ})
}

func runEnv(ctx context.Context, args []string, e env) int {
	cmds := commands()
	if len(args) == 0 {
		usage(e.stderr, cmds)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			// `newsflow help CMD` is `newsflow CMD -h`.
			return runEnv(ctx, []string{args[1], "-h"}, e)
		}
		usage(e.stdout, cmds)
		return 0
	case "--version", "-version":
		args = []string{"version"}
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "newsflow: unknown command %q", args[0])
		names := make([]string, 0, len(cmds))
		for n := range cmds {
			names = append(names, n)
		}
		if s := config.Suggest(args[0], names); s != "" {
			fmt.Fprintf(e.stderr, "; did you mean %q?", s)
		}
		fmt.Fprint(e.stderr, "\n\n")
		usage(e.stderr, cmds)
		return 2
	}
	err := c.run(ctx, e, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case isUsage(err):
		fmt.Fprintf(e.stderr, "newsflow %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(e.stderr, "newsflow %s: %v\n", args[0], err)
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
	fmt.Fprintln(w, "\nEvery flag can also be set as NEWSFLOW_<FLAG> in the environment (e.g. NEWSFLOW_BROKERS).\n"+
		"Run 'newsflow COMMAND -h' (or 'newsflow help COMMAND') for a command's flags and an example;\n'newsflow --version' prints the version.")
}

// usageError marks errors in flags or config (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

// parse loads flags, env and config file into fs, printing help on -h and
// warning on stderr about NEWSFLOW_ variables that set nothing.
func parse(e env, fs *flag.FlagSet, args []string) error {
	if e.collect != nil {
		e.collect(fs)
		return flag.ErrHelp
	}
	err := config.Load(fs, args, e.getenv)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(e.stdout, fs, commands()[fs.Name()])
		return err
	}
	// Before any error: a misspelt variable may be what caused it.
	warnUnknownEnv(e, fs)
	if err != nil {
		return usageError{err}
	}
	return nil
}

// printHelp prints a command's summary, synopsis, example and flags.
func printHelp(w io.Writer, fs *flag.FlagSet, c command) {
	name := fs.Name()
	fmt.Fprintf(w, "newsflow %s — %s\n\nUsage:\n  newsflow %s\n", name, c.summary, c.usage)
	if c.example != "" {
		fmt.Fprintf(w, "\nExample:\n  %s\n", strings.ReplaceAll(c.example, "\n", "\n  "))
	}
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(c.hidden, f.Name) {
			flags = append(flags, f)
		}
	})
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(w, "\nFlags (each also settable as NEWSFLOW_<FLAG>, e.g. --%s as %s):\n", flags[0].Name, config.EnvName(flags[0].Name))
	for _, f := range flags {
		typ, text := flag.UnquoteUsage(f)
		switch typ {
		case "value":
			typ = "list"
		case "float":
			typ = "number"
		}
		fmt.Fprintf(w, "  --%s", f.Name)
		if typ != "" {
			fmt.Fprintf(w, " %s", typ)
		}
		fmt.Fprintf(w, "\n      %s", text)
		switch f.DefValue {
		case "", "0", "false", "0s", "[]":
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	}
}

// flagNames returns the names of every command's flags, learnt by running
// each command in collect mode (it returns at its parse call).
func flagNames(ctx context.Context) map[string]bool {
	names := map[string]bool{}
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
		getenv: func(string) string { return "" }, environ: func() []string { return nil },
		collect: func(fs *flag.FlagSet) { fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true }) }}
	for _, c := range commands() {
		_ = c.run(ctx, e, nil)
	}
	return names
}

// toolEnv reports whether a NEWSFLOW_ variable belongs to the project's
// tests and scripts (scripts/, deploy/, *_test.go) rather than to the
// binary: those are left alone without a warning.
func toolEnv(name string) bool {
	for _, p := range []string{"NEWSFLOW_TEST_", "NEWSFLOW_KAFKA_", "NEWSFLOW_SOAK", "NEWSFLOW_FAULTS_",
		"NEWSFLOW_E2E", "NEWSFLOW_BROWSER", "NEWSFLOW_ARTIFACTS", "NEWSFLOW_BIN", "NEWSFLOW_CACHE", "NEWSFLOW_NER_MODEL"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// warnUnknownEnv warns on stderr about each NEWSFLOW_ variable that is no
// flag of any command (a flag of another command, as in a shared
// docker-compose environment, is fine) and not otherwise read.
func warnUnknownEnv(e env, fs *flag.FlagSet) {
	if e.environ == nil {
		return
	}
	environ := e.environ()
	if !slices.ContainsFunc(environ, func(kv string) bool { return strings.HasPrefix(kv, config.EnvPrefix) }) {
		return
	}
	all := flagNames(context.Background())
	unknown := config.UnknownEnv(environ, func(name string) bool {
		return all[config.FlagName(name)] || name == kafkasec.PasswordEnv || toolEnv(name)
	})
	if len(unknown) == 0 {
		return
	}
	envNames := []string{kafkasec.PasswordEnv}
	for f := range all {
		envNames = append(envNames, config.EnvName(f))
	}
	sort.Strings(envNames) // a stable suggestion among equally close names
	for _, name := range unknown {
		fmt.Fprintf(e.stderr, "newsflow %s: warning: %s is not a newsflow setting and is ignored", fs.Name(), name)
		if s := config.Suggest(name, envNames); s != "" {
			fmt.Fprintf(e.stderr, " (did you mean %s?)", s)
		}
		fmt.Fprintln(e.stderr)
	}
}

func cmdVersion(_ context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	fmt.Fprintln(e.stdout, "newsflow", version)
	return nil
}

// plural is "1 record", "2 records", "0 records".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
