package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/config"
)

type settings struct {
	brokers config.List
	input   string
	parts   int
	timeout time.Duration
	cfg     string
}

func newFS(s *settings) *flag.FlagSet {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Var(&s.brokers, "brokers", "")
	fs.StringVar(&s.input, "input", "articles.raw", "")
	fs.IntVar(&s.parts, "partitions", 3, "")
	fs.DurationVar(&s.timeout, "shutdown-timeout", 30*time.Second, "")
	fs.StringVar(&s.cfg, "config", "", "")
	return fs
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("brokers: [a:1, b:2]\ninput: from-file\npartitions: 7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var s settings
	err := config.Load(newFS(&s), []string{"--config", file, "--partitions", "9"},
		env(map[string]string{"NEWSFLOW_INPUT": "from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.brokers, ","); got != "a:1,b:2" {
		t.Errorf("brokers from file: %q", got)
	}
	if s.input != "from-env" {
		t.Errorf("env must beat the file: input %q", s.input)
	}
	if s.parts != 9 {
		t.Errorf("flag must beat the file: partitions %d", s.parts)
	}
	if s.timeout != 30*time.Second {
		t.Errorf("default lost: %v", s.timeout)
	}
}

func TestLoadErrorsSayWhatToFix(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "u.yaml")
	_ = os.WriteFile(unknown, []byte("brokerz: x:1\n"), 0o600)
	badYAML := filepath.Join(dir, "b.yaml")
	_ = os.WriteFile(badYAML, []byte("brokers: [\n"), 0o600)
	badValue := filepath.Join(dir, "v.yaml")
	_ = os.WriteFile(badValue, []byte("partitions: many\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"--nope"}, nil, "flag provided but not defined"},
		{"bad flag value", []string{"--partitions", "x"}, nil, "partitions"},
		{"bad env value", nil, map[string]string{"NEWSFLOW_SHUTDOWN_TIMEOUT": "soon"}, "NEWSFLOW_SHUTDOWN_TIMEOUT"},
		{"unknown config key", []string{"--config", unknown}, nil, `unknown key "brokerz"`},
		{"bad yaml", []string{"--config", badYAML}, nil, "not valid YAML"},
		{"bad config value", []string{"--config", badValue}, nil, `key "partitions"`},
		{"missing config file", []string{"--config", filepath.Join(dir, "none.yaml")}, nil, "no such file"},
		{"config from env", nil, map[string]string{"NEWSFLOW_CONFIG": unknown}, `unknown key "brokerz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s settings
			err := config.Load(newFS(&s), tt.args, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	if err := config.CheckHostPorts("brokers", nil); err == nil || !strings.Contains(err.Error(), "NEWSFLOW_BROKERS") {
		t.Errorf("empty brokers: %v", err)
	}
	for _, bad := range []string{"host", "host:x", "host:70000"} {
		if err := config.CheckHostPort("brokers", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"host:9092", ":9464", "[::1]:1"} {
		if err := config.CheckHostPort("metrics-addr", good); err != nil {
			t.Errorf("%q rejected: %v", good, err)
		}
	}
	if got := config.SplitList(" a, ,b ,"); strings.Join(got, "|") != "a|b" {
		t.Errorf("SplitList: %q", got)
	}
	if config.EnvName("metrics-addr") != "NEWSFLOW_METRICS_ADDR" {
		t.Error("EnvName")
	}
}
