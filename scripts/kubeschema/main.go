// Command kubeschema checks Kubernetes manifests against the API types they
// name, offline: every document of every file given is decoded strictly
// (unknown or misspelt fields, wrong types, bad quantities and duplicate keys
// are errors) into the Go type of its apiVersion and kind — k8s.io/api for
// built-in kinds, the Prometheus Operator's monitoring/v1 types for PodMonitor
// and PrometheusRule, and a transcription of KEDA's keda.sh/v1alpha1 types
// (keda.go) for ScaledObject and TriggerAuthentication. Names, label keys and
// label values are checked with the API server's own validation functions.
// A kind it does not know is an error, so nothing passes unchecked.
//
//	go run . FILE.yaml...
//
// It exits 1 listing every problem, and prints one summary line otherwise.
// scripts/helm-check.sh runs it on the rendered Helm chart and on deploy/k8s.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// kinds maps apiVersion/kind to a constructor of its Go type.
var kinds = map[string]func() any{
	"v1/ConfigMap":                            func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                               func() any { return new(corev1.Secret) },
	"v1/Service":                              func() any { return new(corev1.Service) },
	"v1/Namespace":                            func() any { return new(corev1.Namespace) },
	"apps/v1/Deployment":                      func() any { return new(appsv1.Deployment) },
	"policy/v1/PodDisruptionBudget":           func() any { return new(policyv1.PodDisruptionBudget) },
	"monitoring.coreos.com/v1/PodMonitor":     func() any { return new(monitoringv1.PodMonitor) },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return new(monitoringv1.PrometheusRule) },
	"keda.sh/v1alpha1/ScaledObject":           func() any { return new(scaledObject) },
	"keda.sh/v1alpha1/TriggerAuthentication":  func() any { return new(triggerAuthentication) },
}

// header is what every object carries.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kubeschema FILE.yaml...")
		os.Exit(2)
	}
	var problems []string
	counts := map[string]int{}
	for _, path := range os.Args[1:] {
		n, errs := checkFile(path, counts)
		for _, e := range errs {
			problems = append(problems, fmt.Sprintf("%s: %v", path, e))
		}
		if n == 0 && len(errs) == 0 {
			problems = append(problems, path+": no Kubernetes object")
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		fmt.Fprintf(os.Stderr, "kubeschema: %d problem(s)\n", len(problems))
		os.Exit(1)
	}
	var summary []string
	total := 0
	for k, n := range counts {
		summary = append(summary, fmt.Sprintf("%s×%d", k, n))
		total += n
	}
	sort.Strings(summary)
	fmt.Printf("kubeschema: %d objects in %d file(s) valid: %s\n", total, len(os.Args)-1, strings.Join(summary, " "))
}

// checkFile checks every document of one file and counts them by kind.
func checkFile(path string, counts map[string]int) (int, []error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, []error{err}
	}
	defer f.Close()
	r := k8syaml.NewYAMLReader(bufio.NewReader(f))
	var errs []error
	n := 0
	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n, errs
		}
		if err != nil {
			return n, append(errs, fmt.Errorf("document %d: %w", i, err))
		}
		if isEmpty(doc) {
			continue
		}
		n++
		kind, err := checkDoc(doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("document %d (%s): %w", i, kind, err))
			continue
		}
		counts[kind]++
	}
}

// isEmpty reports whether a YAML document holds only comments and blanks.
func isEmpty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		l := bytes.TrimSpace(line)
		if len(l) > 0 && l[0] != '#' && string(l) != "---" {
			return false
		}
	}
	return true
}

// checkDoc decodes one object strictly into its type and checks its metadata.
func checkDoc(doc []byte) (string, error) {
	var h header
	if err := yaml.Unmarshal(doc, &h); err != nil {
		return "?", err
	}
	kind := h.APIVersion + "/" + h.Kind
	if h.Metadata.Name != "" {
		kind += " " + h.Metadata.Name
	}
	newObj, ok := kinds[h.APIVersion+"/"+h.Kind]
	if !ok {
		return kind, fmt.Errorf("unknown apiVersion/kind %s/%s (add its type to kubeschema)", h.APIVersion, h.Kind)
	}
	if err := decodeStrict(doc, newObj()); err != nil {
		return kind, err
	}
	var errs []error
	for _, m := range validation.IsDNS1123Subdomain(h.Metadata.Name) {
		errs = append(errs, fmt.Errorf("metadata.name %q: %s", h.Metadata.Name, m))
	}
	if h.Metadata.Namespace != "" {
		for _, m := range validation.IsDNS1123Label(h.Metadata.Namespace) {
			errs = append(errs, fmt.Errorf("metadata.namespace %q: %s", h.Metadata.Namespace, m))
		}
	}
	for k, v := range h.Metadata.Labels {
		for _, m := range validation.IsQualifiedName(k) {
			errs = append(errs, fmt.Errorf("label key %q: %s", k, m))
		}
		for _, m := range validation.IsValidLabelValue(v) {
			errs = append(errs, fmt.Errorf("label %s value %q: %s", k, v, m))
		}
	}
	for k := range h.Metadata.Annotations {
		for _, m := range validation.IsQualifiedName(strings.ToLower(k)) {
			errs = append(errs, fmt.Errorf("annotation key %q: %s", k, m))
		}
	}
	switch h.Kind {
	case "Deployment":
		errs = append(errs, checkDeployment(doc)...)
	case "ScaledObject":
		errs = append(errs, checkScaledObject(doc)...)
	case "TriggerAuthentication":
		errs = append(errs, checkTriggerAuthentication(doc)...)
	}
	if err := errors.Join(errs...); err != nil {
		return kind, err
	}
	return strings.Fields(kind)[0], nil
}

// decodeStrict converts YAML to JSON as kubectl and Helm do before they send
// an object (untyped: an unquoted 500 stays a number), then decodes it
// rejecting unknown fields. Duplicate keys are errors too.
func decodeStrict(doc []byte, v any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// checkDeployment checks what strict decoding cannot: the fields the API
// server requires, and the pod template's labels.
func checkDeployment(doc []byte) []error {
	var d appsv1.Deployment
	if err := yaml.Unmarshal(doc, &d); err != nil {
		return []error{err}
	}
	var errs []error
	if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
		errs = append(errs, errors.New("spec.selector.matchLabels is required"))
	}
	for k, v := range d.Spec.Template.Labels {
		for _, m := range validation.IsValidLabelValue(v) {
			errs = append(errs, fmt.Errorf("pod label %s value %q: %s", k, v, m))
		}
	}
	if len(d.Spec.Template.Spec.Containers) == 0 {
		errs = append(errs, errors.New("spec.template.spec.containers is required"))
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, m := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, fmt.Errorf("container name %q: %s", c.Name, m))
		}
		if c.Image == "" {
			errs = append(errs, fmt.Errorf("container %s: image is required", c.Name))
		}
		for _, p := range c.Ports {
			if p.Name != "" {
				for _, m := range validation.IsValidPortName(p.Name) {
					errs = append(errs, fmt.Errorf("container %s port name %q: %s", c.Name, p.Name, m))
				}
			}
		}
		for _, e := range c.Env {
			for _, m := range validation.IsEnvVarName(e.Name) {
				errs = append(errs, fmt.Errorf("container %s env %q: %s", c.Name, e.Name, m))
			}
		}
	}
	volumes := map[string]bool{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				errs = append(errs, fmt.Errorf("container %s mounts volume %q, which the pod does not have", c.Name, m.Name))
			}
		}
	}
	return errs
}

// checkScaledObject applies the checks of KEDA's admission webhook that need
// no cluster: a target, at least one typed trigger, idle < min <= max.
func checkScaledObject(doc []byte) []error {
	var so scaledObject
	if err := yaml.Unmarshal(doc, &so); err != nil {
		return []error{err}
	}
	var errs []error
	s := so.Spec
	if s.ScaleTargetRef == nil || s.ScaleTargetRef.Name == "" {
		errs = append(errs, errors.New("spec.scaleTargetRef.name is required"))
	}
	if len(s.Triggers) == 0 {
		errs = append(errs, errors.New("spec.triggers: at least one trigger is required"))
	}
	for i, t := range s.Triggers {
		if t.Type == "" {
			errs = append(errs, fmt.Errorf("spec.triggers[%d].type is required", i))
		}
		if t.AuthenticationRef != nil && t.AuthenticationRef.Name == "" {
			errs = append(errs, fmt.Errorf("spec.triggers[%d].authenticationRef.name is required", i))
		}
	}
	minR, maxR := int32(0), int32(100) // KEDA's defaults
	if s.MinReplicaCount != nil {
		minR = *s.MinReplicaCount
	}
	if s.MaxReplicaCount != nil {
		maxR = *s.MaxReplicaCount
	}
	if minR > maxR {
		errs = append(errs, fmt.Errorf("minReplicaCount %d must not exceed maxReplicaCount %d", minR, maxR))
	}
	if s.IdleReplicaCount != nil && *s.IdleReplicaCount >= minR {
		errs = append(errs, fmt.Errorf("idleReplicaCount %d must be below minReplicaCount %d", *s.IdleReplicaCount, minR))
	}
	return errs
}

// checkTriggerAuthentication requires every reference to be complete.
func checkTriggerAuthentication(doc []byte) []error {
	var ta triggerAuthentication
	if err := yaml.Unmarshal(doc, &ta); err != nil {
		return []error{err}
	}
	var errs []error
	for i, r := range ta.Spec.SecretTargetRef {
		if r.Parameter == "" || r.Name == "" || r.Key == "" {
			errs = append(errs, fmt.Errorf("spec.secretTargetRef[%d]: parameter, name and key are required (got %+v)", i, r))
		}
	}
	for i, e := range ta.Spec.Env {
		if e.Parameter == "" || e.Name == "" {
			errs = append(errs, fmt.Errorf("spec.env[%d]: parameter and name are required (got %+v)", i, e))
		}
	}
	if len(ta.Spec.SecretTargetRef)+len(ta.Spec.Env) == 0 {
		errs = append(errs, errors.New("spec: no authentication source"))
	}
	return errs
}
