#!/usr/bin/env bash
# Tracing end to end: a real Jaeger receives the traces of a demo run.
#
#   1. builds Jaeger (github.com/jaegertracing/jaeger/cmd/jaeger, the v2
#      binary, from the Go module proxy) once into $NEWSFLOW_TOOLS;
#   2. starts it with its built-in all-in-one configuration (in-memory
#      storage; OTLP receivers on 4317/4318; query API on 16686), on
#      127.0.0.1 only;
#   3. runs `newsflow demo --once --otlp-endpoint http://127.0.0.1:4318`;
#   4. asks the query API for the traces of service "newsflow" and checks
#      that one trace has a "newsflow.process" span with, under it, a span
#      for every stage of the full pipeline and a "newsflow.write" span.
#
#   scripts/jaeger-check.sh
#
# Exit 0 ok, 1 a check failed, 3 skipped (Jaeger could not be fetched from
# the Go module proxy). Ports: JAEGER_OTLP_HTTP (4318), JAEGER_OTLP_GRPC
# (4317), JAEGER_QUERY (16686).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

JAEGER_VERSION=v1.76.0 # the Go module version of the Jaeger v2 line
TOOLS="${NEWSFLOW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow-tools}"
JAEGER="$TOOLS/jaeger-$JAEGER_VERSION/jaeger"
OTLP_HTTP="${JAEGER_OTLP_HTTP:-4318}"
OTLP_GRPC="${JAEGER_OTLP_GRPC:-4317}"
QUERY="${JAEGER_QUERY:-16686}"
# The stages of the demo's (full) pipeline, as `newsflow demo` runs it.
STAGES="decode clean dedup language segment entities quotes keyphrases summary tone stats mentions"

say() { printf '\n== %s\n' "$*"; }
loud() { printf '\n!!!! %s !!!!\n' "$*" >&2; }
need_python() { command -v python3 >/dev/null 2>&1 || { echo "python3 is needed to read the query API's JSON" >&2; exit 1; }; }
need_python

if [ ! -x "$JAEGER" ]; then
  # `go install …@version` refuses modules with replace directives:
  # build in a throwaway module that requires Jaeger as a tool.
  src="$TOOLS/jaeger-$JAEGER_VERSION/src"
  mkdir -p "$src"
  log=$(mktemp)
  say "building Jaeger $JAEGER_VERSION into $(dirname "$JAEGER") (once, several minutes)"
  if ! (cd "$src" && { [ -f go.mod ] || go mod init newsflow-tools/jaeger >/dev/null 2>&1; } &&
        go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION") >"$log" 2>&1; then
    loud "JAEGER TRACING CHECK SKIPPED: github.com/jaegertracing/jaeger@$JAEGER_VERSION could not be downloaded from the Go module proxy"
    tail -3 "$log" >&2
    rm -f "$log"
    exit 3
  fi
  if ! (cd "$src" && go build -trimpath -o "$JAEGER" github.com/jaegertracing/jaeger/cmd/jaeger) >"$log" 2>&1; then
    if grep -qiE 'dial tcp|no such host|connection refused|i/o timeout|TLS handshake|403 Forbidden|404 Not Found' "$log"; then
      loud "JAEGER TRACING CHECK SKIPPED: a dependency of Jaeger could not be downloaded from the Go module proxy"
      tail -3 "$log" >&2
      rm -f "$log"
      exit 3
    fi
    echo "building Jaeger failed:" >&2
    tail -20 "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
fi

work=$(mktemp -d)
jpid=""
cleanup() {
  if [ -n "$jpid" ]; then kill "$jpid" 2>/dev/null || true; wait "$jpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for p in "$OTLP_HTTP" "$OTLP_GRPC" "$QUERY"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is taken: set JAEGER_OTLP_HTTP, JAEGER_OTLP_GRPC, JAEGER_QUERY" >&2
    exit 1
  fi
done

# The all-in-one configuration, on loopback only.
cat >"$work/jaeger.yaml" <<EOF
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:0
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:$QUERY
    grpc:
      endpoint: 127.0.0.1:0
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$OTLP_GRPC
      http:
        endpoint: 127.0.0.1:$OTLP_HTTP
processors:
  batch:
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
EOF

say "starting Jaeger (OTLP/HTTP 127.0.0.1:$OTLP_HTTP, query 127.0.0.1:$QUERY)"
"$JAEGER" --config "file:$work/jaeger.yaml" >"$work/jaeger.log" 2>&1 &
jpid=$!
for i in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$QUERY/api/services" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$jpid" 2>/dev/null; then echo "Jaeger exited:" >&2; tail -30 "$work/jaeger.log" >&2; exit 1; fi
  if [ "$i" -eq 100 ]; then echo "Jaeger's query API did not answer within 20 s:" >&2; tail -30 "$work/jaeger.log" >&2; exit 1; fi
  sleep 0.2
done

say "newsflow demo --once --otlp-endpoint http://127.0.0.1:$OTLP_HTTP"
if ! go run ./cmd/newsflow demo --once --quiet --metrics-addr 127.0.0.1:0 --otlp-endpoint "http://127.0.0.1:$OTLP_HTTP" >"$work/demo.log" 2>&1; then
  echo "the demo failed:" >&2
  tail -30 "$work/demo.log" >&2
  exit 1
fi
tail -3 "$work/demo.log"

say "the query API: a trace of service newsflow with a span for every stage"
# The demo flushed its spans on exit; Jaeger's batch processor may hold
# them a moment more.
for i in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$QUERY/api/traces?service=newsflow&limit=1000&lookback=1h" >"$work/traces.json" || true
  if STAGES="$STAGES" python3 - "$work/traces.json" <<'PY'
import json, os, sys
stages = os.environ["STAGES"].split()
try:
    data = json.load(open(sys.argv[1])).get("data") or []
except Exception:
    sys.exit(1)
best = None
for tr in data:
    spans = tr.get("spans", [])
    by_id = {s["spanID"]: s for s in spans}
    for rec in (s for s in spans if s["operationName"] == "newsflow.process"):
        kids = {s["operationName"] for s in spans
                if any(r.get("refType") == "CHILD_OF" and r.get("spanID") == rec["spanID"] for r in s.get("references", []))}
        missing = [n for n in stages + ["newsflow.write"] if n not in kids]
        if best is None or len(missing) < len(best[1]):
            best = (tr["traceID"], missing, len(spans))
if best and not best[1]:
    print(f"trace {best[0]}: {best[2]} spans; newsflow.process with children {' '.join(stages)} newsflow.write")
    print(f"{len(data)} traces of service newsflow in Jaeger")
    sys.exit(0)
if best:
    print(f"best trace {best[0]} lacks: {' '.join(best[1])}", file=sys.stderr)
sys.exit(1)
PY
  then
    exit 0
  fi
  sleep 0.2
done
echo "no trace of service newsflow in Jaeger covers every stage" >&2
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])).get("data") or []; print(len(d), "traces; operations:", sorted({s["operationName"] for t in d for s in t["spans"]}))' "$work/traces.json" >&2 || true
tail -20 "$work/jaeger.log" >&2
exit 1
