package config_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/config"
)

type typed struct {
	wait  time.Duration
	n     int
	u     uint
	rate  float64
	on    bool
	names config.List
	cfg   string
}

func typedFS(s *typed) *flag.FlagSet {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.DurationVar(&s.wait, "idle-timeout", 0, "")
	fs.IntVar(&s.n, "max", 0, "")
	fs.UintVar(&s.u, "bits", 16, "")
	fs.Float64Var(&s.rate, "rate", 0, "")
	fs.BoolVar(&s.on, "once", false, "")
	fs.Var(&s.names, "brokers", "")
	fs.StringVar(&s.cfg, "config", "", "")
	return fs
}

// A value that does not parse is told with the format the flag expects,
// wherever it came from: the command line, a variable or the file.
func TestBadValuesSayTheExpectedFormat(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("idle-timeout: 45\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"duration without unit", []string{"--idle-timeout", "30"}, nil,
			`--idle-timeout: invalid value "30": expected a duration like 30s, 500ms or 1m30s (did you mean 30s?)`},
		{"duration nonsense", []string{"--idle-timeout=soon"}, nil,
			`--idle-timeout: invalid value "soon": expected a duration like 30s, 500ms or 1m30s`},
		{"int", []string{"--max", "ten"}, nil, `--max: invalid value "ten": expected a whole number like 3`},
		{"int out of range", []string{"--max", "99999999999999999999"}, nil, `value out of range: expected a whole number like 3`},
		{"uint", []string{"--bits", "-1"}, nil, `--bits: invalid value "-1": expected a whole number ≥ 0 like 16`},
		{"float", []string{"--rate", "fast"}, nil, `--rate: invalid value "fast": expected a number like 2.5`},
		{"bool", []string{"--once=maybe"}, nil, `--once: invalid value "maybe": expected true or false`},
		{"variable", nil, map[string]string{"NEWSFLOW_IDLE_TIMEOUT": "30"},
			`NEWSFLOW_IDLE_TIMEOUT="30": expected a duration like 30s, 500ms or 1m30s (did you mean 30s?)`},
		{"config file", []string{"--config", file}, nil,
			`key "idle-timeout": invalid value "45": expected a duration like 30s, 500ms or 1m30s (did you mean 45s?)`},
		{"misspelt flag", []string{"--brokerz", "x:1"}, nil, "flag provided but not defined: -brokerz: did you mean --brokers?"},
		{"unknown flag", []string{"--zzz"}, nil, "flag provided but not defined: -zzz (run with -h for the list of flags)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s typed
			err := config.Load(typedFS(&s), tt.args, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// Load sets the values and gives the flags back unwrapped; -h is still
// flag.ErrHelp, even after an argument.
func TestValuesAreRestoredAfterParsing(t *testing.T) {
	var s typed
	fs := typedFS(&s)
	if err := config.Load(fs, []string{"--once", "--idle-timeout", "2s", "--bits", "20"}, env(nil)); err != nil {
		t.Fatal(err)
	}
	if !s.on || s.wait != 2*time.Second || s.u != 20 {
		t.Errorf("values not set: %+v", s)
	}
	fs.VisitAll(func(f *flag.Flag) {
		if typ := fmt.Sprintf("%T", f.Value); strings.HasPrefix(typ, "*config.") && f.Name != "brokers" {
			t.Errorf("--%s: Value is still wrapped (%s) after Load", f.Name, typ)
		}
	})
	if err := config.Load(typedFS(&typed{}), []string{"x", "-h"}, env(nil)); err != flag.ErrHelp {
		t.Errorf("-h after an argument: %v, want flag.ErrHelp", err)
	}
}

// Flags may follow positional arguments (`publish FILE --brokers …`);
// after "--" everything is positional.
func TestFlagsAfterArguments(t *testing.T) {
	tests := []struct {
		args      []string
		positions string
		brokers   string
		once      bool
	}{
		{[]string{"a.jsonl", "--brokers", "h:1", "b.jsonl", "--once"}, "a.jsonl b.jsonl", "h:1", true},
		{[]string{"--brokers=h:1", "-", "--once"}, "-", "h:1", true},
		{[]string{"a", "--", "--once", "b"}, "a --once b", "", false},
		{[]string{"--once", "--", "-x"}, "-x", "", true},
	}
	for _, tt := range tests {
		var s typed
		fs := typedFS(&s)
		if err := config.Load(fs, tt.args, env(nil)); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if got := strings.Join(fs.Args(), " "); got != tt.positions || s.names.String() != tt.brokers || s.on != tt.once {
			t.Errorf("%q: positional %q, brokers %q, once %v; want %q, %q, %v", tt.args, got, s.names.String(), s.on, tt.positions, tt.brokers, tt.once)
		}
	}
}

func TestUnknownEnv(t *testing.T) {
	environ := []string{"NEWSFLOW_BROKERS=a:1", "NEWSFLOW_BROKER=a:1", "PATH=/bin", "NEWSFLOW_ZZZ=", "NEWSFLOW_BROKER=again", "NEWSFLOWX=1"}
	known := func(name string) bool { return config.FlagName(name) == "brokers" }
	if got := strings.Join(config.UnknownEnv(environ, known), ","); got != "NEWSFLOW_BROKER,NEWSFLOW_ZZZ" {
		t.Errorf("UnknownEnv = %q", got)
	}
	for env, flag := range map[string]string{"NEWSFLOW_METRICS_ADDR": "metrics-addr", "NEWSFLOW_": "", "PATH": "", "NEWSFLOW_TLS": "tls"} {
		if got := config.FlagName(env); got != flag {
			t.Errorf("FlagName(%q) = %q, want %q", env, got, flag)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"brokers", "topic", "max", "metrics-addr"}
	for in, want := range map[string]string{
		"broker": "brokers", "brokerz": "brokers", "topics": "topic", "metric-addr": "metrics-addr",
		"mx": "", "zzz": "", "brokers": "", "": "",
	} {
		if got := config.Suggest(in, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
