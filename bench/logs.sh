#!/usr/bin/env bash
# Log-throughput benchmark of the supervisor: a managed service prints N lines/s for S seconds; how
# many lines a second are read, stored in PostgreSQL and delivered live, how many are dropped, the
# read->delivered latency, event-loop stalls, heap and RSS. Prints a table and writes
# bench/results/logs-<date>.json (and .txt). Everything runs on 127.0.0.1 and stops by itself.
#
#   bench/logs.sh                                    # 10k, 50k, 100k lines/s and unthrottled, 20 s each
#   bench/logs.sh --rates 100000 --seconds 30        # one long flood at 100k lines/s
#   bench/logs.sh --buffer-lines 5000,20000,100000   # the same floods for each logs.bufferLines
#   bench/logs.sh --insert-probe-seconds 5           # also: raw PostgreSQL insert rate, several batch shapes
#
# Options (environment variables of the same meaning in brackets):
#   --rates LIST             producer rates in lines/s (10k, 1.5k and max accepted) [RATES]
#   --seconds S              length of each flood (20)                        [FLOOD_SECONDS]
#   --bytes B                bytes per line, newline included (100)                 [BYTES]
#   --buffer-lines LIST      supervisor logs.bufferLines, one deployment each (20000) [BUFFER_LINES]
#   --max-lines N            lines of the unthrottled run, yes | head -n N (2000000) [MAX_LINES]
#   --insert-probe-seconds S raw insert rate per batch shape, S seconds each (0: off) [PROBE_SECONDS]
#   --quiet-wait S           wait up to S s for other processes to go quiet first (120) [QUIET_WAIT]
#   --skip-build             use bench/target/switchboard-bench.jar as it is
# PostgreSQL: DATABASE_URL when set (a fresh database is created there and dropped again), else an
# embedded server in a temp directory. The supervisor runs in the benchmark's JVM with the options
# ./switchboard ships (jvm.options); LOGBENCH_JVM_OPTS replaces them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
JAR="$BENCH/target/switchboard-bench.jar"

RATES="${RATES:-10000,50000,100000,max}"
SECONDS_EACH="${FLOOD_SECONDS:-20}"
BYTES="${BYTES:-100}"
BUFFER_LINES="${BUFFER_LINES:-20000}"
MAX_LINES="${MAX_LINES:-2000000}"
PROBE_SECONDS="${PROBE_SECONDS:-0}"
QUIET_WAIT="${QUIET_WAIT:-120}"
QUIET_MAX_PCT="${QUIET_MAX_PCT:-20}"
LOGBENCH_JVM_OPTS="${LOGBENCH_JVM_OPTS:-@$ROOT/jvm.options}"
BENCH_NICE="${BENCH_NICE:--10}"
RUN_TIMEOUT="${RUN_TIMEOUT:-1800}"
SKIP_BUILD=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) RATES="$2"; shift 2 ;;
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --bytes) BYTES="$2"; shift 2 ;;
    --buffer-lines) BUFFER_LINES="$2"; shift 2 ;;
    --max-lines) MAX_LINES="$2"; shift 2 ;;
    --insert-probe-seconds) PROBE_SECONDS="$2"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "logs.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

log() { printf '%s logs: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ $SKIP_BUILD == 0 ]]; then
  log "building the bench module and what it needs (common, supervisor)"
  mvn -B -q -f "$ROOT/pom.xml" -pl bench -am -DskipTests package >&2
fi
[[ -f "$JAR" ]] || { log "missing $JAR (run without --skip-build)"; exit 1; }

# busy_pct: CPU used by everything else, in percent of one core
source "$ROOT/bench/machine.sh"

deadline=$((SECONDS + QUIET_WAIT))
while :; do
  pct="$(busy_pct)"
  (( pct <= QUIET_MAX_PCT )) && break
  if (( SECONDS >= deadline )); then
    log "WARNING: other processes still use ${pct}% CPU; running anyway, the figures will be noisy"
    break
  fi
  log "machine busy (${pct}% CPU used by other processes), waiting for it to go quiet"
  sleep 10
done

STAMP="$(date +%Y-%m-%d-%H%M%S)"
RESULTS="$BENCH/results"
mkdir -p "$RESULTS"
OUT="$RESULTS/logs-$STAMP.json"
log "rates $RATES, $SECONDS_EACH s each, $BYTES-byte lines, bufferLines $BUFFER_LINES"
# shellcheck disable=SC2086
timeout --kill-after=10 "$RUN_TIMEOUT" nice -n "$BENCH_NICE" java $LOGBENCH_JVM_OPTS -cp "$JAR" dev.switchboard.bench.LogBench \
  --rates "$RATES" --seconds "$SECONDS_EACH" --bytes "$BYTES" --buffer-lines "$BUFFER_LINES" \
  --max-lines "$MAX_LINES" --insert-probe-seconds "$PROBE_SECONDS" --json "$OUT" | tee "$RESULTS/logs-$STAMP.txt"
