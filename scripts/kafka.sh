#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft) for development, tests and CI, without Docker:
# the broker's jars come from Maven Central (scripts/kafka/pom.xml) into .cache/kafka/<version>/
# and run with `java -cp`. Needs Java 17+ (and Maven the first time, to fetch the jars).
#
#   scripts/kafka.sh up [--lease ID]   start (idempotent) and wait until it accepts clients
#   scripts/kafka.sh down [--wipe]     stop it; --wipe also deletes its topics and offsets
#   scripts/kafka.sh status            exit 0 when a broker answers on the port, 1 when not
#   scripts/kafka.sh release ID        drop a test run's lease (see below)
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_START_TIMEOUT seconds (120),
# KAFKA_HEAP_OPTS (-Xms128m -Xmx512m). One broker per checkout (one pid file, one data folder):
# to move it to another port, `down` first.
#
# Leases: the vitest global setup (services/test-support/kafka-global-setup.ts) calls
# `up --lease <its pid>` and `release <its pid>` at teardown. The broker is stopped when the last
# live lease goes, and only if a leased `up` started it: a broker started by hand (`npm run
# kafka:up`) stays up, and one test run never stops the broker under another one still running
# in the same checkout. All of it happens under one lock, so concurrent runs see a consistent state.
set -euo pipefail

KAFKA_VERSION=4.1.1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/$KAFKA_VERSION/libs"
DATA="$CACHE/data"
PIDFILE="$CACHE/kafka.pid"
LOG="$CACHE/broker.log"
LEASES="$CACHE/leases"
# Present while the running broker was started by a leased `up`, i.e. by a test run.
STARTED_FOR_TESTS="$CACHE/started-for-tests"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
ADDRESS="127.0.0.1:$PORT"
TIMEOUT="${KAFKA_START_TIMEOUT:-120}"

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: %s\n' "$*" >&2; exit 1; }

# The pid of the broker this script started, if that process is still a Kafka broker
# (a stale pid file may name a pid reused by something else).
broker_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}

# Waits until a broker on $ADDRESS answers metadata and group requests through kafkajs (the client
# Vigil uses), for up to $1 seconds (0: one attempt). With $2, gives up as soon as that pid has exited.
# Exit codes: 0 ready, 2 timed out, 3 the broker process died.
await_broker() {
  (cd "$ROOT" && KAFKA_WAIT_ADDRESS="$ADDRESS" KAFKA_WAIT_SECONDS="$1" KAFKA_WAIT_PID="${2:-}" \
    node --input-type=module -e "$(cat <<'JS'
import { Kafka, logLevel } from 'kafkajs';
const deadline = Date.now() + Number(process.env.KAFKA_WAIT_SECONDS) * 1000;
const pid = Number(process.env.KAFKA_WAIT_PID || 0);
const kafka = new Kafka({
  clientId: 'vigil-kafka-wait', brokers: [process.env.KAFKA_WAIT_ADDRESS], logLevel: logLevel.NOTHING,
  connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 },
});
for (;;) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    // Also the group coordinator: on a fresh broker it loads __consumer_offsets first, and a
    // consumer started before that crashes once ("The coordinator is loading").
    await admin.describeGroups(['vigil-kafka-wait']);
    await admin.disconnect();
    process.exit(0);
  } catch {
    await admin.disconnect().catch(() => undefined);
  }
  if (pid) { try { process.kill(pid, 0); } catch { process.exit(3); } }
  if (Date.now() >= deadline) process.exit(2);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
JS
)")
}

fetch_jars() {
  [ -f "$LIBS/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || die "Maven is needed once to fetch Kafka $KAFKA_VERSION (apt-get install maven)"
  say "fetching Apache Kafka $KAFKA_VERSION and its dependencies from Maven Central into ${LIBS#"$ROOT"/}"
  local started=$SECONDS tmp="$LIBS.tmp"
  rm -rf "$tmp"
  # NOTE: -Dkafka.version overrides the pom's default, so the version is pinned here only.
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$tmp" >"$CACHE/maven.log" 2>&1 \
    || { tail -n 40 "$CACHE/maven.log" >&2; die "Maven could not fetch Kafka $KAFKA_VERSION (${CACHE#"$ROOT"/}/maven.log)"; }
  rm -rf "$LIBS" && mv "$tmp" "$LIBS"
  # Written last, so an interrupted fetch is never mistaken for a complete one.
  touch "$LIBS/.complete"
  say "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - started)) s"
}

write_config() {
  mkdir -p "$DATA"
  sed -e "s|@KAFKA_PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$DATA|g" \
    "$ROOT/scripts/kafka/server.properties.template" >"$CACHE/server.properties"
}

# A cluster id is 16 random bytes in URL-safe base64 without padding (what `kafka-storage.sh
# random-uuid` prints); made here to save a JVM start.
# NOTE: one id in 64 starts with '-', which the tool's argument parser takes for an option
# ("--cluster-id: expected one argument"); Kafka's own Uuid.randomUuid() draws again then too.
new_cluster_id() {
  local id="-"
  while [ "${id#-}" != "$id" ]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  printf '%s\n' "$id"
}

format_storage() {
  [ -f "$DATA/meta.properties" ] && return 0
  local cluster_id
  cluster_id="$(new_cluster_id)"
  # --standalone: this node is the whole (dynamic) controller quorum.
  java -cp "$LIBS/*" -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" \
    kafka.tools.StorageTool format --config "$CACHE/server.properties" --cluster-id "$cluster_id" \
    --standalone --ignore-formatted >"$CACHE/format.log" 2>&1 \
    || { cat "$CACHE/format.log" >&2; die "formatting $DATA failed"; }
}

start_broker() {
  command -v java >/dev/null 2>&1 || die "Java 17+ is needed to run the broker (apt-get install openjdk-17-jre-headless)"
  fetch_jars
  write_config
  format_storage
  # setsid: the broker outlives the shell (or test run) that started it, until `down`.
  # NOTE: 9>&- keeps the broker from inheriting the lock, which would block every later command.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
  setsid java ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$CACHE/server.properties" </dev/null >"$LOG" 2>&1 9>&- &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  say "started Kafka $KAFKA_VERSION (pid $pid, log ${LOG#"$ROOT"/}); waiting up to ${TIMEOUT}s for $ADDRESS"
  local rc=0
  await_broker "$TIMEOUT" "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 3 ] && say "the broker exited during start-up" >&2 || say "no answer on $ADDRESS after ${TIMEOUT}s" >&2
    say "last lines of ${LOG#"$ROOT"/}:" >&2
    tail -n 40 "$LOG" >&2 || true
    stop_broker >/dev/null
    exit 1
  fi
  say "ready on $ADDRESS"
}

stop_broker() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PIDFILE" "$STARTED_FOR_TESTS"
    say "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # A controlled shutdown takes a few seconds; past 30 s something is stuck.
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid ignored SIGTERM for 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PIDFILE" "$STARTED_FOR_TESTS"
  say "stopped (pid $pid)"
}

cmd_up() {
  local lease=""
  [ "${1:-}" = "--lease" ] && { lease="${2:?--lease needs an id}"; }
  if [ -n "$lease" ]; then mkdir -p "$LEASES" && touch "$LEASES/$lease"; fi
  local pid
  if pid="$(broker_pid)"; then
    await_broker "$TIMEOUT" "$pid" || die "the broker (pid $pid) is running but does not answer on $ADDRESS; see ${LOG#"$ROOT"/}"
    say "already running (pid $pid) on $ADDRESS"
    # Asked for by hand: keep it up after the test run that started it ends.
    [ -n "$lease" ] || rm -f "$STARTED_FOR_TESTS"
    return 0
  fi
  if await_broker 0; then
    say "a broker not started by this script already answers on $ADDRESS; using it"
    return 0
  fi
  start_broker
  if [ -n "$lease" ]; then touch "$STARTED_FOR_TESTS"; else rm -f "$STARTED_FOR_TESTS"; fi
}

cmd_release() {
  local lease="${1:?release needs the lease id given to up --lease}" f
  rm -f "$LEASES/$lease"
  # Leases are pids of test runs: a run that died without releasing must not keep the broker.
  for f in "$LEASES"/*; do
    [ -e "$f" ] || continue
    kill -0 "$(basename "$f")" 2>/dev/null || rm -f "$f"
  done
  if [ -n "$(ls -A "$LEASES" 2>/dev/null)" ]; then
    say "still leased by $(ls "$LEASES" | tr '\n' ' ')"
  elif [ -f "$STARTED_FOR_TESTS" ]; then
    stop_broker
  fi
}

cmd_status() {
  local pid
  if pid="$(broker_pid)"; then
    await_broker 0 && { say "running (pid $pid) on $ADDRESS"; return 0; }
    say "pid $pid is running but does not answer on $ADDRESS"
    return 1
  fi
  await_broker 0 && { say "a broker not started by this script answers on $ADDRESS"; return 0; }
  say "not running"
  return 1
}

mkdir -p "$CACHE"
# One command at a time per checkout (two test runs starting together must not start two brokers).
exec 9>"$CACHE/lock"
flock -w 600 9 || die "another scripts/kafka.sh has held $CACHE/lock for 10 minutes"

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down)
    stop_broker
    if [ "${2:-}" = "--wipe" ]; then rm -rf "$DATA" "$CACHE/server.properties" && say "wiped ${DATA#"$ROOT"/}"; fi
    ;;
  status) cmd_status ;;
  release) shift; cmd_release "$@" ;;
  cluster-id) new_cluster_id ;;
  *) die "usage: scripts/kafka.sh up [--lease ID] | down [--wipe] | status | release ID | cluster-id" ;;
esac
