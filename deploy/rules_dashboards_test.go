package deploy

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAlertRules checks the rules' shape and that every series and label
// they use exists.
func TestAlertRules(t *testing.T) {
	cat := loadCatalogue(t)
	rules := loadRules(t)
	seen := map[string]bool{}
	for _, r := range rules {
		name := r.Alert + r.Record
		t.Run(name, func(t *testing.T) {
			if r.Record != "" {
				t.Errorf("recording rule %q: dashboards and tests expect alert rules only", r.Record)
			}
			if seen[name] {
				t.Errorf("duplicate rule %q", name)
			}
			seen[name] = true
			if _, err := time.ParseDuration(strings.TrimSpace(r.For)); r.For == "" || err != nil {
				t.Errorf("for %q: want an explicit duration (%v)", r.For, err)
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
				t.Errorf("severity %q: want critical, warning or info", s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("annotation %s missing", a)
				}
			}
			if !strings.Contains(r.Expr, `job="`+jobName+`"`) {
				t.Errorf("expr does not select job=%q: %s", jobName, r.Expr)
			}
			for _, p := range cat.check(r.Expr) {
				t.Error(p)
			}
		})
	}
	// The conditions the issues ask for.
	for _, want := range []string{
		"NewsflowConsumerLagGrowing", "NewsflowConsumerNoProgress", "NewsflowDLQRateHigh",
		"NewsflowProcessingErrorRatioHigh", "NewsflowInstanceDown",
		"NewsflowNotReady", "NewsflowNotInConsumerGroup", "NewsflowRecordsLostToRetention", "NewsflowPartitionsStuck",
	} {
		if !seen[want] {
			t.Errorf("alert %s missing", want)
		}
	}
}

// alertsTestFile is the part of a promtool rule test file this package reads.
type alertsTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			AlertName string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestAlertsUnitTested requires every alert rule to have, in
// alerts_test.yml, at least one promtool check where it fires and one where
// it must stay quiet (a healthy series, a near miss, or before its `for`
// has elapsed), and no check of an alert that does not exist. promtool runs
// the checks (TestPromtool); this test needs no promtool.
func TestAlertsUnitTested(t *testing.T) {
	var tf alertsTestFile
	readYAML(t, alertsTestPath, &tf)
	if len(tf.RuleFiles) != 1 || tf.RuleFiles[0] != "alerts.yml" {
		t.Errorf("%s: rule_files %q, want [alerts.yml]", alertsTestPath, tf.RuleFiles)
	}
	fires, quiet := map[string]int{}, map[string]int{}
	known := map[string]bool{}
	for _, r := range loadRules(t) {
		known[r.Alert] = true
	}
	for _, tc := range tf.Tests {
		for _, c := range tc.AlertRuleTest {
			if !known[c.AlertName] {
				t.Errorf("test %q checks unknown alert %q", tc.Name, c.AlertName)
			}
			if len(c.ExpAlerts) > 0 {
				fires[c.AlertName]++
			} else {
				quiet[c.AlertName]++
			}
		}
	}
	for name := range known {
		if fires[name] == 0 {
			t.Errorf("alert %s: no check in %s where it fires", name, alertsTestPath)
		}
		if quiet[name] == 0 {
			t.Errorf("alert %s: no check in %s where it must stay quiet (exp_alerts: [])", name, alertsTestPath)
		}
	}
}

// TestDashboards checks the dashboards' structure, variables, and that every
// panel queries known series with known labels.
func TestDashboards(t *testing.T) {
	cat := loadCatalogue(t)
	dashboards := loadDashboards(t)
	for _, want := range []string{"pipeline.json", "newsroom.json"} {
		if _, ok := dashboards[want]; !ok {
			t.Errorf("dashboard %s missing", want)
		}
	}
	uids := map[string]string{}
	for file, d := range dashboards {
		t.Run(file, func(t *testing.T) {
			if d.UID == "" || d.Title == "" {
				t.Errorf("uid %q / title %q must be set", d.UID, d.Title)
			}
			if other, ok := uids[d.UID]; ok {
				t.Errorf("uid %q also used by %s", d.UID, other)
			}
			uids[d.UID] = file
			vars := map[string]variable{}
			for _, v := range d.Templating.List {
				vars[v.Name] = v
			}
			if v, ok := vars["datasource"]; !ok || v.Type != "datasource" {
				t.Error(`no "datasource" variable of type datasource`)
			}
			// Variables: instance everywhere, topic where a series has one.
			known := map[string]string{}
			for _, b := range grafanaBuiltins {
				known[b] = "1m"
			}
			for name := range vars {
				known[name] = "x"
			}
			for name, v := range vars {
				if v.Type != "query" {
					continue
				}
				q := v.queryText()
				m := labelValuesQuery.FindStringSubmatch(q)
				if m == nil {
					t.Errorf("variable %s: query %q is not label_values(...)", name, q)
					continue
				}
				if m[1] != "" {
					for _, p := range cat.check(expandVars(m[1], known)) {
						t.Errorf("variable %s: %s", name, p)
					}
				}
				if !v.Multi || !v.IncludeAll {
					t.Errorf("variable %s: want multi-value with All", name)
				}
			}
			// job and instance as Grafana's dashboard linter wants them:
			// "All" is the regex .+, not the list of values seen.
			for _, name := range []string{"job", "instance"} {
				if v, ok := vars[name]; !ok || v.AllValue != ".+" {
					t.Errorf(`no %q variable with allValue ".+"`, name)
				}
			}
			if d.Editable {
				t.Error("editable: want false (provisioned dashboards are changed in the repository)")
			}
			ids := map[int]bool{}
			for _, p := range d.allPanels() {
				if ids[p.ID] {
					t.Errorf("panel id %d used twice", p.ID)
				}
				ids[p.ID] = true
				if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
					t.Errorf("panel %q: bad gridPos %+v", p.Title, p.GridPos)
				}
				if p.Type == "row" {
					continue
				}
				if p.Title == "" {
					t.Errorf("panel %d has no title", p.ID)
				}
				if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q: datasource %+v, want the ${datasource} variable", p.Title, p.Datasource)
				}
				n := 0
				for _, tg := range p.Targets {
					if strings.TrimSpace(tg.Expr) == "" {
						continue
					}
					n++
					for _, v := range varsUsed(tg.Expr) {
						if _, ok := known[v]; !ok {
							t.Errorf("panel %q: unknown variable $%s", p.Title, v)
						}
					}
					for _, problem := range cat.check(expandVars(tg.Expr, known)) {
						t.Errorf("panel %q %s: %s", p.Title, tg.RefID, problem)
					}
					for _, problem := range checkFilters(cat, tg.Expr, vars) {
						t.Errorf("panel %q %s: %s", p.Title, tg.RefID, problem)
					}
				}
				if n == 0 {
					t.Errorf("panel %q has no target with an expression", p.Title)
				}
			}
		})
	}
}

var (
	jobFilter      = `job=~"$job"`
	instanceFilter = `instance=~"$instance"`
	topicFilter    = `topic=~"$topic"`
)

// checkFilters requires every selector of a panel to follow the dashboard's
// job and instance variables, and the topic variable where the series has a
// topic.
func checkFilters(cat catalogue, expr string, vars map[string]variable) []string {
	var problems []string
	for _, m := range promMatchers.FindAllStringSubmatch(expr, -1) {
		name, body := m[1], m[2]
		for _, f := range []string{jobFilter, instanceFilter} {
			if !strings.Contains(body, f) {
				problems = append(problems, fmt.Sprintf("selector %s{%s} does not filter on %s", name, body, f))
			}
		}
		if _, ok := vars["topic"]; ok && cat[name].labels["topic"] && !strings.Contains(body, topicFilter) {
			problems = append(problems, fmt.Sprintf("selector %s{%s} has a topic label but does not filter on %s", name, body, topicFilter))
		}
	}
	return problems
}

// dockerfileExposed returns the ports the Dockerfile exposes.
