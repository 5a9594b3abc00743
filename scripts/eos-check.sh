#!/usr/bin/env bash
# scripts/eos-check.sh — exactly-once on the real broker of scripts/kafka.sh,
# read back by an independent client: newsflow publishes N articles (every
# 50th malformed), `newsflow run --guarantee exactly-once` processes them
# and is killed with SIGKILL K times mid-stream and restarted under the same
# instance name, then kcat (librdkafka) reads the output and dead-letter
# topics with isolation.level=read_committed. Every id must be there exactly
# once: 0 lost, 0 duplicates.
#
# Usage: eval "$(scripts/kafka.sh env)"; scripts/eos-check.sh
# Needs kcat. Environment: NEWSFLOW_BIN (a built newsflow; default: go
# build), EOS_CHECK_ARTICLES (default 3000), EOS_CHECK_KILLS (default 3).
# The last line is "eos-check: N passed, N failed".

set -euo pipefail
cd "$(dirname "$0")/.."
: "${NEWSFLOW_TEST_BROKERS:?run: eval \"\$(scripts/kafka.sh env)\" first}"
command -v kcat >/dev/null 2>&1 || { echo "eos-check: kcat is not installed" >&2; exit 1; }
n=${EOS_CHECK_ARTICLES:-3000}
kills=${EOS_CHECK_KILLS:-3}

work=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
bin=${NEWSFLOW_BIN:-$work/newsflow}
[[ -x $bin ]] || go build -o "$bin" ./cmd/newsflow

sfx="$(date +%s)-$$"
in="eos-in-$sfx" out="eos-out-$sfx" dlq="eos-dlq-$sfx" group="eos-g-$sfx"
b=$NEWSFLOW_TEST_BROKERS

# The articles, as JSON Lines with known ids.
python3 - "$n" >"$work/articles.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    aid = f"eos-{i:06d}"
    if i % 50 == 49:
        print('{"id": "' + aid + '", "body": "unterminated')
    else:
        print(json.dumps({"id": aid, "body": f"An article about the harbour authority of Lisbon and its new cranes, number {aid}. It has two sentences."}))
PY
"$bin" publish --brokers "$b" --topic "$in" --create-topic --partitions 3 "$work/articles.jsonl" >/dev/null

start() {
	"$bin" run --brokers "$b" --input "$in" --output "$out" --dlq "$dlq" --group "$group" --instance eos-check \
		--guarantee exactly-once --pipeline core --commit-interval 200ms --metrics-addr 127.0.0.1:0 \
		--replication-factor 1 >>"$work/nf.log" 2>&1 &
	pid=$!
}
for k in $(seq 1 "$kills"); do
	start
	for _ in $(seq 1 100); do grep -q "partitions assigned" "$work/nf.log" && break; sleep 0.1; done
	sleep "0.$((RANDOM % 9 + 1))"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	: >"$work/nf.log"
done
start
# Until the group has committed the end of every input partition.
for _ in $(seq 1 240); do
	if "$bin" offsets --brokers "$b" --group "$group" --topic "$in" 2>/dev/null | awk '/^TOTAL/ {exit !($NF == 0)}'; then break; fi
	sleep 0.5
done
kill -TERM "$pid"
wait "$pid" || { echo "FAIL newsflow exit after SIGTERM:"; tail -n 20 "$work/nf.log"; }
pid=

read_ids() { # topic format
	timeout 120 kcat -b "$b" -C -t "$1" -o beginning -e -q -X isolation.level=read_committed -f "$2"
}
read_ids "$out" '%s\n' | python3 -c 'import json,sys
for l in sys.stdin:
    l = l.strip()
    if l: print(json.loads(l)["id"])' >"$work/ids"
# Dead letters carry the original (malformed) bytes: take the id from them.
read_ids "$dlq" '%s\n' | sed -n 's/.*"id": "\(eos-[0-9]*\)".*/\1/p' >>"$work/ids"
passed=0 failed=0
if python3 - "$work/ids" "$n" <<'PY'
import sys, collections
ids = [l.strip() for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
want = {f"eos-{i:06d}" for i in range(n)}
c = collections.Counter(ids)
lost = want - set(c)
dups = sum(v - 1 for v in c.values() if v > 1)
extra = set(c) - want
print(f"records {n}, read_committed by kcat {len(ids)}, lost {len(lost)}, duplicates {dups}, unexpected {len(extra)}")
sys.exit(0 if not lost and not dups and not extra else 1)
PY
then
	echo "ok   exactly-once: $kills kill -9 of newsflow; kcat read_committed sees every id exactly once"
	passed=$((passed + 1))
else
	echo "FAIL exactly-once: kcat read_committed does not see every id exactly once"
	failed=$((failed + 1))
fi
echo "eos-check: $passed passed, $failed failed"
((failed == 0))
