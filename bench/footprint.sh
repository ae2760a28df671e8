#!/usr/bin/env bash
# Footprint: what Switchboard costs to run, as a user runs it (./switchboard, so with jvm.options).
# For the one-JVM deployment (every service, the embedded PostgreSQL) and for each process of the
# split deployment (gateway, ws-hub, supervisor, system-stats, file-processor, each
# `--services X --cluster`, sharing one `./switchboard db`):
#
#   cold start   exec to the first /readiness 200, over an initialised DATA_DIR and database
#                (each is started once beforehand and stopped); the split processes one after the
#                other, each joining the cluster the ones before it formed; and the CPU time the
#                process used until then, which depends less on what else the machine runs
#   idle         CPU over --idle-seconds (utime + stime from /proc/<pid>/stat, in % of one core),
#                then the RSS once it holds still (the embedded PostgreSQL's processes besides)
#   load         --clients websocket clients on the hub's /system namespace, subscribed to the host
#                samples, with one sample per second (system-stats, or the one JVM, restarted with
#                STATS_INTERVAL=1s): CPU of every process over --load-seconds once every client has
#                had a sample
#
# Prints a table and writes bench/results/footprint-<date>.json. Everything runs on 127.0.0.1 in
# temporary directories, each phase is bounded in time, and every process started is stopped at
# the end (also on Ctrl-C or a failure).
#
#   bench/footprint.sh                       # both layouts, 30 s idle, 1,000 clients, 30 s load
#   bench/footprint.sh --only split          # the split deployment only
#   bench/footprint.sh --idle-seconds 10 --load-seconds 10 --clients 200   # a quick look
#
# Options (environment variables of the same meaning in brackets):
#   --only one-jvm|split   one layout only                                       [ONLY]
#   --idle-seconds S       how long CPU at idle is taken (30)                    [IDLE_SECONDS]
#   --load-seconds S       how long CPU under load is taken (30)                 [LOAD_SECONDS]
#   --clients N            websocket clients on the hub during the load (1000)   [CLIENTS]
#   --base-port P          ports P to P+20 and cluster ports P+100 to P+150 are used (24100) [BASE_PORT]
#   --skip-build           use app/target/switchboard.jar and bench/target/switchboard-bench.jar as
#                          they are (./switchboard still rebuilds its jar when sources changed)
# JAVA_OPTS adds JVM options, as for ./switchboard. A Linux machine (/proc) is needed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
JAR="$BENCH/target/switchboard-bench.jar"

ONLY="${ONLY:-}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
LOAD_SECONDS="${LOAD_SECONDS:-30}"
CLIENTS="${CLIENTS:-1000}"
BASE_PORT="${BASE_PORT:-24100}"
START_TIMEOUT="${START_TIMEOUT:-120}" # one process, exec to ready
SKIP_BUILD=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) ONLY="$2"; shift 2 ;;
    --idle-seconds) IDLE_SECONDS="$2"; shift 2 ;;
    --load-seconds) LOAD_SECONDS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --base-port) BASE_PORT="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "footprint.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done
case "$ONLY" in ""|one-jvm|split) ;; *) echo "footprint.sh: --only one-jvm or split" >&2; exit 64 ;; esac

log() { printf '%s footprint: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ $SKIP_BUILD == 0 ]]; then
  log "building the app and bench modules"
  mvn -B -q -f "$ROOT/pom.xml" -pl app,bench -am -DskipTests package >&2
fi
[[ -f "$JAR" ]] || { log "missing $JAR (run without --skip-build)"; exit 1; }

# searchable by others: as root, the embedded PostgreSQL runs as nobody
WORK="$(mktemp -d /tmp/switchboard-footprint.XXXXXX)"
chmod 755 "$WORK"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
declare -A PIDS=()   # name -> pid of everything running now

stop_one() {
  local name="$1" pid="${PIDS[$1]:-}"
  unset "PIDS[$name]"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

stop_all() {
  local name
  # the database last: the services close their pools first
  for name in "${!PIDS[@]}"; do [[ $name == db ]] || stop_one "$name"; done
  stop_one db
}

cleanup() {
  stop_all
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ADMIN_TOKEN="footprint-admin-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
EMIT_TOKEN="footprint-emit-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"

# start NAME READY_URL ENV... -- ARGS...: runs ./switchboard in the background, records its pid
start() {
  local name="$1" url="$2"; shift 2
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  env -u DATABASE_URL -u STATS_INTERVAL BIND_HOST=127.0.0.1 ADMIN_TOKEN="$ADMIN_TOKEN" \
    EMIT_TOKEN="$EMIT_TOKEN" "${env[@]}" "$ROOT/switchboard" "$@" >>"$WORK/$name.out" 2>&1 &
  PIDS[$name]=$! # ./switchboard execs java: this is the JVM's pid
  START_NS=$(date +%s%N)
  READY_URL="$url"
}

# await_ready NAME: waits for READY_URL to answer 200; sets READY_SECONDS (exec to ready)
await_ready() {
  local name="$1" pid="${PIDS[$1]}"
  local deadline=$((SECONDS + START_TIMEOUT))
  until curl -fs -o /dev/null --max-time 2 "$READY_URL"; do
    if ! kill -0 "$pid" 2>/dev/null || (( SECONDS >= deadline )); then
      log "$name did not get ready at $READY_URL; its output:"
      tail -n 40 "$WORK/$name.out" >&2
      exit 1
    fi
    sleep 0.05
  done
  READY_SECONDS="$(awk -v a="$START_NS" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')"
  # the CPU time it took to get there (utime + stime): unlike the wall time, it hardly depends on
  # what else the machine runs meanwhile
  READY_CPU="$(sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }')"
}

record_start() { # DEPLOYMENT NAME SECONDS CPU_SECONDS
  printf '{"phase":"start","deployment":"%s","process":"%s","seconds":%s,"cpuSeconds":%s}\n' \
    "$1" "$2" "$3" "$4" >>"$RESULTS"
  log "$1 $2: ready $3 s after exec, $4 s of CPU"
}

footprint() { java -XX:+UseSerialGC -Xmx256m -cp "$JAR" dev.switchboard.bench.Footprint "$@"; }

pidlist() { # NAME...: name=pid,name=pid
  local out="" n
  for n in "$@"; do out+="${out:+,}$n=${PIDS[$n]}"; done
  printf '%s' "$out"
}

P_GATEWAY=$BASE_PORT P_HUB=$((BASE_PORT + 1)) P_OPS=$((BASE_PORT + 2)) P_FILES=$((BASE_PORT + 3))
P_SUP_OPS=$((BASE_PORT + 4)) P_DB=$((BASE_PORT + 9))

one_jvm() {
  local dir="$WORK/one-jvm"
  mkdir -p "$dir" && chmod 755 "$dir"
  local ports=(DATA_DIR="$dir" GATEWAY_PORT="$P_GATEWAY" HUB_PORT="$P_HUB" OPS_PORT="$P_OPS"
    FILES_PORT="$P_FILES")
  local url="http://127.0.0.1:$P_GATEWAY/readiness"
  log "one JVM: a first start initialises $dir (embedded PostgreSQL, migrations)"
  start switchboard "$url" "${ports[@]}" --
  await_ready switchboard
  stop_one switchboard

  start switchboard "$url" "${ports[@]}" --
  await_ready switchboard
  record_start one-jvm switchboard "$READY_SECONDS" "$READY_CPU"
  log "one JVM: idle for $IDLE_SECONDS s"
  footprint idle one-jvm "$IDLE_SECONDS" "$(pidlist switchboard)" "$dir" >>"$RESULTS"
  stop_one switchboard

  log "one JVM: restarted with STATS_INTERVAL=1s, $CLIENTS clients, $LOAD_SECONDS s"
  start switchboard "$url" "${ports[@]}" STATS_INTERVAL=1s --
  await_ready switchboard
  footprint load one-jvm "$LOAD_SECONDS" "$(pidlist switchboard)" "127.0.0.1:$P_HUB" \
    "$ADMIN_TOKEN" "$CLIENTS" >>"$RESULTS"
  stop_one switchboard
}

SPLIT=(system-stats gateway ws-hub supervisor file-processor)

split() {
  local name i members="" cluster="footprint-$$-$RANDOM"
  declare -A cport=() url=() extra=()
  for i in "${!SPLIT[@]}"; do
    name="${SPLIT[$i]}"
    cport[$name]=$((BASE_PORT + 100 + 10 * i))
    members+="${members:+,}127.0.0.1:${cport[$name]}"
  done
  url[system-stats]="http://127.0.0.1:$P_OPS/readiness"
  url[gateway]="http://127.0.0.1:$P_GATEWAY/readiness"
  url[ws-hub]="http://127.0.0.1:$P_HUB/readiness"
  url[supervisor]="http://127.0.0.1:$P_SUP_OPS/readiness"
  url[file-processor]="http://127.0.0.1:$P_FILES/readiness"
  extra[system-stats]="OPS_PORT=$P_OPS"
  extra[supervisor]="OPS_PORT=$P_SUP_OPS"

  local dbdir="$WORK/split-db"
  mkdir -p "$dbdir" && chmod 755 "$dbdir"
  log "split: ./switchboard db on port $P_DB"
  env -u DATABASE_URL DATA_DIR="$dbdir" DB_PORT="$P_DB" "$ROOT/switchboard" db >>"$WORK/db.out" 2>&1 &
  PIDS[db]=$!
  local deadline=$((SECONDS + START_TIMEOUT))
  until grep -qs '^DATABASE_URL=' "$WORK/db.out"; do
    if ! kill -0 "${PIDS[db]}" 2>/dev/null || (( SECONDS >= deadline )); then
      log "the database did not start:"; cat "$WORK/db.out" >&2; exit 1
    fi
    sleep 0.2
  done
  local database_url
  database_url="$(grep -m1 '^DATABASE_URL=' "$WORK/db.out" | cut -d= -f2-)"

  # run NAME [ENV...]: starts one split process and waits for it
  run() {
    local n="$1"; shift
    mkdir -p "$WORK/split-$n"
    # shellcheck disable=SC2086 # extra holds one NAME=VALUE or nothing
    start "$n" "${url[$n]}" DATA_DIR="$WORK/split-$n" DATABASE_URL="$database_url" \
      GATEWAY_PORT="$P_GATEWAY" HUB_PORT="$P_HUB" FILES_PORT="$P_FILES" CLUSTER_NAME="$cluster" \
      CLUSTER_PORT="${cport[$n]}" CLUSTER_MEMBERS="$members" ${extra[$n]:-} "$@" \
      -- --services "$n" --cluster
    await_ready "$n"
  }

  log "split: a first start of each process, one after the other, initialises its schema"
  for name in "${SPLIT[@]}"; do run "$name"; log "  $name ready ($READY_SECONDS s)"; done
  for name in "${SPLIT[@]}"; do stop_one "$name"; done

  log "split: cold starts, one after the other"
  for name in "${SPLIT[@]}"; do
    run "$name"
    record_start split "$name" "$READY_SECONDS" "$READY_CPU"
  done
  log "split: idle for $IDLE_SECONDS s"
  footprint idle split "$IDLE_SECONDS" "$(pidlist "${SPLIT[@]}")" >>"$RESULTS"

  log "split: system-stats restarted with STATS_INTERVAL=1s, $CLIENTS clients on ws-hub, $LOAD_SECONDS s"
  stop_one system-stats
  run system-stats STATS_INTERVAL=1s
  footprint load split "$LOAD_SECONDS" "$(pidlist "${SPLIT[@]}")" "127.0.0.1:$P_HUB" \
    "$ADMIN_TOKEN" "$CLIENTS" >>"$RESULTS"
  stop_all
}

[[ -z $ONLY || $ONLY == one-jvm ]] && one_jvm
[[ -z $ONLY || $ONLY == split ]] && split

mkdir -p "$BENCH/results"
OUT="$BENCH/results/footprint-$(date -u +%Y%m%dT%H%M%SZ).json"
MACHINE="$(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
footprint report "$RESULTS" "$OUT" "$MACHINE"
echo
log "wrote $OUT ($MACHINE)"
