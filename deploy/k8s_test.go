package deploy

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKubernetes checks the kustomization and the consistency of the
// Deployment, Service, PodDisruptionBudget, PodMonitor and ScaledObject.
func TestKubernetes(t *testing.T) {
	var kust struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
			Digest  string `yaml:"digest"`
		} `yaml:"images"`
	}
	readYAML(t, filepath.Join(k8sDir, "kustomization.yaml"), &kust)
	var m manifests
	seen := map[string]bool{}
	for _, r := range kust.Resources {
		for _, d := range readYAMLDocs(t, filepath.Join(k8sDir, r)) {
			o := obj(d)
			kind := o.str("kind")
			if kind == "" || o.str("apiVersion") == "" || o.str("metadata", "name") == "" {
				t.Errorf("%s: object without kind, apiVersion or name", r)
				continue
			}
			if seen[kind] {
				t.Errorf("%s: second %s", r, kind)
			}
			seen[kind] = true
			m = append(m, o)
		}
	}
	for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget", "PodMonitor", "ScaledObject", "ConfigMap"} {
		if !seen[k] {
			t.Fatalf("no %s in the kustomization", k)
		}
	}
	for _, im := range kust.Images {
		ref := im.NewName + ":" + im.NewTag
		if im.Digest != "" {
			ref = im.NewName + "@" + im.Digest
		}
		if err := checkPinned(ref); err != nil {
			t.Errorf("kustomization images: %v", err)
		}
	}
	w := checkWorkload(t, m)
	checkSettings(t, w.env)

	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.CommandContext(t.Context(), kubectl, "kustomize", k8sDir).CombinedOutput()
		if err != nil {
			t.Errorf("kubectl kustomize: %v\n%s", err, out)
		}
	} else {
		t.Log("kubectl not found: kustomize build not checked")
	}
}

// manifests is a set of decoded Kubernetes objects: deploy/k8s's, or one
// rendering of the Helm chart.
type manifests []obj

// ofKind returns the objects of one kind.
func (m manifests) ofKind(kind string) []obj {
	var out []obj
	for _, o := range m {
		if o.str("kind") == kind {
			out = append(out, o)
		}
	}
	return out
}

// named returns the object of a kind and name, or nil.
func (m manifests) named(kind, name string) obj {
	for _, o := range m.ofKind(kind) {
		if o.str("metadata", "name") == name {
			return o
		}
	}
	return nil
}

// workload is what checkWorkload found: the Deployment, its one container,
// the settings it reads from its ConfigMap, and the pod's labels.
type workload struct {
	dep       obj
	ctr       obj
	env       map[string]string // the ConfigMap's NEWSFLOW_* settings
	podLabels obj
	ports     map[string]string // container port name → number
}

// checkWorkload checks that newsflow's objects agree with each other: the
// Deployment and the ConfigMap it takes its settings from (required), and the
// Service, PodDisruptionBudget, PodMonitor and ScaledObject when present.
func checkWorkload(t *testing.T, m manifests) workload {
	t.Helper()
	deps := m.ofKind("Deployment")
	if len(deps) != 1 {
		t.Fatalf("want one Deployment, got %d", len(deps))
	}
	w := workload{dep: deps[0], env: map[string]string{}, ports: map[string]string{}}
	pod := w.dep.sub("spec", "template")
	w.podLabels = pod.sub("metadata", "labels")
	matches := func(what string, sel any) {
		t.Helper()
		m := obj{}
		if sm, ok := sel.(map[string]any); ok {
			m = sm
		}
		if len(m) == 0 {
			t.Errorf("%s: empty selector", what)
		}
		for k, v := range m {
			if w.podLabels[k] != v {
				t.Errorf("%s: selector %s=%v does not match the pod labels %v", what, k, v, w.podLabels)
			}
		}
	}
	matches("Deployment", w.dep.get("spec", "selector", "matchLabels"))
	containers := pod.list("spec", "containers")
	if len(containers) != 1 {
		t.Fatalf("want one container, got %d", len(containers))
	}
	w.ctr = containers[0]
	ctr := w.ctr
	if err := checkPinned(ctr.str("image")); err != nil {
		t.Error(err)
	}
	var cm obj
	for _, e := range ctr.list("envFrom") {
		if c := m.named("ConfigMap", e.str("configMapRef", "name")); c != nil {
			cm = c
		}
	}
	if cm == nil {
		t.Fatalf("the container takes its env from no ConfigMap of the manifests (envFrom %v)", ctr.get("envFrom"))
	}
	for k, v := range cm.sub("data") {
		w.env[k] = fmt.Sprint(v)
	}
	mport := port(t, w.env["NEWSFLOW_METRICS_ADDR"])
	for _, po := range ctr.list("ports") {
		w.ports[po.str("name")] = po.str("containerPort")
	}
	if w.ports["metrics"] != mport {
		t.Errorf("container port metrics = %q, NEWSFLOW_METRICS_ADDR port = %s", w.ports["metrics"], mport)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		got := ctr.str(probe, "httpGet", "path")
		p := ctr.str(probe, "httpGet", "port")
		if got != path || (p != "metrics" && p != mport) {
			t.Errorf("%s: GET %s on port %s, want %s on the metrics port", probe, got, p, path)
		}
	}
	for _, r := range []string{"requests.cpu", "requests.memory", "limits.memory"} {
		a, b, _ := strings.Cut(r, ".")
		if ctr.str("resources", a, b) == "" {
			t.Errorf("resources.%s not set", r)
		}
	}
	for _, eo := range ctr.list("env") {
		if eo.str("name") != "GOMEMLIMIT" {
			continue
		}
		soft, limit := mebibytes(eo.str("value")), mebibytes(ctr.str("resources", "limits", "memory"))
		if soft <= 0 || limit <= 0 || soft >= limit {
			t.Errorf("GOMEMLIMIT %q must be below limits.memory %q", eo.str("value"), ctr.str("resources", "limits", "memory"))
		}
	}
	drain, err := time.ParseDuration(w.env["NEWSFLOW_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Errorf("NEWSFLOW_SHUTDOWN_TIMEOUT: %v", err)
	}
	grace, _ := strconv.Atoi(pod.str("spec", "terminationGracePeriodSeconds"))
	if time.Duration(grace)*time.Second <= drain {
		t.Errorf("terminationGracePeriodSeconds %d must exceed the drain deadline %s", grace, drain)
	}
	ann := pod.sub("metadata", "annotations")
	if ann["prometheus.io/port"] != mport || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("scrape annotations %v disagree with the metrics port %s", ann, mport)
	}

	for _, svc := range m.ofKind("Service") {
		matches("Service", svc.get("spec", "selector"))
		for _, p := range svc.list("spec", "ports") {
			tp := p.str("targetPort")
			if _, ok := w.ports[tp]; !ok && tp != mport {
				t.Errorf("Service targetPort %q is not a container port", tp)
			}
		}
	}
	for _, pdb := range m.ofKind("PodDisruptionBudget") {
		matches("PodDisruptionBudget", pdb.get("spec", "selector", "matchLabels"))
	}

	for _, pm := range m.ofKind("PodMonitor") {
		matches("PodMonitor", pm.get("spec", "selector", "matchLabels"))
		if jl := pm.str("spec", "jobLabel"); fmt.Sprint(w.podLabels[jl]) != jobName {
			t.Errorf("PodMonitor jobLabel %q gives job=%v, the alert rules select job=%q", jl, w.podLabels[jl], jobName)
		}
		for _, eo := range pm.list("spec", "podMetricsEndpoints") {
			if _, ok := w.ports[eo.str("port")]; !ok || eo.str("path") != "/metrics" {
				t.Errorf("PodMonitor endpoint %v: want port metrics, path /metrics", eo)
			}
		}
	}

	for _, so := range m.ofKind("ScaledObject") {
		if so.str("spec", "scaleTargetRef", "name") != w.dep.str("metadata", "name") {
			t.Errorf("ScaledObject targets %q, not the Deployment", so.str("spec", "scaleTargetRef", "name"))
		}
		parts, err := strconv.Atoi(w.env["NEWSFLOW_PARTITIONS"])
		if err != nil {
			t.Errorf("NEWSFLOW_PARTITIONS: %v", err)
		}
		maxR, _ := strconv.Atoi(so.str("spec", "maxReplicaCount"))
		minR, _ := strconv.Atoi(so.str("spec", "minReplicaCount"))
		if maxR < 1 || maxR > parts || minR < 1 || minR > maxR {
			t.Errorf("replicas %d..%d: want 1 <= min <= max <= partitions (%d)", minR, maxR, parts)
		}
		triggers := so.list("spec", "triggers")
		if len(triggers) != 1 {
			t.Fatalf("want one trigger, got %d", len(triggers))
		}
		tr := triggers[0]
		for field, want := range map[string]string{
			"bootstrapServers": w.env["NEWSFLOW_BROKERS"],
			"consumerGroup":    w.env["NEWSFLOW_GROUP"],
			"topic":            w.env["NEWSFLOW_INPUT"],
		} {
			if got := tr.str("metadata", field); tr.str("type") != "kafka" || got != want || want == "" {
				t.Errorf("ScaledObject %s trigger %s = %q, want %q", tr.str("type"), field, got, want)
			}
		}
	}
	return w
}

// obj navigates decoded YAML.
type obj map[string]any

func (o obj) get(path ...string) any {
	var cur any = map[string]any(o)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// sub returns the mapping at path, or an empty one.
func (o obj) sub(path ...string) obj {
	m, _ := o.get(path...).(map[string]any)
	return m
}

// list returns the mappings in the sequence at path (other items are skipped).
func (o obj) list(path ...string) []obj {
	l, _ := o.get(path...).([]any)
	var out []obj
	for _, v := range l {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func (o obj) str(path ...string) string {
	v := o.get(path...)
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// mebibytes reads a Kubernetes quantity ("512Mi", "1Gi") or a GOMEMLIMIT
// ("460MiB", "1GiB"); it returns 0 for anything else.
func mebibytes(q string) float64 {
	m := regexp.MustCompile(`^(\d+(?:\.\d+)?)(Mi|Gi|MiB|GiB)$`).FindStringSubmatch(q)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	if strings.HasPrefix(m[2], "G") {
		v *= 1024
	}
	return v
}
