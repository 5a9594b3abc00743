#!/usr/bin/env bash
# scripts/lag-check.sh — newsflow's consumer lag against Kafka's own view, on
# the real broker of scripts/kafka.sh: newsflow_consumer_lag_records{topic,
# partition} from `newsflow run`'s /metrics must equal the LAG column of
# kafka-consumer-groups --describe (org.apache.kafka.tools.consumer.group.
# ConsumerGroupCommand, run with the cached jars through `kafka.sh run-class`)
# for every partition, at rest.
#
# Three phases, each compared at rest (newsflow is given time to see the
# latest log end — "within one fetch" — and the comparison only counts when
# two scrapes around the kafka-consumer-groups call agree):
#   1. caught up: N1 articles published to a topic of P partitions, newsflow
#      (--pipeline core) has consumed them all: lag 0 everywhere, and every
#      partition's lag series is exported (0, not absent).
#   2. lag > 0: the output topic is deleted (newsflow retries writes to a
#      missing topic without end: an operator error, never dead-lettered),
#      N2 more articles are published; newsflow fetches them but cannot
#      finish or commit them, so the lag stays put. Kafka's total lag must be
#      N2 (the scenario works) and newsflow's must match per partition.
#      (min.insync.replicas=2 on a one-replica topic would be gentler, but
#      Kafka 4.x with ELR ignores topic-level min.insync.replicas.)
#   3. caught up again: the output topic is created again; lag back to 0,
#      every series still exported.
# Each phase prints a table; exit 1 on any mismatch.
#
# Usage: scripts/kafka.sh start; scripts/lag-check.sh
# The broker is the one `scripts/kafka.sh env` names (same NEWSFLOW_KAFKA_PORT),
# unless NEWSFLOW_TEST_BROKERS is set (then it must be that broker's PLAINTEXT
# listener, since the Kafka tools are run through scripts/kafka.sh).
# Environment: NEWSFLOW_BIN (a built newsflow; default: go build
# ./cmd/newsflow), LAG_CHECK_PARTITIONS (4), LAG_CHECK_N1 (200),
# LAG_CHECK_N2 (120), LAG_CHECK_TIMEOUT (seconds per phase, 90),
# LAG_CHECK_KEEP=1 (keep the work dir: newsflow's log, scrapes).
# Exit codes: 0 every phase matched; 1 a mismatch or a failure.

set -euo pipefail

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$scripts")
kafka_sh=$scripts/kafka.sh
partitions=${LAG_CHECK_PARTITIONS:-4}
n1=${LAG_CHECK_N1:-200}
n2=${LAG_CHECK_N2:-120}
timeout_s=${LAG_CHECK_TIMEOUT:-90}

die() {
	echo "lag-check: $*" >&2
	exit 1
}

if [[ -z ${NEWSFLOW_TEST_BROKERS:-} ]]; then
	env_lines=$("$kafka_sh" env) || die "no broker from scripts/kafka.sh is running; run 'scripts/kafka.sh start' first"
	eval "$env_lines"
fi
brokers=$NEWSFLOW_TEST_BROKERS

work=$(mktemp -d "${TMPDIR:-/tmp}/lag-check.XXXXXX")
nf_pid=
sfx="$(date +%s)-$$"
in=lag-check-$sfx-in out=lag-check-$sfx-out dlq=lag-check-$sfx-dlq group=lag-check-$sfx

cleanup() {
	if [[ -n $nf_pid ]]; then
		kill -TERM "$nf_pid" 2>/dev/null || true
		wait "$nf_pid" 2>/dev/null || true
	fi
	"$kafka_sh" run-class org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" \
		--delete --topic "lag-check-$sfx-.*" >/dev/null 2>&1 || true
	if [[ ${LAG_CHECK_KEEP:-} == 1 ]]; then
		echo "lag-check: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

tool() {
	timeout 120 "$kafka_sh" run-class "$@"
}

# publish COUNT FIRST: COUNT articles with ids FIRST… to the input topic.
publish() {
	local i file=$work/articles-$2.jsonl
	: >"$file"
	for ((i = $2; i < $2 + $1; i++)); do
		printf '{"id":"lag-%s-%d","source":"lag-check","title":"Article %d","body":"Paragraph one of article %d.\\n\\nParagraph two, for the lag check."}\n' \
			"$sfx" "$i" "$i" "$i" >>"$file"
	done
	"$nf" publish --brokers "$brokers" --topic "$in" --create-topic --partitions "$partitions" "$file" \
		>>"$work/publish.log" 2>&1 || die "newsflow publish failed: $(tail -n 3 "$work/publish.log")"
}

# scrape FILE: newsflow's /metrics into FILE (plain HTTP/1.0 over bash's
# /dev/tcp: no curl needed).
scrape() {
	local host=${metrics%:*} port=${metrics##*:}
	# shellcheck disable=SC2016 # expanded by the inner shell
	timeout 10 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET /metrics HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3 && cat <&3' \
		"$host" "$port" | tr -d '\r' | sed '1,/^$/d' >"$1"
}

# series FILE NAME: "partition value" lines of NAME{topic=$in} in a scrape.
series() {
	awk -v name="$2" -v want="$in" '
		index($0, name "{") == 1 {
			lbl = substr($0, length(name) + 2)
			lbl = substr(lbl, 1, index(lbl, "}") - 1)
			n = split(lbl, kv, ",")
			topic = ""; part = ""
			for (i = 1; i <= n; i++) {
				eq = index(kv[i], "=")
				k = substr(kv[i], 1, eq - 1); v = substr(kv[i], eq + 1)
				gsub(/"/, "", v)
				if (k == "topic") topic = v
				if (k == "partition") part = v
			}
			if (topic == want) printf "%s %d\n", part, $NF + 0
		}' "$1" | sort -n
}

# describe FILE: "partition current log-end lag" lines for the input topic
# from kafka-consumer-groups --describe. (The tool exits 0 even when it
# fails; an empty result is treated as a failure by the caller.)
describe() {
	tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" \
		--describe --group "$group" >"$work/describe.out" 2>"$work/describe.err" || true
	awk -v want="$in" '$1 != "GROUP" && $2 == want { print $3, $4, $5, $6 }' "$work/describe.out" | sort -n >"$1"
}

# table: the last comparison, one row per partition, mismatches flagged.
table() {
	local p
	printf '  %-9s %12s %9s %14s %14s %18s %16s  %s\n' partition newsflow-lag kcg-lag kcg-committed kcg-log-end newsflow-committed newsflow-log-end ""
	for ((p = 0; p < partitions; p++)); do
		local nl kl kc ke nc ne flag=ok
		nl=$(awk -v p="$p" '$1 == p { print $2 }' "$work/lag.b")
		nc=$(awk -v p="$p" '$1 == p { print $2 }' "$work/committed.b")
		ne=$(awk -v p="$p" '$1 == p { print $2 }' "$work/end.b")
		read -r kc ke kl < <(awk -v p="$p" '$1 == p { print $2, $3, $4 }' "$work/kcg") || true
		if [[ -z $nl ]]; then
			flag="MISMATCH: no newsflow series"
		elif [[ -z ${kl:-} ]]; then
			flag="MISMATCH: not in kafka-consumer-groups"
		elif [[ $nl != "$kl" ]]; then
			flag="MISMATCH"
		fi
		printf '  %-9s %12s %9s %14s %14s %18s %16s  %s\n' "$p" "${nl:--}" "${kl:--}" "${kc:--}" "${ke:--}" "${nc:--}" "${ne:--}" "$flag"
	done
}

# compare PHASE WANT [HOLD]: until the phase timeout, scrape newsflow,
# describe the group, scrape again; passes when both scrapes have a lag
# series for every partition, agree with each other and with
# kafka-consumer-groups on every partition, the total lag is WANT ("0" or a
# number of records), and that same state has held for HOLD seconds
# (default 0; the stuck phase asks for longer than the consumer's log-end
# refresh and commit interval, so it compares a state at rest).
compare() {
	local phase=$1 want=$2 hold=${3:-0} deadline=$((SECONDS + timeout_s)) why='' since=-1 seen=''
	while :; do
		why=
		scrape "$work/scrape.a" || why="scrape failed"
		describe "$work/kcg"
		scrape "$work/scrape.b" || why="scrape failed"
		series "$work/scrape.a" newsflow_consumer_lag_records >"$work/lag.a"
		series "$work/scrape.b" newsflow_consumer_lag_records >"$work/lag.b"
		series "$work/scrape.b" newsflow_consumer_committed_offset >"$work/committed.b"
		series "$work/scrape.b" newsflow_consumer_high_watermark >"$work/end.b"
		local kcg_lag total
		kcg_lag=$(awk '{ print $1, $4 }' "$work/kcg")
		total=$(awk '{ s += $4 } END { print s + 0 }' "$work/kcg")
		if [[ -n $why ]]; then
			:
		elif [[ ! -s $work/kcg ]]; then
			why="kafka-consumer-groups gave no rows for $in: $(tail -n 2 "$work/describe.err" "$work/describe.out" | tr '\n' ' ')"
		elif (($(wc -l <"$work/lag.b") != partitions)); then
			why="newsflow exports a lag series for $(wc -l <"$work/lag.b") of $partitions partitions"
		elif ! cmp -s "$work/lag.a" "$work/lag.b"; then
			why="newsflow's lag moved during the comparison"
		elif [[ $kcg_lag != "$(<"$work/lag.b")" ]]; then
			why="newsflow's lag differs from kafka-consumer-groups"
		elif ((total != want)); then
			why="total lag is $total, want $want"
		else
			if ((since < 0)) || [[ $seen != "$kcg_lag" ]]; then
				since=$SECONDS seen=$kcg_lag
			fi
			if ((SECONDS - since >= hold)); then
				local held=''
				((hold == 0)) || held=", unchanged for ${hold}s"
				echo "ok   $phase: newsflow_consumer_lag_records = kafka-consumer-groups LAG on all $partitions partitions (total $total$held)"
				table
				return 0
			fi
			why="matching for $((SECONDS - since))s of ${hold}s"
		fi
		[[ $why == matching* ]] || since=-1
		if ((SECONDS >= deadline)); then
			echo "FAIL $phase: $why (after ${timeout_s}s)"
			table
			return 1
		fi
		sleep 1
	done
}

# output_topic delete|create: remove the output topic, or create it again
# (3 partitions, one replica, as newsflow creates it).
output_topic() {
	local args=(--delete)
	[[ $1 == create ]] && args=(--create --partitions 3 --replication-factor 1)
	tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --topic "$out" "${args[@]}" \
		>>"$work/topics.log" 2>&1 || die "output topic $1 failed: $(tail -n 3 "$work/topics.log")"
	local i
	for ((i = 0; i < 60; i++)); do
		if tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --list --topic "$out" 2>/dev/null | grep -qxF "$out"; then
			[[ $1 == create ]] && return 0
		else
			[[ $1 == delete ]] && return 0
		fi
		sleep 1
	done
	die "output topic $out: $1 did not take effect"
}

nf=${NEWSFLOW_BIN:-}
if [[ -z $nf ]]; then
	nf=$work/newsflow
	(cd "$repo" && go build -o "$nf" ./cmd/newsflow) 2>"$work/build.err" || die "go build ./cmd/newsflow failed: $(tail -n 5 "$work/build.err")"
fi

echo "lag-check: broker $brokers, input $in ($partitions partitions), group $group"
publish "$n1" 0
"$nf" run --brokers "$brokers" --input "$in" --output "$out" --dlq "$dlq" --group "$group" \
	--pipeline core --replication-factor 1 --metrics-addr 127.0.0.1:0 >"$work/newsflow.log" 2>&1 &
nf_pid=$!
metrics=
for ((i = 0; i < 300; i++)); do
	metrics=$(sed -n 's/.* msg=consuming .* http=\([0-9.]*:[0-9]*\).*/\1/p' "$work/newsflow.log" | head -n 1)
	[[ -n $metrics ]] && break
	kill -0 "$nf_pid" 2>/dev/null || die "newsflow run exited: $(tail -n 5 "$work/newsflow.log")"
	sleep 0.1
done
[[ -n $metrics ]] || die "newsflow did not say where it serves /metrics: $(tail -n 5 "$work/newsflow.log")"

failed=0
compare "1 caught up ($n1 articles)" 0 || failed=1

output_topic delete
publish "$n2" "$n1"
compare "2 output topic deleted, $n2 more articles" "$n2" 5 || failed=1
stuck=$(awk '/^newsflow_pipeline_stuck_partitions / { print $2 }' "$work/scrape.b")
echo "     (newsflow_pipeline_stuck_partitions ${stuck:-absent} at that moment)"

output_topic create
compare "3 output topic back, caught up" 0 || failed=1

kill -TERM "$nf_pid"
rc=0
wait "$nf_pid" || rc=$?
nf_pid=
if ((rc != 0)); then
	echo "FAIL newsflow exited $rc on SIGTERM: $(tail -n 5 "$work/newsflow.log")"
	failed=1
fi

if ((failed)); then
	echo "lag-check: FAILED"
	LAG_CHECK_KEEP=${LAG_CHECK_KEEP:-1}
	exit 1
fi
echo "lag-check: newsflow's lag matches kafka-consumer-groups in every phase"
