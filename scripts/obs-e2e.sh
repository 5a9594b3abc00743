#!/usr/bin/env bash
# Tier 4, observability end to end: a real Prometheus scrapes `newsflow demo`
# using deploy/prometheus/{prometheus,alerts}.yml, and every Grafana panel
# query and alert rule in deploy/ is evaluated through its HTTP API (see
# deploy/e2e_test.go). Also runs promtool check config / check rules / test
# rules. Needs the prometheus and promtool binaries (Debian: apt-get install
# -y prometheus); without them it says so loudly and exits 3.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
for b in prometheus promtool; do
  command -v "$b" >/dev/null 2>&1 || missing="$missing $b"
done
if [ -n "$missing" ]; then
  printf '\n!!!! OBSERVABILITY TIER SKIPPED: not on PATH:%s (apt-get install -y prometheus) !!!!\n' "$missing"
  exit 3
fi

# -count=1: the test runs external processes, whose results go test's cache
# cannot see.
NEWSFLOW_E2E=1 go test -count=1 -v -run '^(TestPromtool|TestObservabilityE2E)$' ./deploy/
