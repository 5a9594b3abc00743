#!/usr/bin/env bash
# Lints the Grafana dashboards with Grafana's dashboard linter, strictly
# (every error and warning fails):
#
#   scripts/dashboard-lint.sh [dashboard.json...]   # default: deploy/grafana/dashboards/*.json
#
# Exit 0 clean, 1 lint problems or a build failure, 3 skipped (the linter's
# source could not be fetched from the Go module proxy).
#
# The linter (github.com/grafana/dashboard-linter, Apache-2.0) is built from
# its source once into $NEWSFLOW_TOOLS (default ~/.cache/newsflow-tools). It
# cannot be `go install`ed: its go.mod has a replace directive, and v0.3.0
# imports two AGPL modules (grafana/loki for LogQL rules, grafana's
# apps/dashboard for v2 dashboards) that this project does not use. So the
# source is downloaded, those two files are replaced by stubs (LogQL and v2
# dashboards are reported as unsupported; newsflow's dashboards are classic
# JSON over Prometheus, so no rule that applies to them is lost), and it is
# built as its own main module.
#
# Rule exclusions, if ever needed, go in deploy/grafana/dashboards/.lint with
# a reason for each (the linter's documented format).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

LINTER_MODULE=github.com/grafana/dashboard-linter
LINTER_VERSION=v0.3.0
TOOLS="${NEWSFLOW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow-tools}"
BIN="$TOOLS/dashboard-linter-$LINTER_VERSION/dashboard-linter"

loud() { printf '\n!!!! %s !!!!\n' "$*" >&2; }

build_linter() {
  local info dir work
  if ! info=$(cd /tmp && go mod download -json "$LINTER_MODULE@$LINTER_VERSION" 2>&1); then
    loud "DASHBOARD LINT SKIPPED: $LINTER_MODULE@$LINTER_VERSION could not be downloaded from the Go module proxy"
    printf '%s\n' "$info" | tail -3 >&2
    exit 3
  fi
  dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  for f in go.mod main.go lint/v2.go lint/rule_target_logql_auto.go; do
    [ -f "$dir/$f" ] || { echo "dashboard-lint: $dir/$f missing: the linter's layout changed, update this script" >&2; exit 1; }
  done
  work=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  cp -R "$dir/." "$work/"
  chmod -R u+w "$work"
  rm -f "$work"/lint/*_test.go
  cat > "$work/lint/v2.go" <<'EOF'
package lint

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Stub: v2 dashboards need github.com/grafana/grafana/apps/dashboard (AGPL).
func isV2APIVersion(apiVersion string) bool {
	v := apiVersion
	if i := strings.LastIndex(v, "/"); i >= 0 {
		v = v[i+1:]
	}
	return strings.HasPrefix(v, "v2")
}

func newDashboardFromV2(_ json.RawMessage, apiVersion string) (Dashboard, error) {
	return Dashboard{}, fmt.Errorf("%s: v2 dashboards are not supported by this build", apiVersion)
}
EOF
  cat > "$work/lint/rule_target_logql_auto.go" <<'EOF'
package lint

import "errors"

// Stub: LogQL parsing needs github.com/grafana/loki/v3 (AGPL).
func parseLogQL(string, []Template) (any, error) {
	return nil, errors.New("LogQL is not supported by this build")
}

func NewTargetLogQLAutoRule() *TargetRuleFunc {
	return &TargetRuleFunc{
		name:        "target-logql-auto-rule",
		description: "Checks that each Loki target uses $__auto (not in this build).",
		fn:          func(Dashboard, Panel, Target) TargetRuleResults { return TargetRuleResults{} },
	}
}
EOF
  echo "dashboard-lint: building $LINTER_MODULE $LINTER_VERSION into $(dirname "$BIN") (once)"
  mkdir -p "$(dirname "$BIN")"
  if ! (cd "$work" &&
        go mod edit -droprequire github.com/grafana/loki/v3 -droprequire github.com/grafana/grafana/apps/dashboard &&
        GOFLAGS=-mod=mod go build -trimpath -o "$BIN.tmp" .) >"$work/build.log" 2>&1; then
    if grep -qiE 'dial tcp|no such host|connection refused|i/o timeout|TLS handshake|proxy\.golang\.org|403 Forbidden|404 Not Found' "$work/build.log"; then
      loud "DASHBOARD LINT SKIPPED: a dependency of the linter could not be downloaded from the Go module proxy"
      tail -3 "$work/build.log" >&2
      exit 3
    fi
    echo "dashboard-lint: building the linter failed:" >&2
    tail -20 "$work/build.log" >&2
    exit 1
  fi
  mv "$BIN.tmp" "$BIN"
}

[ -x "$BIN" ] || build_linter

if [ "$#" -eq 0 ]; then
  set -- deploy/grafana/dashboards/*.json
fi
rc=0
for f in "$@"; do
  # The linter prints every rule's description; keep only the findings.
  if out=$("$BIN" lint --strict "$f" 2>&1); then
    echo "dashboard-lint: $f: clean"
  else
    rc=1
    echo "dashboard-lint: $f:" >&2
    printf '%s\n' "$out" | grep -v '^Checks that ' >&2 || true
  fi
done
exit "$rc"
