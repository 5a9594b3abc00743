package deploy

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/kafkasec"
)

// The Helm chart, and the variable scripts/helm-check.sh sets to a directory
// of `helm template` outputs (one rendering per *.yaml file).
const (
	chartDir          = "helm/newsflow"
	chartDashboards   = chartDir + "/dashboards"
	chartAlertsPath   = chartDir + "/files/alerts.yml"
	helmRenderedEnv   = "NEWSFLOW_HELM_RENDERED"
	dashboardLabel    = "grafana_dashboard"
	chartAppNameLabel = "app.kubernetes.io/name"
)

// TestHelmChartCopies requires the chart's dashboards and alert rules to be
// byte-identical copies of deploy/grafana/dashboards and
// deploy/prometheus/alerts.yml (Helm reads files inside the chart only, and
// does not follow symlinks out of it).
func TestHelmChartCopies(t *testing.T) {
	fix := fmt.Sprintf("cp %s/*.json deploy/%s/ && cp deploy/%s deploy/%s", "deploy/"+dashboardsDir, chartDashboards, alertsPath, chartAlertsPath)
	src := globNames(t, filepath.Join(dashboardsDir, "*.json"))
	dst := globNames(t, filepath.Join(chartDashboards, "*.json"))
	if !slices.Equal(src, dst) {
		t.Errorf("chart dashboards %v, want the same files as %s %v (%s)", dst, dashboardsDir, src, fix)
	}
	for _, name := range src {
		sameFile(t, filepath.Join(dashboardsDir, name), filepath.Join(chartDashboards, name), fix)
	}
	sameFile(t, alertsPath, chartAlertsPath, fix)
}

func globNames(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	slices.Sort(names)
	return names
}

func sameFile(t *testing.T, want, got, fix string) {
	t.Helper()
	a, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Errorf("%v (%s)", err, fix)
		return
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s differs from %s: the chart must carry an exact copy (%s)", got, want, fix)
	}
}

// TestHelmChart checks Chart.yaml, and that the chart's defaults agree with
// deploy/k8s: the same image version, settings, autoscaling, resources and
// scrape configuration.
func TestHelmChart(t *testing.T) {
	var chart struct {
		APIVersion string `yaml:"apiVersion"`
		Name       string `yaml:"name"`
		Version    string `yaml:"version"`
		AppVersion string `yaml:"appVersion"`
	}
	readYAML(t, filepath.Join(chartDir, "Chart.yaml"), &chart)
	if chart.APIVersion != "v2" || chart.Name != "newsflow" || chart.Version == "" {
		t.Errorf("Chart.yaml: apiVersion %q name %q version %q, want v2, newsflow and a version", chart.APIVersion, chart.Name, chart.Version)
	}
	var kust struct {
		Images []struct {
			NewTag string `yaml:"newTag"`
		} `yaml:"images"`
	}
	readYAML(t, filepath.Join(k8sDir, "kustomization.yaml"), &kust)
	if len(kust.Images) != 1 || kust.Images[0].NewTag != chart.AppVersion {
		t.Errorf("Chart.yaml appVersion %q, deploy/k8s image tag %v: want the same version", chart.AppVersion, kust.Images)
	}

	values := obj(loadValues(t))
	k8s := map[string]obj{}
	for _, f := range []string{"configmap.yaml", "deployment.yaml", "scaledobject.yaml", "podmonitor.yaml", "poddisruptionbudget.yaml"} {
		docs := readYAMLDocs(t, filepath.Join(k8sDir, f))
		if len(docs) != 1 {
			t.Fatalf("%s: want one object", f)
		}
		k8s[f] = docs[0]
	}
	env := k8s["configmap.yaml"].sub("data")
	var brokers []string
	list, _ := values.get("kafka", "brokers").([]any)
	for _, b := range list {
		brokers = append(brokers, fmt.Sprint(b))
	}
	ctr := k8s["deployment.yaml"].list("spec", "template", "spec", "containers")[0]
	so := k8s["scaledobject.yaml"]
	trigger := so.list("spec", "triggers")[0]
	pm := k8s["podmonitor.yaml"].list("spec", "podMetricsEndpoints")[0]
	for _, c := range []struct{ what, chart, k8s string }{
		{"kafka.brokers", strings.Join(brokers, ","), fmt.Sprint(env["NEWSFLOW_BROKERS"])},
		{"topics.input", values.str("topics", "input"), fmt.Sprint(env["NEWSFLOW_INPUT"])},
		{"topics.output", values.str("topics", "output"), fmt.Sprint(env["NEWSFLOW_OUTPUT"])},
		{"topics.dlq", values.str("topics", "dlq"), fmt.Sprint(env["NEWSFLOW_DLQ"])},
		{"group", values.str("group"), fmt.Sprint(env["NEWSFLOW_GROUP"])},
		{"partitions", values.str("partitions"), fmt.Sprint(env["NEWSFLOW_PARTITIONS"])},
		{"shutdownTimeoutSeconds", values.str("shutdownTimeoutSeconds") + "s", fmt.Sprint(env["NEWSFLOW_SHUTDOWN_TIMEOUT"])},
		{"service.port", ":" + values.str("service", "port"), fmt.Sprint(env["NEWSFLOW_METRICS_ADDR"])},
		{"config.log-format", values.str("config", "log-format"), fmt.Sprint(env["NEWSFLOW_LOG_FORMAT"])},
		{"resources.requests.cpu", values.str("resources", "requests", "cpu"), ctr.str("resources", "requests", "cpu")},
		{"resources.requests.memory", values.str("resources", "requests", "memory"), ctr.str("resources", "requests", "memory")},
		{"resources.limits.memory", values.str("resources", "limits", "memory"), ctr.str("resources", "limits", "memory")},
		{"autoscaling.minReplicas", values.str("autoscaling", "minReplicas"), so.str("spec", "minReplicaCount")},
		{"autoscaling.maxReplicas", values.str("autoscaling", "maxReplicas"), so.str("spec", "maxReplicaCount")},
		{"autoscaling.pollingInterval", values.str("autoscaling", "pollingInterval"), so.str("spec", "pollingInterval")},
		{"autoscaling.cooldownPeriod", values.str("autoscaling", "cooldownPeriod"), so.str("spec", "cooldownPeriod")},
		{"autoscaling.lagThreshold", values.str("autoscaling", "lagThreshold"), trigger.str("metadata", "lagThreshold")},
		{"autoscaling.kafkaVersion", values.str("autoscaling", "kafkaVersion"), trigger.str("metadata", "version")},
		{"podDisruptionBudget.maxUnavailable", values.str("podDisruptionBudget", "maxUnavailable"), k8s["poddisruptionbudget.yaml"].str("spec", "maxUnavailable")},
		{"podMonitor.interval", values.str("podMonitor", "interval"), pm.str("interval")},
		{"podMonitor.scrapeTimeout", values.str("podMonitor", "scrapeTimeout"), pm.str("scrapeTimeout")},
	} {
		if c.chart != c.k8s {
			t.Errorf("values.yaml %s = %q, deploy/k8s has %q", c.what, c.chart, c.k8s)
		}
	}
}

// loadValues reads the chart's values.yaml.
func loadValues(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	readYAML(t, filepath.Join(chartDir, "values.yaml"), &v)
	return v
}

// TestHelmValuesSchema validates the chart's values files against
// values.schema.json with the JSON Schema library Helm itself uses, and
// requires bad values to be refused at the right place (the message helm
// lint and helm install print).
func TestHelmValuesSchema(t *testing.T) {
	schemaPath := filepath.Join(chartDir, "values.schema.json")
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("values.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("values.schema.json")
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	defaults := loadValues(t)
	validate := func(v map[string]any) error {
		t.Helper()
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
		if err != nil {
			t.Fatal(err)
		}
		return schema.Validate(inst)
	}
	if err := validate(defaults); err != nil {
		t.Errorf("values.yaml: %v", err)
	}
	ci, _ := filepath.Glob(filepath.Join(chartDir, "ci", "*.yaml"))
	if len(ci) == 0 {
		t.Errorf("no values files in %s/ci", chartDir)
	}
	for _, f := range ci {
		var over map[string]any
		readYAML(t, f, &over)
		if err := validate(coalesce(defaults, over)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	for _, tc := range []struct {
		name, values string
		at           string // where the error must point
	}{
		{"input topic names", `topics: {input: "articles.raw,,more raw"}`, "'/topics/input'"},
		{"guarantee", `guarantee: exactly_once`, "'/guarantee'"},
		{"broker without port", `kafka: {brokers: [kafka]}`, "'/kafka/brokers/0'"},
		{"no broker", `kafka: {brokers: []}`, "'/kafka/brokers'"},
		{"SASL mechanism", `kafka: {sasl: {enabled: true, mechanism: gssapi, username: u, passwordSecret: {name: s}}}`, "'/kafka/sasl/mechanism'"},
		{"SASL without user", `kafka: {sasl: {enabled: true, passwordSecret: {name: s}}}`, "'/kafka/sasl/username'"},
		{"SASL without secret", `kafka: {sasl: {enabled: true, username: u}}`, "'/kafka/sasl/passwordSecret/name'"},
		{"misspelt key", `autoscalling: {enabled: true}`, "'autoscalling'"},
		{"misspelt nested key", `autoscaling: {maxReplica: 3}`, "'maxReplica'"},
		{"no memory limit", `resources: {limits: {memory: null}}`, "'/resources/limits'"},
		{"bad quantity", `resources: {requests: {memory: 300MB}}`, "'/resources/requests/memory'"},
		{"writable root fs", `securityContext: {readOnlyRootFilesystem: false}`, "'/securityContext/readOnlyRootFilesystem'"},
		{"root", `podSecurityContext: {runAsNonRoot: false}`, "'/podSecurityContext/runAsNonRoot'"},
		{"latest", `image: {tag: latest}`, "'/image/tag'"},
		{"config key not a flag name", `config: {Log_Level: debug}`, "'Log_Level'"},
		{"config value a map", `config: {log-level: {x: 1}}`, "'/config/log-level'"},
		{"no partitions", `partitions: 0`, "'/partitions'"},
		{"lag threshold type", `autoscaling: {lagThreshold: "500"}`, "'/autoscaling/lagThreshold'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var over map[string]any
			if err := yaml.Unmarshal([]byte(tc.values), &over); err != nil {
				t.Fatal(err)
			}
			err := validate(coalesce(defaults, over))
			if err == nil {
				t.Fatalf("%s: accepted", tc.values)
			}
			if !strings.Contains(err.Error(), tc.at) {
				t.Errorf("%s: error does not point at %s:\n%v", tc.values, tc.at, err)
			}
		})
	}
}

// coalesce merges over into a copy of base as Helm merges user values into
// the chart's: maps recursively, a null deletes the key, anything else wins.
func coalesce(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			out[k] = coalesce(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}

// TestHelmRendered checks the chart as Helm renders it: the same
// consistency checks as deploy/k8s (TestKubernetes), and what the chart adds:
// every setting a real flag with a valid value, Secrets mounted where the
// settings point, KEDA's authentication matching newsflow's, the alert rules
// and dashboards equal to deploy/'s. scripts/helm-check.sh renders the chart
// and runs it; without helm it is skipped.
func TestHelmRendered(t *testing.T) {
	dir := os.Getenv(helmRenderedEnv)
	if dir == "" {
		t.Skipf("SKIPPED: set %s to a directory of `helm template` outputs (scripts/helm-check.sh does)", helmRenderedEnv)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.yaml in %s (%v)", dir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var m manifests
			for _, d := range readYAMLDocs(t, f) {
				m = append(m, obj(d))
			}
			checkRendered(t, m)
		})
	}
}

func checkRendered(t *testing.T, m manifests) {
	names := map[string]bool{}
	for _, o := range m {
		id := o.str("kind") + "/" + o.str("metadata", "name")
		if names[id] {
			t.Errorf("%s rendered twice", id)
		}
		names[id] = true
		if o.str("metadata", "labels", chartAppNameLabel) != jobName || o.str("metadata", "labels", "app.kubernetes.io/managed-by") != "Helm" {
			t.Errorf("%s: labels %v, want %s=%s and the Helm labels", id, o.get("metadata", "labels"), chartAppNameLabel, jobName)
		}
	}
	for _, k := range []string{"Deployment", "ConfigMap", "Service"} {
		if len(m.ofKind(k)) == 0 {
			t.Errorf("no %s rendered", k)
		}
	}
	w := checkWorkload(t, m)
	checkSettings(t, w.env)

	pod := w.dep.sub("spec", "template", "spec")
	if pod.str("securityContext", "runAsNonRoot") != "true" || w.ctr.str("securityContext", "readOnlyRootFilesystem") != "true" ||
		w.ctr.str("securityContext", "allowPrivilegeEscalation") != "false" {
		t.Errorf("want a non-root pod with a read-only root filesystem and no privilege escalation, got pod %v, container %v",
			pod.get("securityContext"), w.ctr.get("securityContext"))
	}
	scaled := len(m.ofKind("ScaledObject")) > 0
	if _, fixed := w.dep.sub("spec")["replicas"]; fixed == scaled {
		t.Errorf("Deployment replicas set = %v with a ScaledObject = %v: exactly one of them must own the count", fixed, scaled)
	}
	for _, e := range w.ctr.list("env") {
		if e.str("name") == kafkasec.PasswordEnv {
			t.Errorf("%s in the pod spec: the password must come from a mounted Secret", kafkasec.PasswordEnv)
		}
	}

	// Every file a setting names is an item of a mounted Secret.
	mounted := secretFiles(w, pod)
	secretFor := map[string]secretRef{}
	for _, key := range []string{"NEWSFLOW_SASL_PASSWORD_FILE", "NEWSFLOW_TLS_CA", "NEWSFLOW_TLS_CERT", "NEWSFLOW_TLS_KEY"} {
		path, ok := w.env[key]
		if !ok {
			continue
		}
		ref, ok := mounted[path]
		if !ok {
			t.Errorf("%s=%s is no file of a mounted Secret (mounted: %v)", key, path, mounted)
		}
		secretFor[key] = ref
	}
	if _, ok := w.env["NEWSFLOW_SASL_MECHANISM"]; ok != (secretFor["NEWSFLOW_SASL_PASSWORD_FILE"] != secretRef{}) {
		t.Errorf("SASL mechanism set = %v but password file mounted = %v", ok, secretFor["NEWSFLOW_SASL_PASSWORD_FILE"])
	}

	for _, so := range m.ofKind("ScaledObject") {
		checkKEDAAuth(t, m, so, w.env, secretFor)
	}
	for _, pr := range m.ofKind("PrometheusRule") {
		var rf map[string]any
		readYAML(t, alertsPath, &rf)
		if got, want := normalize(t, pr.get("spec", "groups")), normalize(t, rf["groups"]); !reflect.DeepEqual(got, want) {
			t.Errorf("PrometheusRule %s: groups differ from %s", pr.str("metadata", "name"), alertsPath)
		}
	}
	var dashboards []string
	for _, cm := range m.ofKind("ConfigMap") {
		if cm.str("metadata", "labels", dashboardLabel) == "" {
			continue
		}
		for name, v := range cm.sub("data") {
			dashboards = append(dashboards, name)
			want, err := os.ReadFile(filepath.Join(dashboardsDir, name))
			if err != nil {
				t.Errorf("ConfigMap %s: %v", cm.str("metadata", "name"), err)
			} else if fmt.Sprint(v) != string(want) {
				t.Errorf("ConfigMap %s: %s differs from %s", cm.str("metadata", "name"), name, filepath.Join(dashboardsDir, name))
			}
		}
	}
	if len(dashboards) > 0 {
		slices.Sort(dashboards)
		if want := globNames(t, filepath.Join(dashboardsDir, "*.json")); !slices.Equal(dashboards, want) {
			t.Errorf("dashboard ConfigMaps hold %v, want %v", dashboards, want)
		}
	}
}

// checkSettings requires every NEWSFLOW_* setting to be a flag of `newsflow
// run` whose value that flag accepts, and the settings to pass newsflow's own
// validation (except the Kafka security files, which exist only in the pod).
func checkSettings(t *testing.T, env map[string]string) {
	t.Helper()
	s := app.DefaultSettings()
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.Register(fs)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		name, ok := strings.CutPrefix(k, "NEWSFLOW_")
		if !ok {
			t.Errorf("ConfigMap key %s is not a NEWSFLOW_ setting", k)
			continue
		}
		name = strings.ToLower(strings.ReplaceAll(name, "_", "-"))
		if fs.Lookup(name) == nil {
			t.Errorf("%s: newsflow run has no flag --%s", k, name)
			continue
		}
		if err := fs.Set(name, env[k]); err != nil {
			t.Errorf("%s=%q: %v", k, env[k], err)
		}
	}
	s.Security = kafkasec.Options{}
	if err := s.Validate(); err != nil {
		t.Errorf("newsflow would refuse these settings: %v", err)
	}
}

// secretRef is one key of one Secret.
type secretRef struct{ secret, key string }

// secretFiles maps each file path the container sees from a Secret volume
// to the Secret and key it holds.
func secretFiles(w workload, pod obj) map[string]secretRef {
	vols := map[string]obj{}
	for _, v := range pod.list("volumes") {
		vols[v.str("name")] = v
	}
	out := map[string]secretRef{}
	for _, vm := range w.ctr.list("volumeMounts") {
		v, ok := vols[vm.str("name")]
		if !ok || v.get("secret") == nil {
			continue
		}
		for _, it := range v.list("secret", "items") {
			out[filepath.Join(vm.str("mountPath"), it.str("path"))] = secretRef{v.str("secret", "secretName"), it.str("key")}
		}
	}
	return out
}

// checkKEDAAuth requires KEDA's Kafka trigger to authenticate as newsflow
// does: the same SASL mechanism, user, password Secret, TLS and certificates.
func checkKEDAAuth(t *testing.T, m manifests, so obj, env map[string]string, secretFor map[string]secretRef) {
	t.Helper()
	tr := so.list("spec", "triggers")[0]
	_, sasl := env["NEWSFLOW_SASL_MECHANISM"]
	tls := env["NEWSFLOW_TLS"] == "true"
	ref := tr.str("authenticationRef", "name")
	if !sasl && !tls {
		if ref != "" {
			t.Errorf("ScaledObject authenticates (%s) to plaintext brokers", ref)
		}
		return
	}
	ta := m.named("TriggerAuthentication", ref)
	if ta == nil {
		t.Fatalf("ScaledObject: brokers need SASL/TLS but authenticationRef %q names no rendered TriggerAuthentication", ref)
	}
	params := map[string]secretRef{}
	for _, r := range ta.list("spec", "secretTargetRef") {
		params[r.str("parameter")] = secretRef{r.str("name"), r.str("key")}
	}
	// The value KEDA reads for a parameter, when it comes from a rendered Secret.
	value := func(p string) string {
		r := params[p]
		s := m.named("Secret", r.secret)
		if s == nil {
			return ""
		}
		return s.str("stringData", r.key)
	}
	wantSASL := map[string]string{"": "none", "plain": "plaintext", "scram-sha-256": "scram_sha256", "scram-sha-512": "scram_sha512"}[env["NEWSFLOW_SASL_MECHANISM"]]
	if got := value("sasl"); got != wantSASL {
		t.Errorf("KEDA sasl = %q, want %q for mechanism %q", got, wantSASL, env["NEWSFLOW_SASL_MECHANISM"])
	}
	if got, want := value("tls"), map[bool]string{true: "enable", false: "disable"}[tls]; got != want {
		t.Errorf("KEDA tls = %q, want %q", got, want)
	}
	if sasl {
		if got := value("username"); got != env["NEWSFLOW_SASL_USERNAME"] {
			t.Errorf("KEDA username = %q, newsflow's = %q", got, env["NEWSFLOW_SASL_USERNAME"])
		}
		if params["password"] != secretFor["NEWSFLOW_SASL_PASSWORD_FILE"] {
			t.Errorf("KEDA password from %v, newsflow's from %v", params["password"], secretFor["NEWSFLOW_SASL_PASSWORD_FILE"])
		}
	}
	for p, setting := range map[string]string{"ca": "NEWSFLOW_TLS_CA", "cert": "NEWSFLOW_TLS_CERT", "key": "NEWSFLOW_TLS_KEY"} {
		if params[p] != secretFor[setting] {
			t.Errorf("KEDA %s from %v, newsflow's %s from %v", p, params[p], setting, secretFor[setting])
		}
	}
}

// normalize round-trips decoded YAML through JSON, so numbers and maps
// compare equal whatever decoder produced them.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
