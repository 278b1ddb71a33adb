#!/usr/bin/env bash
# A local ClickHouse HTTP server, to try Vigil's server mode (CLICKHOUSE_URL) without Docker:
# ClickHouse 26.x from the libchdb.so that `npm ci` installs with chdb, serving ClickHouse's own
# HTTP interface through clickhouse-local (scripts/clickhouse-http/serve.py says how and why).
# For development and tests only: loopback, user `default` without a password, one process.
# Production runs a real ClickHouse server or cluster (docker-compose.yml, README "Storage").
#
#   scripts/clickhouse-http.sh up       start (idempotent) and wait until it answers a query
#   scripts/clickhouse-http.sh down     stop it (its data stays in .cache/clickhouse-http/data)
#   scripts/clickhouse-http.sh status   exit 0 when it answers, 1 when not
#
# Environment: CLICKHOUSE_HTTP_PORT (8123), CLICKHOUSE_HTTP_START_TIMEOUT seconds (60).
# Then: CLICKHOUSE_URL=http://127.0.0.1:8123 npx vigil start
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/clickhouse-http"
PIDFILE="$CACHE/server.pid"
LOG="$CACHE/server.log"
PORT="${CLICKHOUSE_HTTP_PORT:-8123}"
URL="http://127.0.0.1:$PORT"
TIMEOUT="${CLICKHOUSE_HTTP_START_TIMEOUT:-60}"

say() { printf 'clickhouse-http: %s\n' "$*"; }
die() { printf 'clickhouse-http: %s\n' "$*" >&2; exit 1; }

answers() { curl -sf --max-time 2 "$URL/?query=SELECT%201" >/dev/null 2>&1; }

server_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'clickhouse-http/serve.py' || return 1
  printf '%s\n' "$pid"
}

cmd_up() {
  if answers; then say "already answering on $URL"; return 0; fi
  command -v python3 >/dev/null 2>&1 || die "python3 is needed (apt-get install python3)"
  local lib
  lib="$(cd "$ROOT" && node -e "process.stdout.write(require.resolve('@chdb/lib-' + process.platform + '-' + process.arch + '-gnu/libchdb.so'))")" ||
    die "libchdb.so not found: run npm ci first"
  mkdir -p "$CACHE/data"
  cat >"$CACHE/users.xml" <<'XML'
<clickhouse>
  <profiles><default></default></profiles>
  <quotas><default></default></quotas>
  <users>
    <default>
      <password></password>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <access_management>1</access_management>
    </default>
  </users>
</clickhouse>
XML
  printf '<clickhouse>\n  <users_config>%s</users_config>\n</clickhouse>\n' "$CACHE/users.xml" >"$CACHE/config.xml"
  nohup python3 "$ROOT/scripts/clickhouse-http/serve.py" "$lib" "$CACHE/data" "$PORT" "$CACHE/config.xml" >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  local waited=0
  until answers; do
    server_pid >/dev/null || die "the server exited; its log ($LOG):
$(tail -n 20 "$LOG")"
    [ "$waited" -lt "$((TIMEOUT * 5))" ] || die "no answer on $URL within ${TIMEOUT}s; log: $LOG"
    sleep 0.2
    waited=$((waited + 1))
  done
  say "ClickHouse $(curl -s "$URL/?query=SELECT%20version()") answering on $URL (data: $CACHE/data)"
}

cmd_down() {
  local pid
  if ! pid="$(server_pid)"; then say "not running"; rm -f "$PIDFILE"; return 0; fi
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$PIDFILE"
  say "stopped (pid $pid)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) if answers; then say "answering on $URL"; else say "not answering on $URL"; exit 1; fi ;;
  *) die "usage: scripts/clickhouse-http.sh up|down|status" ;;
esac
