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
	objs := map[string]obj{}
	for _, r := range kust.Resources {
		for _, d := range readYAMLDocs(t, filepath.Join(k8sDir, r)) {
			o := obj(d)
			kind := o.str("kind")
			if kind == "" || o.str("apiVersion") == "" || o.str("metadata", "name") == "" {
				t.Errorf("%s: object without kind, apiVersion or name", r)
				continue
			}
			if _, dup := objs[kind]; dup {
				t.Errorf("%s: second %s", r, kind)
			}
			objs[kind] = o
		}
	}
	for _, k := range []string{"Deployment", "Service", "PodDisruptionBudget", "PodMonitor", "ScaledObject", "ConfigMap"} {
		if _, ok := objs[k]; !ok {
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

	cm := objs["ConfigMap"]
	env := map[string]string{}
	for k, v := range cm.sub("data") {
		env[k] = fmt.Sprint(v)
	}
	mport := port(t, env["NEWSFLOW_METRICS_ADDR"])

	dep := objs["Deployment"]
	pod := dep.sub("spec", "template")
	podLabels := pod.sub("metadata", "labels")
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
			if podLabels[k] != v {
				t.Errorf("%s: selector %s=%v does not match the pod labels %v", what, k, v, podLabels)
			}
		}
	}
	matches("Deployment", dep.get("spec", "selector", "matchLabels"))
	containers := pod.list("spec", "containers")
	if len(containers) != 1 {
		t.Fatalf("want one container, got %d", len(containers))
	}
	ctr := containers[0]
	if err := checkPinned(ctr.str("image")); err != nil {
		t.Error(err)
	}
	portNames := map[string]string{}
	for _, po := range ctr.list("ports") {
		portNames[po.str("name")] = po.str("containerPort")
	}
	if portNames["metrics"] != mport {
		t.Errorf("container port metrics = %q, NEWSFLOW_METRICS_ADDR port = %s", portNames["metrics"], mport)
	}
	usesConfigMap := false
	for _, e := range ctr.list("envFrom") {
		if e.str("configMapRef", "name") == cm.str("metadata", "name") {
			usesConfigMap = true
		}
	}
	if !usesConfigMap {
		t.Errorf("the container does not take its env from ConfigMap %s", cm.str("metadata", "name"))
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
	drain, err := time.ParseDuration(env["NEWSFLOW_SHUTDOWN_TIMEOUT"])
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

	svc := objs["Service"]
	matches("Service", svc.get("spec", "selector"))
	for _, p := range svc.list("spec", "ports") {
		tp := p.str("targetPort")
		if _, ok := portNames[tp]; !ok && tp != mport {
			t.Errorf("Service targetPort %q is not a container port", tp)
		}
	}
	matches("PodDisruptionBudget", objs["PodDisruptionBudget"].get("spec", "selector", "matchLabels"))

	pm := objs["PodMonitor"]
	matches("PodMonitor", pm.get("spec", "selector", "matchLabels"))
	if jl := pm.str("spec", "jobLabel"); fmt.Sprint(podLabels[jl]) != jobName {
		t.Errorf("PodMonitor jobLabel %q gives job=%v, the alert rules select job=%q", jl, podLabels[jl], jobName)
	}
	for _, eo := range pm.list("spec", "podMetricsEndpoints") {
		if _, ok := portNames[eo.str("port")]; !ok || eo.str("path") != "/metrics" {
			t.Errorf("PodMonitor endpoint %v: want port metrics, path /metrics", eo)
		}
	}

	so := objs["ScaledObject"]
	if so.str("spec", "scaleTargetRef", "name") != dep.str("metadata", "name") {
		t.Errorf("ScaledObject targets %q, not the Deployment", so.str("spec", "scaleTargetRef", "name"))
	}
	parts, err := strconv.Atoi(env["NEWSFLOW_PARTITIONS"])
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
		"bootstrapServers": env["NEWSFLOW_BROKERS"],
		"consumerGroup":    env["NEWSFLOW_GROUP"],
		"topic":            env["NEWSFLOW_INPUT"],
	} {
		if got := tr.str("metadata", field); tr.str("type") != "kafka" || got != want || want == "" {
			t.Errorf("ScaledObject %s trigger %s = %q, want %q", tr.str("type"), field, got, want)
		}
	}

	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.CommandContext(t.Context(), kubectl, "kustomize", k8sDir).CombinedOutput()
		if err != nil {
			t.Errorf("kubectl kustomize: %v\n%s", err, out)
		}
	} else {
		t.Log("kubectl not found: kustomize build not checked")
	}
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
