package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Paths, relative to this package's directory.
const (
	composePath     = "../docker-compose.yml"
	dockerfilePath  = "Dockerfile"
	promConfigPath  = "prometheus/prometheus.yml"
	alertsPath      = "prometheus/alerts.yml"
	alertsTestPath  = "prometheus/alerts_test.yml"
	datasourcesPath = "grafana/provisioning/datasources/prometheus.yml"
	providersPath   = "grafana/provisioning/dashboards/newsflow.yml"
	dashboardsDir   = "grafana/dashboards"
	k8sDir          = "k8s"
	jobName         = "newsflow" // the job label every alert rule selects
)

// readYAML decodes one YAML document, rejecting unknown fields when v is a struct.
func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
}

// readYAMLDocs decodes every document of a multi-document YAML file.
func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("parsing %s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// --- docker-compose.yml ---

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image           string                       `yaml:"image"`
	Hostname        string                       `yaml:"hostname"`
	Build           *composeBuild                `yaml:"build"`
	Command         []string                     `yaml:"command"`
	Environment     map[string]string            `yaml:"environment"`
	Ports           []string                     `yaml:"ports"`
	Volumes         []string                     `yaml:"volumes"`
	Healthcheck     *composeHealthcheck          `yaml:"healthcheck"`
	DependsOn       map[string]composeDependency `yaml:"depends_on"`
	StopGracePeriod string                       `yaml:"stop_grace_period"`
	Restart         string                       `yaml:"restart"`
}

type composeBuild struct {
	Context    string            `yaml:"context"`
	Dockerfile string            `yaml:"dockerfile"`
	Args       map[string]string `yaml:"args"`
}

type composeHealthcheck struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	StartPeriod string   `yaml:"start_period"`
	Retries     int      `yaml:"retries"`
}

type composeDependency struct {
	Condition string `yaml:"condition"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatalf("reading %s: %v", composePath, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var c composeFile
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("parsing %s: %v", composePath, err)
	}
	return c
}

// containerPorts returns the container side of "host:container[/proto]" mappings.
func containerPorts(ports []string) map[string]bool {
	out := map[string]bool{}
	for _, p := range ports {
		p = strings.SplitN(p, "/", 2)[0]
		i := strings.LastIndex(p, ":")
		out[p[i+1:]] = true
	}
	return out
}

// bindMount splits "source:target[:mode]"; ok is false for named volumes.
func bindMount(v string) (source, target string, bind bool) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 {
		return "", parts[0], false
	}
	source, target = parts[0], parts[1]
	return source, target, strings.HasPrefix(source, ".") || strings.HasPrefix(source, "/")
}

// flagValue returns the value of --name in args ("--name value" or "--name=value").
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// port returns the port of a "host:port" or ":port" address.
func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return p
}

// imageRef matches "[registry/]repo[:tag][@sha256:digest]".
var imageRef = regexp.MustCompile(`^([a-z0-9.\-/_:]+?)(?::([A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}))?(@sha256:[a-f0-9]{64})?$`)

// checkPinned reports why an image reference is not pinned to a version.
func checkPinned(ref string) error {
	m := imageRef.FindStringSubmatch(ref)
	if m == nil {
		return fmt.Errorf("image %q: not a valid image reference", ref)
	}
	tag, digest := m[2], m[3]
	switch {
	case digest != "":
		return nil
	case tag == "":
		return fmt.Errorf("image %q: no tag (means latest); pin a version", ref)
	case tag == "latest" || tag == "stable" || tag == "edge" || tag == "main" || tag == "master":
		return fmt.Errorf("image %q: floating tag %q; pin a version", ref, tag)
	case !regexp.MustCompile(`\d`).MatchString(tag):
		return fmt.Errorf("image %q: tag %q carries no version number", ref, tag)
	}
	return nil
}

// --- Grafana dashboards ---

type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Editable   bool    `json:"editable"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int                      `json:"id"`
	Type       string                   `json:"type"`
	Title      string                   `json:"title"`
	Datasource *datasourceRef           `json:"datasource"`
	GridPos    struct{ H, W, X, Y int } `json:"gridPos"`
	Targets    []target                 `json:"targets"`
	Panels     []panel                  `json:"panels"` // of a collapsed row
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type target struct {
	RefID      string         `json:"refId"`
	Expr       string         `json:"expr"`
	Instant    bool           `json:"instant"`
	Datasource *datasourceRef `json:"datasource"`
}

type variable struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	Definition string          `json:"definition"`
	Query      json.RawMessage `json:"query"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
}

// queryText returns a query variable's PromQL-ish definition.
func (v variable) queryText() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil && s != "" {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(v.Query, &o) == nil && o.Query != "" {
		return o.Query
	}
	return v.Definition
}

// loadDashboards parses every dashboard JSON file, keyed by file name.
func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in %s (%v)", dashboardsDir, err)
	}
	out := map[string]dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		var d dashboard
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("parsing %s: %v", f, err)
		}
		out[filepath.Base(f)] = d
	}
	return out
}

// allPanels flattens rows, collapsed or not.
func (d dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// panelQuery is one PromQL expression of one dashboard panel.
type panelQuery struct {
	where string // "file / panel title / refId"
	expr  string
}

// panelQueries lists every expression of every non-row panel.
func panelQueries(dashboards map[string]dashboard) []panelQuery {
	var out []panelQuery
	names := make([]string, 0, len(dashboards))
	for n := range dashboards {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, p := range dashboards[n].allPanels() {
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) != "" {
					out = append(out, panelQuery{where: fmt.Sprintf("%s / %q / %s", n, p.Title, tg.RefID), expr: tg.Expr})
				}
			}
		}
	}
	return out
}

// grafanaBuiltins are the global variables the dashboards may use.
var grafanaBuiltins = []string{"__rate_interval", "__interval", "__range"}

var grafanaVar = regexp.MustCompile(`\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\$([a-zA-Z_][a-zA-Z0-9_]*)|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]`)

// expandVars replaces Grafana variables; unknown ones are left in place.
func expandVars(expr string, values map[string]string) string {
	return grafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := values[name]; ok {
			return v
		}
		return m
	})
}

// varsUsed lists the variable names an expression uses.
func varsUsed(expr string) []string {
	var out []string
	for _, sub := range grafanaVar.FindAllStringSubmatch(expr, -1) {
		out = append(out, sub[1]+sub[2]+sub[3])
	}
	return out
}

// labelValuesQuery parses Grafana's label_values([selector,] label).
var labelValuesQuery = regexp.MustCompile(`^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$`)

// --- Prometheus rules ---

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var rf ruleFile
	readYAML(t, alertsPath, &rf)
	var out []rule
	for _, g := range rf.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no rules", alertsPath)
	}
	return out
}

// --- Prometheus configuration ---

type promConfig struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName        string `yaml:"job_name"`
		MetricsPath    string `yaml:"metrics_path"`
		ScrapeInterval string `yaml:"scrape_interval"`
		StaticConfigs  []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}
