#!/usr/bin/env bash
# scripts/test-kafka-sh.sh — regression test for scripts/kafka.sh's handling of
# a broker that died without `stop` (kill -9): its pid file outlives it, and
# `up` used to read that stale pid, report "the broker exited during startup"
# and exit 1 while the new broker started anyway, orphaned.
#
# Runs its own broker on its own ports and work dir (it never touches a broker
# started with the defaults), and checks:
#   1. start; create a topic with 3 partitions.
#   2. kill -9 the broker: `status` says not running (exit 1) and leaves the
#      stale pid file; `up` exits 0, the broker answers (the topic made before
#      the kill is described with its 3 partitions), the pid file names the
#      new broker, and exactly one broker of this work dir runs.
#   3. kill -9 again and point the pid file at a live decoy whose command line
#      says kafka.Kafka but with another work dir (a recycled pid, or another
#      broker): `up` must not take it for the broker — exit 0, broker
#      answers — and must leave the decoy alone.
#   4. kill -9 again: `start` (fresh work dir) exits 0 and the broker answers.
#   5. delete the pid file while the broker runs: `status` still finds it
#      (exit 0), `stop` stops it, and no broker of this work dir is left.
#
# Usage: scripts/test-kafka-sh.sh
# Environment: KAFKA_SH_TEST_PORT (first port, default 29192; five are used),
# and kafka.sh's own (KAFKA_VERSION, NEWSFLOW_CACHE, …).
# Exit codes: 0 every check passed; 1 a check failed; 3 Maven Central is
# unreachable and the jars are not cached (kafka.sh's skip code).

set -euo pipefail

kafka_sh=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka.sh
export NEWSFLOW_KAFKA_PORT=${KAFKA_SH_TEST_PORT:-29192}
work=$(mktemp -d "${TMPDIR:-/tmp}/test-kafka-sh.XXXXXX")
export NEWSFLOW_KAFKA_WORKDIR=$work/kafka
unset NEWSFLOW_KAFKA_KEEP
pid_file=$NEWSFLOW_KAFKA_WORKDIR/kafka.pid
bootstrap=127.0.0.1:$NEWSFLOW_KAFKA_PORT
decoy=

passed=0
failed=0
ok() {
	echo "ok   $*"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL $*"
	failed=$((failed + 1))
}

# brokers prints the pids of this work dir's kafka.Kafka processes.
brokers() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		if grep -qzxF kafka.Kafka "$f" 2>/dev/null &&
			grep -qzxF "$NEWSFLOW_KAFKA_WORKDIR/server.properties" "$f" 2>/dev/null; then
			echo "$pid"
		fi
	done
}

# cleanup stops the broker with kafka.sh and then, not trusting it (it is
# what is under test), kills whatever broker of this work dir is left.
cleanup() {
	if [[ -n $decoy ]]; then
		kill "$decoy" 2>/dev/null || true
	fi
	"$kafka_sh" stop >/dev/null 2>&1 || true
	local pid
	for pid in $(brokers); do
		echo "test-kafka-sh: killing broker $pid left behind" >&2
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# kill9 kills this work dir's broker and waits until it is gone (exited, or
# a zombie with no command line); it prints the broker's pid.
kill9() {
	local pid i
	pid=$(brokers | head -n 1)
	[[ -n $pid ]] || {
		echo "test-kafka-sh: no broker to kill" >&2
		return 1
	}
	kill -KILL "$pid"
	for ((i = 0; i < 100; i++)); do
		grep -qz . "/proc/$pid/cmdline" 2>/dev/null || break
		sleep 0.1
	done
	echo "$pid"
}

topics() {
	timeout 120 "$kafka_sh" run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" "$@"
}

# answers NAME WHAT: the broker answers metadata requests and describes the
# topic "probe" with its 3 partitions.
answers() {
	local out
	if out=$(topics --describe --topic probe 2>&1) && grep -q 'PartitionCount: 3' <<<"$out"; then
		ok "$1: broker answers, $2"
	else
		fail "$1: broker does not answer as expected: $(last "$out")"
	fi
}

# last TEXT: the last lines of TEXT on one line.
last() {
	tail -n 3 <<<"$1" | tr '\n' '|'
}

# one_broker NAME: exactly one broker of this work dir runs, and the pid file
# names it.
one_broker() {
	local pids
	pids=$(brokers | xargs)
	if [[ $pids =~ ^[0-9]+$ && -s $pid_file && $(<"$pid_file") == "$pids" ]]; then
		ok "$1: one broker (pid $pids), named by the pid file"
	else
		fail "$1: brokers of this work dir: '${pids}', pid file: '$(cat "$pid_file" 2>/dev/null)'"
	fi
}

# run_rc CMD...: runs CMD, its output to $work/out, and prints its exit code.
run_rc() {
	local rc=0
	"$@" >"$work/out" 2>&1 || rc=$?
	echo "$rc"
}

echo "test-kafka-sh: broker on $bootstrap, work dir $NEWSFLOW_KAFKA_WORKDIR"

# 1. A broker with a topic.
rc=$(run_rc "$kafka_sh" start)
if ((rc == 3)); then
	cat "$work/out" >&2
	echo "test-kafka-sh: SKIPPED: Maven Central unreachable and no cached Kafka jars"
	exit 3
elif ((rc != 0)); then
	cat "$work/out" >&2
	echo "test-kafka-sh: kafka.sh start failed ($rc)"
	exit 1
fi
topics --create --topic probe --partitions 3 >/dev/null
ok "start: broker up, topic created"

# 2. kill -9, then up.
old=$(kill9)
rc=$(run_rc "$kafka_sh" status)
if ((rc == 1)) && grep -q '^not running' "$work/out" && [[ -s $pid_file ]]; then
	ok "kill -9: status says not running (exit 1); the stale pid file ($old) is still there"
else
	fail "kill -9: status exit $rc: $(last "$(<"$work/out")"); pid file: $(cat "$pid_file" 2>/dev/null)"
fi
t0=$SECONDS
rc=$(run_rc "$kafka_sh" up)
if ((rc == 0)); then
	ok "up after kill -9: exit 0 in $((SECONDS - t0))s ($(grep -o 'removing stale pid file.*' "$work/out" || echo 'no stale-pid message'))"
else
	fail "up after kill -9: exit $rc: $(last "$(<"$work/out")")"
fi
answers "up after kill -9" "the topic made before the kill has its 3 partitions"
one_broker "up after kill -9"

# 3. kill -9, and the pid file names a live process that is not this broker.
kill9 >/dev/null
# The decoy is one bash process waiting in its builtin read on a FIFO (no
# child that could outlive it); its command line has a kafka.Kafka argument.
mkfifo "$work/fifo"
# shellcheck disable=SC2016 # $2 belongs to the inner shell
bash -c 'read -r -t 300 _ <>"$2"' kafka.Kafka "$work/other/server.properties" "$work/fifo" </dev/null >/dev/null 2>&1 &
decoy=$!
echo "$decoy" >"$pid_file"
rc=$(run_rc "$kafka_sh" up)
if ((rc == 0)) && ! grep -q 'already running' "$work/out"; then
	ok "up with the pid file naming another process: exit 0, not taken for the broker"
else
	fail "up with the pid file naming another process: exit $rc: $(last "$(<"$work/out")")"
fi
if kill -0 "$decoy" 2>/dev/null; then
	ok "up with the pid file naming another process: that process was left alone"
else
	fail "up with the pid file naming another process: that process was killed"
fi
answers "up with a recycled pid" "the topic made before the kill has its 3 partitions"
one_broker "up with a recycled pid"
kill "$decoy" 2>/dev/null || true
wait "$decoy" 2>/dev/null || true
decoy=

# 4. kill -9, then start (a fresh work dir).
kill9 >/dev/null
rc=$(run_rc "$kafka_sh" start)
if ((rc == 0)); then
	ok "start after kill -9: exit 0"
else
	fail "start after kill -9: exit $rc: $(last "$(<"$work/out")")"
fi
if topics --create --topic probe --partitions 3 >/dev/null 2>&1; then
	answers "start after kill -9" "a topic created in the fresh work dir has its 3 partitions"
else
	fail "start after kill -9: broker does not answer"
fi
one_broker "start after kill -9"

# 5. The pid file is lost while the broker runs.
rm -f "$pid_file"
rc=$(run_rc "$kafka_sh" status)
if ((rc == 0)); then
	ok "pid file deleted: status finds the running broker by its command line"
else
	fail "pid file deleted: status exit $rc: $(last "$(<"$work/out")")"
fi
rc=$(run_rc "$kafka_sh" stop)
left=$(brokers | xargs)
if ((rc == 0)) && [[ -z $left ]]; then
	ok "pid file deleted: stop stops the broker, none left"
else
	fail "pid file deleted: stop exit $rc, brokers left: '$left'"
fi

echo "test-kafka-sh: $passed passed, $failed failed"
((failed == 0))
