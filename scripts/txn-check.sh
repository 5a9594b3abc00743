#!/usr/bin/env bash
# scripts/txn-check.sh — transactional input written by an independent
# client: confluent-kafka (librdkafka, from PyPI) with its transactional API
# writes articles into newsflow's input topic on three partitions, in five
# transactions of which two are aborted, interleaving with plain records.
# Then `newsflow run` (read_committed by default) processes them, and an
# independent read_committed consumer reads the output and the dead-letter
# topic back. Checks: every committed article enriched exactly once, no
# aborted one enriched, no transaction marker dead-lettered, the group's
# committed offsets at the end of every input partition.
#
# Usage: eval "$(scripts/kafka.sh env)"; scripts/txn-check.sh
# Needs python3 with venv; installs confluent-kafka into a cached venv.
# Exit 3 when confluent-kafka cannot be installed (the caller skips loudly).
# The last line is "txn-check: N passed, N failed".

set -euo pipefail
cd "$(dirname "$0")/.."
: "${NEWSFLOW_TEST_BROKERS:?run: eval \"\$(scripts/kafka.sh env)\" first}"

venv=${NEWSFLOW_PY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/newsflow/pyvenv}
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import confluent_kafka' 2>/dev/null; then
	python3 -m venv "$venv" >/dev/null 2>&1 || { echo "txn-check: python3 -m venv failed" >&2; exit 3; }
	"$venv/bin/pip" install -q 'confluent-kafka>=2.6,<3' >/dev/null 2>&1 || { echo "txn-check: pip install confluent-kafka failed" >&2; exit 3; }
fi
py=$venv/bin/python

work=$(mktemp -d)
pid=
cleanup() {
	[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

bin=${NEWSFLOW_BIN:-$work/newsflow}
[[ -x $bin ]] || go build -o "$bin" ./cmd/newsflow

sfx="$(date +%s)-$$"
in="txn-in-$sfx" out="txn-out-$sfx" dlq="txn-dlq-$sfx" group="txn-g-$sfx"
bootstrap=${NEWSFLOW_TEST_BROKERS%%,*}

# 1. confluent-kafka writes: 5 transactions (2 aborted) plus plain records.
"$py" - "$bootstrap" "$in" "$work/expected.json" <<'PY'
import json, sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, expected = sys.argv[1:4]
admin = AdminClient({"bootstrap.servers": bootstrap})
for f in admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)]).values():
    f.result()
tx = Producer({"bootstrap.servers": bootstrap, "transactional.id": topic + "-tx", "enable.idempotence": True})
plain = Producer({"bootstrap.servers": bootstrap})
tx.init_transactions(30)
committed, aborted = [], []
n = 0
for t in range(5):
    commit = t not in (1, 3)
    tx.begin_transaction()
    for p in range(3):
        for _ in range(3):
            aid = f"cf-{n}"
            n += 1
            body = f"A transactional article from confluent-kafka about the port of Lisbon, number {aid}."
            tx.produce(topic, key=aid, value=json.dumps({"id": aid, "body": body}), partition=p)
            (committed if commit else aborted).append(aid)
    if commit:
        tx.commit_transaction(30)
    else:
        tx.abort_transaction(30)
    pid_ = f"plain-{t}"
    plain.produce(topic, key=pid_, value=json.dumps({"id": pid_, "body": "A plain article between transactions."}), partition=t % 3)
    plain.flush(30)
    committed.append(pid_)
json.dump({"committed": committed, "aborted": aborted}, open(expected, "w"))
PY

# 2. newsflow processes them.
"$bin" run --brokers "$NEWSFLOW_TEST_BROKERS" --input "$in" --output "$out" --dlq "$dlq" --group "$group" \
	--metrics-addr 127.0.0.1:0 --replication-factor 1 --pipeline core >"$work/nf.log" 2>&1 &
pid=$!

# 3. An independent read_committed consumer reads the output back, and the
#    group's committed offsets are compared with the partitions' ends.
passed=0 failed=0
if "$py" - "$bootstrap" "$in" "$out" "$dlq" "$group" "$work/expected.json" <<'PY'
import json, sys, time
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic_in, topic_out, topic_dlq, group, expected = sys.argv[1:7]
exp = json.load(open(expected))
want = set(exp["committed"])
def read(topic, until, timeout):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-check-reader-" + topic, "auto.offset.reset": "earliest",
                  "isolation.level": "read_committed", "enable.auto.commit": False})
    c.subscribe([topic])
    got, end = [], time.time() + timeout
    while time.time() < end and not until(got):
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got.append(m)
    c.close()
    return got
out = read(topic_out, lambda g: len({m.key().decode() for m in g}) >= len(want), 90)
ids = [json.loads(m.value())["id"] for m in out]
ok = True
missing = want - set(ids)
if missing:
    print("missing enriched:", sorted(missing)); ok = False
extra = set(ids) & set(exp["aborted"])
if extra:
    print("aborted articles enriched:", sorted(extra)); ok = False
dups = {i for i in ids if ids.count(i) > 1}
if dups:
    print("enriched more than once:", sorted(dups)); ok = False
dl = read(topic_dlq, lambda g: False, 5)
if dl:
    print(len(dl), "dead letters, want none (markers must not be processed)"); ok = False
# Committed offsets reach the end of every input partition (past the markers).
c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
deadline = time.time() + 30
while True:
    parts = [TopicPartition(topic_in, p) for p in range(3)]
    committed = c.committed(parts, timeout=10)
    ends = [c.get_watermark_offsets(TopicPartition(topic_in, p), timeout=10)[1] for p in range(3)]
    if [tp.offset for tp in committed] == ends or time.time() > deadline:
        break
    time.sleep(0.5)
c.close()
if [tp.offset for tp in committed] != ends:
    print("committed offsets", [tp.offset for tp in committed], "!= partition ends", ends); ok = False
print(f"{len(want)} committed articles enriched once each, {len(exp['aborted'])} aborted ones not, 0 dead letters, commits at the ends {ends}" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY
then
	echo "ok   confluent-kafka transactional producer → newsflow (read_committed) → confluent-kafka read_committed consumer"
	passed=$((passed + 1))
else
	echo "FAIL txn-check; newsflow log tail:"; tail -n 20 "$work/nf.log"
	failed=$((failed + 1))
fi
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if [[ $rc -ne 0 ]]; then
	echo "FAIL newsflow exit $rc after SIGTERM"; failed=$((failed + 1))
fi
echo "txn-check: $passed passed, $failed failed"
((failed == 0))
