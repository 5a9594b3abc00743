#!/usr/bin/env bash
# Checks the Helm chart deploy/helm/newsflow:
#
#   1. helm lint --strict, with the default values and with
#      ci/all-on-values.yaml (SASL, TLS, exactly-once, KEDA, PodMonitor,
#      PrometheusRule, dashboards);
#   2. helm template for both, and bad values that must be refused with a
#      message naming the value (values.schema.json and the chart's checks);
#   3. every rendered object against its Kubernetes API type
#      (scripts/kubeschema: strict decoding into k8s.io/api, the Prometheus
#      Operator's and KEDA's types), deploy/k8s likewise;
#   4. the renders through the same consistency checks as deploy/k8s plus
#      the chart's own (go test -run TestHelmRendered ./deploy/);
#   5. helm package: the packaged chart carries its dashboards, rules and
#      schema, and not ci/.
#
#   scripts/helm-check.sh
#
# Exit 0 ok, 1 a check failed, 3 skipped (helm could not be fetched from the
# Go module proxy). helm is built once from the Go module proxy into
# $NEWSFLOW_TOOLS (default ~/.cache/newsflow-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

HELM_VERSION=v3.22.0
# helm template's idea of the cluster: a helm built with `go install` has no
# Kubernetes version stamped in and would assume v1.20.
KUBE_VERSION=1.33.0
CHART=deploy/helm/newsflow
ALL_ON="$CHART/ci/all-on-values.yaml"
TOOLS="${NEWSFLOW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow-tools}"
HELM="$TOOLS/helm-$HELM_VERSION/helm"

say() { printf '\n== %s\n' "$*"; }
loud() { printf '\n!!!! %s !!!!\n' "$*" >&2; }

if [ ! -x "$HELM" ]; then
  if ! msg=$(cd /tmp && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" 2>&1); then
    loud "HELM CHART CHECK SKIPPED: helm.sh/helm/v3@$HELM_VERSION could not be downloaded from the Go module proxy"
    printf '%s\n' "$msg" | tail -3 >&2
    exit 3
  fi
  say "building helm $HELM_VERSION into $(dirname "$HELM") (once, a few minutes)"
  log=$(mktemp)
  if ! (cd /tmp && GOBIN="$(dirname "$HELM")" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION") >"$log" 2>&1; then
    if grep -qiE 'dial tcp|no such host|connection refused|i/o timeout|TLS handshake|403 Forbidden|404 Not Found' "$log"; then
      loud "HELM CHART CHECK SKIPPED: a dependency of helm could not be downloaded from the Go module proxy"
      tail -3 "$log" >&2
      rm -f "$log"
      exit 3
    fi
    echo "building helm failed:" >&2
    tail -20 "$log" >&2
    exit 1
  fi
  rm -f "$log"
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
template() { "$HELM" template newsflow "$CHART" --namespace newsflow --kube-version "$KUBE_VERSION" "$@"; }

say "helm lint --strict (defaults, then everything on)"
"$HELM" lint --strict "$CHART"
"$HELM" lint --strict "$CHART" -f "$ALL_ON"

say "helm template"
template >"$out/default.yaml"
template -f "$ALL_ON" >"$out/all-on.yaml"
for f in "$out"/*.yaml; do
  echo "$(basename "$f"): $(grep -c '^kind: ' "$f") objects ($(grep '^kind: ' "$f" | sort | uniq -c | awk '{printf "%s%s×%s", sep, $3, $1; sep=" "}'))"
done

say "NOTES.txt with everything on (rendered through a check template in a copy of the chart)"
cp -R "$CHART" "$out/notes-chart"
cat >"$out/notes-chart/templates/notes-check.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-check
data:
  NOTES.txt: |
    {{- include (print $.Template.BasePath "/NOTES.txt") . | nindent 4 }}
EOF
"$HELM" template newsflow "$out/notes-chart" --namespace newsflow --kube-version "$KUBE_VERSION" -f "$ALL_ON" \
  --show-only templates/notes-check.yaml | sed -n '/NOTES.txt: |/,$p' | tail -n +2 | sed 's/^    //'
rm -rf "$out/notes-chart"

say "bad values are refused, naming the value"
must_fail() {
  local want=$1 msg
  shift
  if msg=$(template "$@" 2>&1); then
    echo "FAIL: helm template accepted $*" >&2
    exit 1
  fi
  if ! grep -qF -- "$want" <<<"$msg"; then
    echo "FAIL: helm template refused $* without naming $want:" >&2
    printf '%s\n' "$msg" >&2
    exit 1
  fi
  echo "refused: $* -> $(grep -F -m1 -- "$want" <<<"$msg" | sed 's/^[[:space:]-]*//' | cut -c1-150)"
}
must_fail "/guarantee" --set guarantee=exactly_once
must_fail "/topics/input" --set-json 'topics={"input":"articles.raw,,more raw","output":"o","dlq":"d"}'
must_fail "three different topics" --set topics.output=articles.raw
must_fail "/kafka/sasl/username" --set kafka.sasl.enabled=true --set kafka.sasl.passwordSecret.name=kafka-user
must_fail "must not exceed partitions" --set autoscaling.enabled=true --set autoscaling.maxReplicas=4
must_fail "certKey and kafka.tls.secret.keyKey" --set kafka.tls.enabled=true --set kafka.tls.secret.name=tls --set kafka.tls.secret.certKey=tls.crt
must_fail "autoscalling" --set autoscalling.enabled=true
must_fail "config.brokers is not allowed: set kafka.brokers" --set config.brokers=kafka:9092
must_fail "/securityContext/readOnlyRootFilesystem" --set securityContext.readOnlyRootFilesystem=false

say "objects against their API types (scripts/kubeschema)"
k8s_files=()
for f in deploy/k8s/*.yaml; do
  [ "$(basename "$f")" = kustomization.yaml ] || k8s_files+=("$PWD/$f")
done
(cd scripts/kubeschema && go vet . && go run . "$out/default.yaml" "$out/all-on.yaml")
(cd scripts/kubeschema && go run . "${k8s_files[@]}")

say "consistency checks on the renders (go test -run TestHelmRendered ./deploy/)"
NEWSFLOW_HELM_RENDERED="$out" go test -count=1 -v -run '^TestHelmRendered$' ./deploy/ | grep -E '^(=== RUN|--- |PASS|FAIL|ok|    )'

say "helm package"
"$HELM" package "$CHART" --destination "$out/pkg" >/dev/null
contents=$(tar -tzf "$out"/pkg/newsflow-*.tgz)
wanted=(newsflow/Chart.yaml newsflow/values.schema.json newsflow/files/alerts.yml newsflow/templates/NOTES.txt)
for f in "$CHART"/dashboards/*.json; do
  wanted+=("newsflow/dashboards/$(basename "$f")")
done
for want in "${wanted[@]}"; do
  grep -qxF "$want" <<<"$contents" || { echo "FAIL: the packaged chart lacks $want" >&2; exit 1; }
done
if grep -q '^newsflow/ci/' <<<"$contents"; then
  echo "FAIL: the packaged chart carries ci/ (see .helmignore)" >&2
  exit 1
fi
echo "$(basename "$out"/pkg/newsflow-*.tgz): $(wc -l <<<"$contents") files"

say "helm-check: all checks passed"
