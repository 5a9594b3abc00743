package deploy

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/newsflow/newsflow/internal/testbin"
)

// e2eDeadline bounds how long the end-to-end test waits for every query to
// return data; queries are polled, so a fast machine finishes much sooner.
const e2eDeadline = 150 * time.Second

// Values for Grafana's global variables, for a 1 s scrape interval: Grafana
// makes $__rate_interval at least four scrape intervals.
var e2eBuiltins = map[string]string{"__rate_interval": "5s", "__interval": "2s", "__range": "1m"}

// TestObservabilityE2E runs newsflow's demo (embedded broker, sample articles
// at 20/s), scrapes it with a real Prometheus loading prometheus.yml and
// alerts.yml, and requires every dashboard query to return data and every
// alert rule to evaluate without error.
func TestObservabilityE2E(t *testing.T) {
	if os.Getenv("NEWSFLOW_E2E") != "1" {
		t.Skip("SKIPPED: observability end-to-end test; set NEWSFLOW_E2E=1 to run it " +
			"(needs the prometheus binary on PATH: apt-get install -y prometheus)")
	}
	promBin := lookTool(t, "prometheus")
	dir := t.TempDir()

	bin := buildNewsflow(t)
	checkFlags(t, bin)

	nfAddr := "127.0.0.1:" + freePort(t)
	demo := start(t, dir, "newsflow", bin, "demo", "--rate", "20", "--quiet", "--metrics-addr", nfAddr)
	waitHTTP(t, demo, "http://"+nfAddr+"/metrics")

	promAddr := "127.0.0.1:" + freePort(t)
	cfg := writePromConfig(t, dir, nfAddr)
	prom := start(t, dir, "prometheus", promBin,
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--storage.tsdb.retention.time=1h",
		"--web.listen-address="+promAddr,
		"--log.level=warn")
	waitHTTP(t, prom, "http://"+promAddr+"/-/ready")
	api := promAPI{base: "http://" + promAddr}

	dashboards := loadDashboards(t)
	type check struct {
		where, expr string
		alert       bool // an alert rule: must evaluate, may be empty
		last        string
	}
	var pending []*check
	nPanels := 0
	for _, q := range panelQueries(dashboards) {
		pending = append(pending, &check{where: q.where, expr: q.expr})
		nPanels++
	}
	rules := loadRules(t)
	for _, r := range rules {
		pending = append(pending, &check{where: "alert " + r.Alert, expr: r.Expr, alert: true})
	}
	files := make([]string, 0, len(dashboards))
	for f := range dashboards {
		files = append(files, f)
	}
	sort.Strings(files)

	ctx, cancel := context.WithTimeout(t.Context(), e2eDeadline)
	defer cancel()
	began, lastPending := time.Now(), -1
	varProblems := []string{"not resolved yet"}
	ruleProblems := []string{"not checked yet"}
	for {
		// Variables, per dashboard, in order (topic depends on instance).
		varProblems = varProblems[:0]
		values := map[string]map[string]string{}
		for _, f := range files {
			v, problems := api.resolveVariables(ctx, dashboards[f])
			values[f] = v
			for _, p := range problems {
				varProblems = append(varProblems, f+": "+p)
			}
		}
		if len(varProblems) == 0 {
			var still []*check
			for _, c := range pending {
				expr := c.expr
				if !c.alert {
					file, _, _ := strings.Cut(c.where, " / ")
					expr = expandVars(expr, values[file])
				}
				n, finite, err := api.query(ctx, expr)
				switch {
				case err != nil:
					c.last = err.Error()
				case !c.alert && n == 0:
					c.last = "empty result"
				case !c.alert && finite == 0:
					c.last = fmt.Sprintf("%d series, none with a finite value", n)
				default:
					continue
				}
				c.last += " (query: " + expr + ")"
				still = append(still, c)
			}
			pending = still
			ruleProblems = api.ruleHealth(ctx, rules)
		}
		if len(pending) == 0 && len(varProblems) == 0 && len(ruleProblems) == 0 {
			break
		}
		if n := len(pending) + len(varProblems) + len(ruleProblems); n != lastPending {
			t.Logf("after %s: %d checks still waiting for data", time.Since(began).Round(time.Second), n)
			lastPending = n
		}
		select {
		case <-ctx.Done():
			for _, p := range varProblems {
				t.Errorf("variable: %s", p)
			}
			for _, c := range pending {
				t.Errorf("%s: %s", c.where, c.last)
			}
			for _, p := range ruleProblems {
				t.Errorf("rules API: %s", p)
			}
			t.Logf("newsflow log tail:\n%s", demo.tail())
			t.Logf("prometheus log tail:\n%s", prom.tail())
			t.FailNow()
		case <-demo.done:
			t.Fatalf("newsflow demo exited early (%v):\n%s", demo.err, demo.tail())
		case <-prom.done:
			t.Fatalf("prometheus exited early (%v):\n%s", prom.err, prom.tail())
		case <-time.After(2 * time.Second):
		}
	}
	if up := api.targetsUp(ctx); up != "" {
		t.Errorf("scrape target: %s", up)
	}
	t.Logf("all %d dashboard panel expressions returned data and all %d alert rules evaluated", nPanels, len(rules))

	// SIGTERM: the demo drains and exits 0.
	if err := demo.stop(30 * time.Second); err != nil {
		t.Errorf("newsflow demo on SIGTERM: %v\n%s", err, demo.tail())
	}
}

// buildNewsflow builds a static newsflow binary, as deploy/Dockerfile does.
func buildNewsflow(t *testing.T) string {
	t.Helper()
	b := &testbin.Builder{Env: []string{"CGO_ENABLED=0"}}
	t.Cleanup(b.Cleanup)
	bin := b.Newsflow(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("reading the binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the CGO_ENABLED=0 binary needs a dynamic loader: it will not run on the scratch image")
		}
	}
	return bin
}

var helpFlag = regexp.MustCompile(`(?m)^\s+-{1,2}([a-z0-9][a-z0-9-]*)`)

// flagsOf lists the flags `newsflow cmd -h` prints.
func flagsOf(t *testing.T, bin, cmd string) map[string]bool {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), bin, cmd, "-h").CombinedOutput()
	if err != nil {
		t.Fatalf("newsflow %s -h: %v\n%s", cmd, err, out)
	}
	flags := map[string]bool{}
	for _, m := range helpFlag.FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("newsflow %s -h lists no flags:\n%s", cmd, out)
	}
	return flags
}

// checkFlags requires every NEWSFLOW_* variable and flag the compose file
// and the Kubernetes manifests pass to be a flag of the command they run.
func checkFlags(t *testing.T, bin string) {
	t.Helper()
	flags := map[string]map[string]bool{}
	flagsFor := func(cmd string) map[string]bool {
		if flags[cmd] == nil {
			flags[cmd] = flagsOf(t, bin, cmd)
		}
		return flags[cmd]
	}
	checkEnv := func(where, cmd string, env map[string]string) {
		for k := range env {
			name, ok := strings.CutPrefix(k, "NEWSFLOW_")
			if !ok {
				continue
			}
			flag := strings.ReplaceAll(strings.ToLower(name), "_", "-")
			if !flagsFor(cmd)[flag] {
				t.Errorf("%s: %s sets --%s, which `newsflow %s` does not have", where, k, flag, cmd)
			}
		}
	}
	c := loadCompose(t)
	for name, s := range c.Services {
		if s.Image != c.Services["newsflow"].Image || len(s.Command) == 0 {
			continue
		}
		checkArgs := func(args []string) {
			cmd := args[0]
			for _, a := range args[1:] {
				if f, ok := strings.CutPrefix(a, "--"); ok {
					f, _, _ = strings.Cut(f, "=")
					if !flagsFor(cmd)[f] {
						t.Errorf("docker-compose.yml %s: `newsflow %s` has no flag --%s", name, cmd, f)
					}
				}
			}
		}
		checkEnv("docker-compose.yml "+name, s.Command[0], s.Environment)
		checkArgs(s.Command)
		// A health check that runs the binary: its subcommand and flags exist.
		if hc := s.Healthcheck; hc != nil && len(hc.Test) > 2 && hc.Test[0] == "CMD" && filepath.Base(hc.Test[1]) == "newsflow" {
			checkArgs(hc.Test[2:])
		}
	}
	for _, d := range readYAMLDocs(t, filepath.Join(k8sDir, "configmap.yaml")) {
		env := map[string]string{}
		for k, v := range obj(d).sub("data") {
			env[k] = fmt.Sprint(v)
		}
		checkEnv("k8s ConfigMap", "run", env)
	}
	for _, d := range readYAMLDocs(t, filepath.Join(k8sDir, "deployment.yaml")) {
		for _, ctr := range obj(d).list("spec", "template", "spec", "containers") {
			env := map[string]string{}
			for _, e := range ctr.list("env") {
				env[e.str("name")] = ""
			}
			checkEnv("k8s Deployment", "run", env)
		}
	}
}

// writePromConfig copies prometheus.yml with the newsflow job pointed at
// target, 1 s scrape and evaluation intervals, and absolute rule paths.
func writePromConfig(t *testing.T, dir, target string) string {
	t.Helper()
	var cfg map[string]any
	readYAML(t, promConfigPath, &cfg)
	global, _ := cfg["global"].(map[string]any)
	if global == nil {
		global = map[string]any{}
		cfg["global"] = global
	}
	global["scrape_interval"], global["scrape_timeout"], global["evaluation_interval"] = "1s", "1s", "1s"
	var ruleFiles []any
	ruleList, _ := cfg["rule_files"].([]any)
	for _, f := range ruleList {
		abs, err := filepath.Abs(filepath.Join(filepath.Dir(promConfigPath), fmt.Sprint(f)))
		if err != nil {
			t.Fatal(err)
		}
		ruleFiles = append(ruleFiles, abs)
	}
	cfg["rule_files"] = ruleFiles
	var jobs []any
	for _, job := range obj(cfg).list("scrape_configs") {
		if job["job_name"] != jobName {
			continue // other jobs scrape compose services that do not exist here
		}
		delete(job, "scrape_interval")
		delete(job, "scrape_timeout")
		job["static_configs"] = []any{map[string]any{"targets": []any{target}}}
		jobs = append(jobs, map[string]any(job))
	}
	if len(jobs) != 1 {
		t.Fatalf("%s: want one %q scrape job, found %d", promConfigPath, jobName, len(jobs))
	}
	cfg["scrape_configs"] = jobs
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
