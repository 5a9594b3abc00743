#!/usr/bin/env bash
# scripts/kafka.sh — a real, single-node Apache Kafka broker for newsflow's
# third test tier, without Docker: the broker's jars come from Maven Central
# (deploy/kafka/pom.xml, through `mvn dependency:copy-dependencies`) and run
# with `java -cp 'libs/*' kafka.Kafka` as one KRaft controller+broker.
#
# Usage: scripts/kafka.sh start|stop|restart|status|env|fetch|down|up|pause|resume|run-class
#   start    fetch the jars if not cached, generate TLS certificates, format
#            the storage (with the SCRAM users), start the broker in the
#            background, wait until it answers (bounded), print the bootstrap
#            addresses. Starting a broker that already runs is a no-op.
#   stop     stop the broker (SIGTERM, then SIGKILL after 30 s) and delete the
#            work dir (data, certificates, logs) unless NEWSFLOW_KAFKA_KEEP=1.
#   status   say whether it runs (exit 0) or not (exit 1).
#   env      print `export` lines for the test suites:
#              eval "$(scripts/kafka.sh env)"
#   fetch    only download the jars into the cache.
#   down     stop the broker (SIGTERM, as stop) but keep its work dir: data,
#            committed offsets, certificates. For outage tests.
#   up       start the broker again from the work dir `down` kept (same
#            cluster, topics, offsets and certificates), wait until it
#            answers. Fails if there is no such work dir.
#   pause    freeze the broker (SIGSTOP): connections stay open, requests
#            time out. For hang tests.
#   resume   unfreeze it (SIGCONT).
#   run-class CLASS [ARG...]
#            run a Kafka command-line tool with the cached jars, as the
#            distribution's kafka-run-class.sh would, e.g. kafka-consumer-groups:
#              scripts/kafka.sh run-class \
#                org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
#                --bootstrap-server 127.0.0.1:19092 --describe --group G
#            Its INFO log goes to WORKDIR/logs/tools/server.log, warnings to
#            stderr.
#
# The pid file (WORKDIR/kafka.pid) is only trusted when it names a live
# kafka.Kafka process started with this work dir's server.properties: a pid
# file left by a broker that died (kill -9, OOM, reboot) or whose pid now
# belongs to another process is stale, and start/up remove it and start the
# broker. A broker of this work dir running without a valid pid file is found
# by its command line.
#
# Listeners, all on 127.0.0.1 (ports from NEWSFLOW_KAFKA_PORT, default 19092):
#   PORT     PLAINTEXT        NEWSFLOW_TEST_BROKERS
#   PORT+1   SASL_PLAINTEXT   NEWSFLOW_TEST_KAFKA_SASL      PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
#   PORT+2   SSL              NEWSFLOW_TEST_KAFKA_TLS       client certificate requested, not required
#   PORT+3   SASL_SSL         NEWSFLOW_TEST_KAFKA_SASL_SSL  TLS + the SASL mechanisms above
#   PORT+4   CONTROLLER       (KRaft only, not for clients)
# SASL user/password: NEWSFLOW_KAFKA_SASL_USER / NEWSFLOW_KAFKA_SASL_PASSWORD
# (default newsflow / newsflow-test-secret; test broker only). TLS: a CA, a
# broker certificate for 127.0.0.1 and localhost, and a client certificate,
# all PEM, generated with openssl into WORKDIR/certs at every start.
#
# Environment:
#   KAFKA_VERSION                 Kafka release (default 4.4.0; 4.x needs Java 17+)
#   NEWSFLOW_KAFKA_PORT           first port (default 19092)
#   NEWSFLOW_CACHE                jar cache root (default ~/.cache/newsflow);
#                                 jars go to $NEWSFLOW_CACHE/kafka-$KAFKA_VERSION/libs
#   NEWSFLOW_KAFKA_WORKDIR        data/log/cert dir (default ${TMPDIR:-/tmp}/newsflow-kafka-PORT)
#   NEWSFLOW_KAFKA_HEAP           JVM heap flags (default "-Xms256m -Xmx512m")
#   NEWSFLOW_KAFKA_START_TIMEOUT  seconds to wait for the broker (default 120)
#
# Exit codes: 0 ok; 1 failure; 2 usage; 3 Maven Central unreachable and the
# jars not cached — the tier cannot run here and must be reported as skipped.

set -euo pipefail

readonly EXIT_UNREACHABLE=3

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kafka_version=${KAFKA_VERSION:-4.4.0}
base_port=${NEWSFLOW_KAFKA_PORT:-19092}
if ! [[ $base_port =~ ^[0-9]+$ ]] || ((base_port < 1024 || base_port > 65530)); then
	echo "kafka.sh: NEWSFLOW_KAFKA_PORT=$base_port is not a port in 1024..65530" >&2
	exit 2
fi
plaintext_port=$base_port
sasl_port=$((base_port + 1))
ssl_port=$((base_port + 2))
sasl_ssl_port=$((base_port + 3))
controller_port=$((base_port + 4))
sasl_user=${NEWSFLOW_KAFKA_SASL_USER:-newsflow}
sasl_password=${NEWSFLOW_KAFKA_SASL_PASSWORD:-newsflow-test-secret}
cache_dir=${NEWSFLOW_CACHE:-$HOME/.cache/newsflow}/kafka-$kafka_version
libs_dir=$cache_dir/libs
work_dir=${NEWSFLOW_KAFKA_WORKDIR:-${TMPDIR:-/tmp}/newsflow-kafka-$base_port}
pid_file=$work_dir/kafka.pid
log_dir=$work_dir/logs
cert_dir=$work_dir/certs
data_dir=$work_dir/data
heap=${NEWSFLOW_KAFKA_HEAP:--Xms256m -Xmx512m}
start_timeout=${NEWSFLOW_KAFKA_START_TIMEOUT:-120}

log() { echo "kafka.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}

need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed; the real-Kafka tier needs it"
	done
}

# is_our_broker succeeds when PID is a live kafka.Kafka process started with
# this work dir's server.properties (not a recycled pid, not another work
# dir's broker). /proc/PID/cmdline holds the arguments, NUL-separated.
is_our_broker() {
	local pid=$1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	grep -qzxF kafka.Kafka "/proc/$pid/cmdline" 2>/dev/null &&
		grep -qzxF "$work_dir/server.properties" "/proc/$pid/cmdline" 2>/dev/null
}

# running prints the broker's pid and succeeds when this work dir's broker
# runs: the pid in the pid file if it is that broker, else one found by its
# command line (a broker whose pid file was lost or overwritten).
running() {
	local pid=
	if [[ -s $pid_file ]]; then
		pid=$(<"$pid_file")
		if is_our_broker "$pid"; then
			echo "$pid"
			return 0
		fi
	fi
	local f
	while IFS= read -r f; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		if is_our_broker "$pid"; then
			echo "$pid"
			return 0
		fi
	done < <(grep -lzxF kafka.Kafka /proc/[0-9]*/cmdline 2>/dev/null)
	return 1
}

# remember_pid points the pid file at PID, the broker running found, if it
# named something else.
remember_pid() {
	[[ -d $work_dir ]] || return 0
	if [[ ! -s $pid_file || $(<"$pid_file") != "$1" ]]; then
		log "pid file $pid_file did not name the running broker (pid $1); rewriting it"
		echo "$1" >"$pid_file"
	fi
}

# clear_stale_pid removes a pid file that does not name this work dir's
# running broker (call it only once running has failed): after a kill -9 the
# file outlives the broker, and its pid may since belong to another process.
clear_stale_pid() {
	[[ -e $pid_file ]] || return 0
	local pid why
	pid=$(<"$pid_file") || pid=
	if [[ ! $pid =~ ^[0-9]+$ ]]; then
		why="it does not hold a pid"
	elif ! kill -0 "$pid" 2>/dev/null; then
		why="pid $pid is gone"
	elif ! grep -qz . "/proc/$pid/cmdline" 2>/dev/null; then
		# No command line: the process is exiting (just killed) or a zombie.
		# Give it a moment to release the ports and the data dir's lock.
		why="pid $pid has exited"
		local i
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
	else
		why="pid $pid is not this work dir's broker"
	fi
	log "removing stale pid file $pid_file ($why)"
	rm -f "$pid_file"
}

# check_ports_free fails when a listener port is already taken.
check_ports_free() {
	local p
	for p in "$plaintext_port" "$sasl_port" "$ssl_port" "$sasl_ssl_port" "$controller_port"; do
		if port_open "$p"; then
			die "port 127.0.0.1:$p is already in use; stop whatever listens there or set NEWSFLOW_KAFKA_PORT"
		fi
	done
}

# running_version prints the Kafka version of the broker started from
# $work_dir (which may differ from $KAFKA_VERSION).
running_version() {
	cat "$work_dir/version" 2>/dev/null || echo unknown
}

# need_java17 checks that java can run a Kafka 4.x broker.
need_java17() {
	need java
	local v
	v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
	if [[ ! $v =~ ^[0-9]+$ ]] || ((v < 17)); then
		die "Apache Kafka $kafka_version needs Java 17 or newer; 'java' is Java ${v:-unknown}"
	fi
}

# fetch puts the broker's jars into $libs_dir, once; later runs reuse them.
# The cache is keyed on the content of deploy/kafka/pom.xml (its checksum is
# the .complete marker), so adding a dependency there fetches again; if that
# fetch cannot reach Maven Central, the older cached jars are kept and used.
fetch() {
	local pom=$repo_root/deploy/kafka/pom.xml want have=
	want=$(sha256sum <"$pom")
	want=${want%% *}
	if [[ -f $libs_dir/.complete ]]; then
		have=$(<"$libs_dir/.complete")
		[[ $have == "$want" ]] && return 0
	fi
	need mvn
	local tmp=$cache_dir/libs.tmp.$$ mvn_log=$cache_dir/mvn.log
	mkdir -p "$cache_dir"
	rm -rf "$tmp"
	log "fetching Apache Kafka $kafka_version jars from Maven Central into $libs_dir"
	# The plugin is named in full so that, offline, the log says which
	# download failed instead of "No plugin found for prefix".
	if ! mvn -B -ntp -f "$repo_root/deploy/kafka/pom.xml" \
		-Dkafka.version="$kafka_version" \
		org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
		rm -rf "$tmp"
		if grep -qE 'Could not find artifact|was not found in' "$mvn_log"; then
			grep -m 3 -E 'Could not find artifact|was not found in' "$mvn_log" >&2
			die "Apache Kafka $kafka_version (or one of its dependencies) is not published on Maven Central; check KAFKA_VERSION"
		fi
		if grep -qiE 'Could not (transfer|resolve)|could not be resolved|offline mode|UnknownHost|Connection (refused|timed out|reset)|Network is unreachable|No route to host|Temporary failure in name resolution|Connect timed out' "$mvn_log"; then
			if [[ -f $libs_dir/.complete ]]; then
				log "WARNING: $pom changed since the jars in $libs_dir were fetched, and Maven Central is unreachable: using the older jars (see $mvn_log)"
				return 0
			fi
			echo "kafka.sh: SKIP-REAL-KAFKA: Maven Central is unreachable and Apache Kafka $kafka_version is not cached in $libs_dir (see $mvn_log)" >&2
			exit "$EXIT_UNREACHABLE"
		fi
		tail -n 30 "$mvn_log" >&2
		die "mvn dependency:copy-dependencies failed (full log: $mvn_log)"
	fi
	[[ -f $tmp/kafka_2.13-$kafka_version.jar ]] || die "mvn ran but kafka_2.13-$kafka_version.jar is missing from $tmp"
	echo "$want" >"$tmp/.complete"
	rm -rf "$libs_dir"
	mv "$tmp" "$libs_dir"
}

# gen_certs writes a throw-away CA, a broker certificate for 127.0.0.1 and
# localhost, and a client certificate into $cert_dir (PEM, unencrypted PKCS#8
# keys, valid 7 days).
gen_certs() {
	need openssl
	mkdir -p "$cert_dir"
	(
		cd "$cert_dir"
		openssl req -x509 -newkey rsa:2048 -nodes -days 7 -sha256 \
			-subj "/CN=newsflow test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout ca.key -out ca.pem 2>/dev/null
		sign() { # name subject extensions
			openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
			openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
			printf '%s\n' "$3" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
				-days 7 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
			rm -f "$1.csr" "$1.ext"
		}
		sign broker "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth
keyUsage=critical,digitalSignature,keyEncipherment"
		sign client "/CN=$sasl_user" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature,keyEncipherment"
		# Kafka's PEM key store: the private key followed by the chain.
		cat broker.key broker.pem ca.pem >broker-keystore.pem
		chmod 600 ./*.key broker-keystore.pem
	)
}

render_properties() {
	local s
	s=$(<"$repo_root/deploy/kafka/server.properties.in")
	s=${s//@PLAINTEXT_PORT@/$plaintext_port}
	s=${s//@SASL_PORT@/$sasl_port}
	s=${s//@SSL_PORT@/$ssl_port}
	s=${s//@SASL_SSL_PORT@/$sasl_ssl_port}
	s=${s//@CONTROLLER_PORT@/$controller_port}
	s=${s//@SASL_USER@/$sasl_user}
	s=${s//@SASL_PASSWORD@/$sasl_password}
	s=${s//@CERT_DIR@/$cert_dir}
	s=${s//@DATA_DIR@/$data_dir}
	printf '%s\n' "$s" >"$work_dir/server.properties"
	chmod 600 "$work_dir/server.properties"
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

bootstrap_lines() {
	cat <<EOF
PLAINTEXT      127.0.0.1:$plaintext_port
SASL_PLAINTEXT 127.0.0.1:$sasl_port (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; user $sasl_user)
SSL            127.0.0.1:$ssl_port (CA $cert_dir/ca.pem)
SASL_SSL       127.0.0.1:$sasl_ssl_port
EOF
}

start() {
	local pid
	if pid=$(running); then
		remember_pid "$pid"
		log "Apache Kafka $(running_version) already running (pid $pid)"
		bootstrap_lines
		return 0
	fi
	clear_stale_pid
	need_java17
	check_ports_free
	fetch

	rm -rf "$work_dir"
	mkdir -p "$log_dir" "$data_dir"
	chmod 700 "$work_dir"
	gen_certs
	render_properties
	format_storage
	echo "$kafka_version" >"$work_dir/version"
	launch
}

# format_storage formats the KRaft storage of a fresh work dir, with the
# SCRAM users.
format_storage() {
	local cluster_id=-
	# A Kafka cluster id is 16 random bytes in URL-safe base64 without
	# padding; making it here saves a JVM start (StorageTool random-uuid).
	# Like Kafka's Uuid.randomUuid, reject ids starting with '-', which the
	# tool's argument parser would take for an option.
	while [[ $cluster_id == -* ]]; do
		cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	done
	# The format tool runs for a second or two: C1 only and the serial GC
	# start it faster and leave the other core alone.
	if ! java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$repo_root/deploy/kafka/log4j2.xml" -Dkafka.logs.dir="$log_dir" \
		-cp "$libs_dir/*" kafka.tools.StorageTool format \
		--standalone --cluster-id "$cluster_id" --config "$work_dir/server.properties" \
		--add-scram "SCRAM-SHA-256=[name=$sasl_user,password=$sasl_password]" \
		--add-scram "SCRAM-SHA-512=[name=$sasl_user,password=$sasl_password]" \
		>"$log_dir/format.log" 2>&1; then
		cat "$log_dir/format.log" >&2
		die "formatting the KRaft storage failed"
	fi
}

# started_since tells whether server.log has said "Kafka Server started"
# after its first $1 lines.
started_since() {
	awk -v from="$1" 'NR > from && /Kafka Server started/ { found = 1; exit } END { exit !found }' \
		"$log_dir/server.log" 2>/dev/null
}

# launch starts the broker from the prepared work dir and waits until every
# listener answers (bounded by $start_timeout).
launch() {
	local pid
	# $heap is split into words on purpose: it holds several JVM flags.
	# shellcheck disable=SC2206
	local java_opts=(
		$heap
		-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
		-Djava.awt.headless=true
		-Dkafka.logs.dir="$log_dir"
		-Dlog4j2.configurationFile="$repo_root/deploy/kafka/log4j2.xml"
	)
	local t0=$SECONDS deadline=$((SECONDS + start_timeout))
	# A restarted broker appends to server.log: only lines written from
	# now on may count as "started".
	local log_from=0
	if [[ -f $log_dir/server.log ]]; then
		log_from=$(wc -l <"$log_dir/server.log")
	fi
	# setsid: the broker gets its own session, so it outlives this shell and
	# a Ctrl-C here does not reach it; `stop` ends it by its pid. The inner
	# shell writes its own pid and then becomes java (exec), so the pid file
	# names the broker whether or not setsid had to fork. The old pid file
	# goes first: the loop below waits for the new one to appear, and a stale
	# one would make it watch a dead pid (and give up while the broker starts).
	rm -f "$pid_file"
	# shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
	setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" \
		java "${java_opts[@]}" -cp "$libs_dir/*" kafka.Kafka "$work_dir/server.properties" \
		</dev/null >"$log_dir/stdout.log" 2>&1 &
	while [[ ! -s $pid_file ]]; do
		((SECONDS < deadline)) || die "the broker process did not start"
		sleep 0.1
	done
	pid=$(<"$pid_file")

	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 40 "$log_dir/server.log" "$log_dir/stdout.log" >&2 || true
			rm -f "$pid_file"
			die "the broker exited during startup (logs in $log_dir)"
		fi
		# awk reads the file itself: `tail | grep -q` under pipefail fails
		# once the log since the restart outgrows the pipe buffer (grep
		# exits at the match, tail dies of SIGPIPE), and a restart that
		# reloads many transactions writes that much before it is up.
		if started_since "$log_from" &&
			port_open "$plaintext_port" && port_open "$sasl_port" &&
			port_open "$ssl_port" && port_open "$sasl_ssl_port"; then
			break
		fi
		if ((SECONDS >= deadline)); then
			tail -n 40 "$log_dir/server.log" >&2 || true
			NEWSFLOW_KAFKA_KEEP=1 stop
			die "the broker did not answer within ${start_timeout}s (logs kept in $log_dir)"
		fi
		sleep 0.5
	done
	log "Apache Kafka $kafka_version up in $((SECONDS - t0))s (pid $pid, work dir $work_dir)"
	bootstrap_lines
}

# down stops the broker and keeps its work dir for `up`.
down() {
	NEWSFLOW_KAFKA_KEEP=1 stop
}

# up starts the broker again from the work dir `down` kept.
up() {
	local pid
	if pid=$(running); then
		remember_pid "$pid"
		log "Apache Kafka $(running_version) already running (pid $pid)"
		return 0
	fi
	[[ -f $work_dir/server.properties && -d $data_dir ]] ||
		die "no kept work dir in $work_dir; run 'start' (or 'down' before 'up')"
	clear_stale_pid
	need_java17
	check_ports_free
	fetch
	launch
}

# signal_broker sends a signal to the running broker.
signal_broker() {
	local pid
	pid=$(running) || die "no broker running from $work_dir"
	kill "-$1" "$pid"
	log "sent SIG$1 to Apache Kafka (pid $pid)"
}

stop() {
	local pid
	if pid=$(running); then
		kill -TERM "$pid" 2>/dev/null || true
		kill -CONT "$pid" 2>/dev/null || true # a paused broker must run to exit
		local i
		for ((i = 0; i < 60; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.5
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "broker (pid $pid) ignored SIGTERM for 30s; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		log "stopped Apache Kafka (pid $pid)"
	else
		log "no broker running from $work_dir"
		clear_stale_pid
	fi
	rm -f "$pid_file"
	if [[ ${NEWSFLOW_KAFKA_KEEP:-0} != 1 ]]; then
		rm -rf "$work_dir"
	fi
}

status() {
	local pid
	if pid=$(running); then
		echo "running: Apache Kafka $(running_version), pid $pid, work dir $work_dir"
		bootstrap_lines
	else
		echo "not running (work dir $work_dir)"
		return 1
	fi
}

print_env() {
	if ! running >/dev/null; then
		log "no broker running from $work_dir; run 'scripts/kafka.sh start' first"
		return 1
	fi
	cat <<EOF
export NEWSFLOW_TEST_KAFKA_VERSION='$(running_version)'
export NEWSFLOW_TEST_BROKERS='127.0.0.1:$plaintext_port'
export NEWSFLOW_TEST_KAFKA_SASL='127.0.0.1:$sasl_port'
export NEWSFLOW_TEST_KAFKA_SASL_SSL='127.0.0.1:$sasl_ssl_port'
export NEWSFLOW_TEST_KAFKA_SASL_USER='$sasl_user'
export NEWSFLOW_TEST_KAFKA_SASL_PASSWORD='$sasl_password'
export NEWSFLOW_TEST_KAFKA_TLS='127.0.0.1:$ssl_port'
export NEWSFLOW_TEST_KAFKA_TLS_CA='$cert_dir/ca.pem'
export NEWSFLOW_TEST_KAFKA_TLS_CERT='$cert_dir/client.pem'
export NEWSFLOW_TEST_KAFKA_TLS_KEY='$cert_dir/client.key'
EOF
}

# run_class runs a Kafka command-line tool (CLASS ARG...) on the cached jars.
run_class() {
	(($# >= 1)) || {
		echo "usage: $0 run-class CLASS [ARG...]" >&2
		exit 2
	}
	need_java17
	fetch
	local tools_log=$log_dir/tools
	[[ -d $work_dir ]] || tools_log=${TMPDIR:-/tmp}/newsflow-kafka-tools-$base_port
	mkdir -p "$tools_log"
	exec java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$repo_root/deploy/kafka/log4j2.xml" -Dkafka.logs.dir="$tools_log" \
		-cp "$libs_dir/*" "$@"
}

case ${1:-} in
start) start ;;
stop) stop ;;
restart)
	stop
	start
	;;
status) status ;;
env) print_env ;;
fetch) fetch && log "jars cached in $libs_dir" ;;
down) down ;;
up) up ;;
pause) signal_broker STOP ;;
resume) signal_broker CONT ;;
run-class)
	shift
	run_class "$@"
	;;
*)
	echo "usage: $0 start|stop|restart|status|env|fetch|down|up|pause|resume|run-class" >&2
	exit 2
	;;
esac
