#!/usr/bin/env bash
# Idle memory: Switchboard started as a user starts it (./switchboard, so with jvm.options), left
# alone, then its resident memory once it holds still, and that of its embedded PostgreSQL. Linux
# (/proc). Everything runs on 127.0.0.1 in a temporary DATA_DIR and is stopped at the end.
#
#   bench/idle.sh                               # every service in one JVM, 10 s idle
#   bench/idle.sh --services ws-hub             # the hub alone (no database)
#   bench/idle.sh --idle-seconds 60             # idle longer
#
# Options (environment variables of the same meaning in brackets):
#   --services LIST     the services to run, as ./switchboard --services (all)   [SERVICES]
#   --idle-seconds S    how long it is left alone after the banner (10)         [IDLE_SECONDS]
#   --skip-build        use bench/target/switchboard-bench.jar as it is (./switchboard still
#                       rebuilds its jar when the sources changed)
# Ports: GATEWAY_PORT (3926), HUB_PORT (3927), OPS_PORT (3928). JAVA_OPTS adds JVM options, as for
# ./switchboard. DATABASE_URL is ignored: the embedded PostgreSQL is part of what is measured.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
JAR="$BENCH/target/switchboard-bench.jar"

SERVICES="${SERVICES:-}"
IDLE_SECONDS="${IDLE_SECONDS:-10}"
START_TIMEOUT="${START_TIMEOUT:-300}" # a first ./switchboard may build the jar
SKIP_BUILD=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --services) SERVICES="$2"; shift 2 ;;
    --idle-seconds) IDLE_SECONDS="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "idle.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

log() { printf '%s idle: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ $SKIP_BUILD == 0 ]]; then
  log "building the bench module"
  mvn -B -q -f "$ROOT/pom.xml" -pl bench -am -DskipTests package >&2
fi
[[ -f "$JAR" ]] || { log "missing $JAR (run without --skip-build)"; exit 1; }

# searchable by others: as root, the embedded PostgreSQL runs as nobody
DATA_DIR="$(mktemp -d /tmp/switchboard-idle.XXXXXX)"
chmod 755 "$DATA_DIR"
OUTPUT="$DATA_DIR/switchboard.out"
PID=""

stop() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap stop EXIT

args=()
[[ -n "$SERVICES" ]] && args=(--services "$SERVICES")
log "starting ./switchboard${args[*]:+ ${args[*]}} with DATA_DIR $DATA_DIR"
env -u DATABASE_URL DATA_DIR="$DATA_DIR" BIND_HOST=127.0.0.1 \
  GATEWAY_PORT="${GATEWAY_PORT:-3926}" HUB_PORT="${HUB_PORT:-3927}" OPS_PORT="${OPS_PORT:-3928}" \
  "$ROOT/switchboard" "${args[@]}" >"$OUTPUT" 2>&1 &
PID=$! # ./switchboard execs java: this is the JVM's pid

deadline=$((SECONDS + START_TIMEOUT))
READY="Ready in [0-9.]* s" # the whole banner line, not a part still being written
until grep -q "$READY" "$OUTPUT"; do
  if ! kill -0 "$PID" 2>/dev/null || (( SECONDS >= deadline )); then
    log "Switchboard did not get ready; its output:"
    cat "$OUTPUT" >&2
    exit 1
  fi
  sleep 0.2
done
grep -m1 "$READY" "$OUTPUT" >&2
log "ready; leaving it alone for $IDLE_SECONDS s"

java -XX:+UseSerialGC -Xmx64m -cp "$JAR" dev.switchboard.bench.IdleRss "$PID" "$DATA_DIR" "$IDLE_SECONDS"
