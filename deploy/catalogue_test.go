package deploy

import (
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/newsflow/newsflow/internal/metrics"
)

// series describes one exposed series name (a histogram family exposes three:
// _bucket, _sum and _count) and the labels it carries before scraping.
type series struct {
	family string
	labels map[string]bool
}

// catalogue maps every exposed series name newsflow can export to its labels.
type catalogue map[string]series

// targetLabels are attached by Prometheus to every scraped series.
var targetLabels = []string{"instance", "job"}

// docEntry matches one line of the series table in the internal/metrics
// package doc, e.g. "consumer_lag_records{topic,partition}  gauge  ...".
var docEntry = regexp.MustCompile(`^\s+([a-z][a-z0-9_]*)(?:\{([a-z_,]*)\})?\s+(counter|gauge|histogram|summary)\b`)

// docTable parses the series table of the internal/metrics package doc.
func docTable(t *testing.T) map[string]docSeries {
	t.Helper()
	dir := filepath.Join("..", "internal", "metrics")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading the metrics package: %v", err)
	}
	out := map[string]docSeries{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		if f.Doc == nil {
			continue
		}
		for _, line := range strings.Split(f.Doc.Text(), "\n") {
			m := docEntry.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			var labels []string
			if m[2] != "" {
				labels = strings.Split(m[2], ",")
			}
			out["newsflow_"+m[1]] = docSeries{kind: m[3], labels: labels}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no series table found in the package doc of %s", dir)
	}
	return out
}

type docSeries struct {
	kind   string
	labels []string
}

// add registers a family under every series name it exposes.
func (c catalogue) add(family, kind string, labels []string) {
	set := map[string]bool{}
	for _, l := range append(labels, targetLabels...) {
		set[l] = true
	}
	with := func(extra string) map[string]bool {
		s := map[string]bool{extra: true}
		for l := range set {
			s[l] = true
		}
		return s
	}
	switch kind {
	case "histogram":
		c[family+"_bucket"] = series{family, with("le")}
		c[family+"_sum"] = series{family, set}
		c[family+"_count"] = series{family, set}
	case "summary":
		c[family] = series{family, with("quantile")}
		c[family+"_sum"] = series{family, set}
		c[family+"_count"] = series{family, set}
	default:
		c[family] = series{family, set}
	}
}

// loadCatalogue returns every series newsflow exports: the package-doc table
// of internal/metrics (labelled vectors appear only once observed, so the
// table is their only complete list), plus whatever metrics.New registers on
// a fresh registry (the Go runtime and process collectors), plus "up", which
// Prometheus adds for every target.
func loadCatalogue(t *testing.T) catalogue {
	t.Helper()
	c := catalogue{}
	for name, d := range docTable(t) {
		c.add(name, d.kind, d.labels)
	}
	for _, mf := range gather(t) {
		name := mf.GetName()
		if _, ok := c[name]; ok {
			continue
		}
		if _, ok := c[name+"_count"]; ok {
			continue
		}
		var labels []string
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName())
			}
		}
		kind := strings.ToLower(mf.GetType().String())
		c.add(name, kind, labels)
	}
	c.add("up", "gauge", nil)
	return c
}

func gather(t *testing.T) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewRegistry()
	if _, err := metrics.New(reg, "test"); err != nil {
		t.Fatalf("metrics.New: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return mfs
}

// TestCatalogueMatchesRegistry keeps the doc table, which the other tests
// trust for labelled vectors, in step with what metrics.New registers.
func TestCatalogueMatchesRegistry(t *testing.T) {
	doc := docTable(t)
	gathered := map[string]string{}
	for _, mf := range gather(t) {
		gathered[mf.GetName()] = strings.ToLower(mf.GetType().String())
	}
	var problems []string
	for name, d := range doc {
		if len(d.labels) > 0 {
			continue // vectors appear only once a label value is observed (or pre-initialised)
		}
		kind, ok := gathered[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is in the doc table but not registered by metrics.New", name))
			continue
		}
		if kind != d.kind {
			problems = append(problems, fmt.Sprintf("%s: doc table says %s, registry says %s", name, d.kind, kind))
		}
	}
	for name := range gathered {
		if !strings.HasPrefix(name, "newsflow_") || strings.HasPrefix(name, "newsflow_process_") || strings.HasPrefix(name, "newsflow_kafka_") {
			continue
		}
		if _, ok := doc[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s is registered but missing from the doc table", name))
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}
