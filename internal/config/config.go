// Package config loads newsflow's settings from, in order of precedence,
// command-line flags, NEWSFLOW_<FLAG> environment variables (dashes become
// underscores: --metrics-addr ↔ NEWSFLOW_METRICS_ADDR), an optional YAML
// file given with --config (keys are the flag names), and the defaults.
// Every value is checked before anything starts, and an error names the
// flag, variable or key to fix.
package config

import (
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load parses args into fs (whose flags the caller registered), then fills
// every flag not given on the command line from the environment (getenv,
// usually os.Getenv) and from the YAML file named by the "config" flag, if
// fs has one and it is set. Unknown flags, unknown config keys and values
// that do not parse are errors.
//
// Flags may come before, after or between positional arguments (as in
// `publish FILE --brokers HOST:PORT`); everything after "--" is positional.
// A value that does not parse is reported with the format expected, e.g.
// `--idle-timeout: invalid value "30": expected a duration like 30s, 500ms
// or 1m30s (did you mean 30s?)`, whether it came from a flag, a variable or
// the file.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	fs.SetOutput(discard{})
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	onCLI := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCLI[f.Name] = true })
	fromEnv := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(EnvName(f.Name)); v != "" {
			fromEnv[f.Name] = v
		}
	})
	// The config file itself may come from the environment.
	if v, ok := fromEnv["config"]; ok && !onCLI["config"] {
		if err := fs.Set("config", v); err != nil {
			return fmt.Errorf("%s: %w", EnvName("config"), badValue(fs.Lookup("config").Value, v, err))
		}
	}
	if cf := fs.Lookup("config"); cf != nil && cf.Value.String() != "" {
		file, err := readYAML(cf.Value.String())
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(file))
		for k := range file {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if fs.Lookup(k) == nil || k == "config" {
				return fmt.Errorf("config file %s: unknown key %q (keys are flag names, e.g. brokers, input, metrics-addr)", cf.Value, k)
			}
			if onCLI[k] || fromEnv[k] != "" {
				continue
			}
			if err := fs.Set(k, file[k]); err != nil {
				return fmt.Errorf("config file %s: key %q: invalid value %q: %w", cf.Value, k, file[k], badValue(fs.Lookup(k).Value, file[k], err))
			}
		}
	}
	names := make([]string, 0, len(fromEnv))
	for k := range fromEnv {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if onCLI[k] || k == "config" {
			continue
		}
		if err := fs.Set(k, fromEnv[k]); err != nil {
			return fmt.Errorf("%s=%q: %w", EnvName(k), fromEnv[k], badValue(fs.Lookup(k).Value, fromEnv[k], err))
		}
	}
	return nil
}

// NoArgs fails if fs was given positional arguments.
func NoArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --; run with -h for the list)", fs.Arg(0))
	}
	return nil
}

// EnvName is the environment variable of a flag: NEWSFLOW_ + upper case,
// dashes to underscores.
func EnvName(flagName string) string {
	return "NEWSFLOW_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func readYAML(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: not valid YAML: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ",")
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// List is a comma-separated list flag value.
type List []string

// String implements flag.Value.
func (l *List) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value; it replaces the list.
func (l *List) Set(s string) error {
	*l = SplitList(s)
	return nil
}

// SplitList splits a comma-separated list, trimming spaces and dropping
// empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// CheckHostPorts checks a list of broker addresses.
func CheckHostPorts(flagName string, addrs []string) error {
	if len(addrs) == 0 {
		return fmt.Errorf("--%s is required: give HOST:PORT[,HOST:PORT…] (or set %s)", flagName, EnvName(flagName))
	}
	for _, a := range addrs {
		if err := CheckHostPort(flagName, a); err != nil {
			return err
		}
	}
	return nil
}

// CheckHostPort checks one host:port (the host may be empty: all
// interfaces).
func CheckHostPort(flagName, a string) error {
	_, p, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("--%s: %q is not HOST:PORT: %w", flagName, a, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--%s: port %q in %q is not a number in 0..65535", flagName, p, a)
	}
	return nil
}

// CheckPositive checks a duration flag is > 0.
func CheckPositive(flagName string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("--%s must be a positive duration such as 500ms or 30s, got %v", flagName, d)
	}
	return nil
}
