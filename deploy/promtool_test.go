package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// lookTool finds a binary on PATH or skips the test, loudly.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("SKIPPED: %s is not on PATH, so this Prometheus check did not run. "+
			"Install it (Debian/Ubuntu: apt-get install -y prometheus) to run it.", name)
	}
	return p
}

// TestPromtool validates the configuration, the rules and the alert unit
// tests with promtool, and every dashboard expression with promtool's PromQL
// parser (as recording rules).
func TestPromtool(t *testing.T) {
	promtool := lookTool(t, "promtool")
	run := func(args ...string) {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
	run("check", "config", promConfigPath)
	run("check", "rules", alertsPath)
	run("test", "rules", alertsTestPath)

	// Dashboard expressions, variables replaced, as recording rules.
	type recording struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []recording
	values := map[string]string{"job": "newsflow", "instance": "127.0.0.1:9464", "topic": "articles.raw"}
	for _, b := range grafanaBuiltins {
		values[b] = "1m"
	}
	queries := panelQueries(loadDashboards(t))
	for i, q := range queries {
		rules = append(rules, recording{Record: fmt.Sprintf("dashboard_query_%d", i), Expr: expandVars(q.expr, values)})
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboards", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboards.rules.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), promtool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Errorf("dashboard expressions rejected by promtool: %v\n%s", err, out)
		for i, q := range queries {
			t.Logf("dashboard_query_%d = %s: %s", i, q.where, q.expr)
		}
	}
}
