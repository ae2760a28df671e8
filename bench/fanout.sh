#!/usr/bin/env bash
# Fan-out benchmark: the Node socket.io reference and the Switchboard hub under the same load.
#
# For each server and each client count N: start the server pinned to core 0, run the generator
# (FanoutBench) pinned to core 1, stop the server. Then print a side-by-side table and write
# bench/results/fanout-<date>.json. Every load targets 127.0.0.1 and every run is bounded in time.
#
#   bench/fanout.sh                              # node and hub, N = 1000 and 10000
#   bench/fanout.sh --servers node               # only the reference
#   bench/fanout.sh --hub-cmd "java -Xmx512m -jar app/target/switchboard.jar --services ws-hub"
#
# Options (environment variables of the same meaning in brackets):
#   --servers "node hub"        servers to run, in this order: node (the reference), hub, and
#                               calib (a minimal Vert.x fan-out server that shows the generator's
#                               own ceiling)                                        [SERVERS]
#   --clients "1000 10000"      client counts                                       [CLIENTS]
#   --hub-cmd CMD               the hub's command line; it gets HUB_PORT, BIND_HOST,
#                               ADMIN_TOKEN, EMIT_TOKEN and DATA_DIR in its environment [HUB_CMD]
#   --port P                    port of the server under test (3917)                [BENCH_PORT]
#   --step-seconds S            length of each load step (10)                       [STEP_SECONDS]
#   --rates-1000 LIST           emit rates at N=1000                                [RATES_1000]
#   --rates-10000 LIST          emit rates at N=10000                               [RATES_10000]
#   (P99_BOUND_1000, P99_BOUND_10000: the p99 a step must stay under at N < 10,000 and from
#   10,000 on, 50 and 500 ms)
#   --connect-rate R            new connections per second (500); 0: unpaced       [CONNECT_RATE]
#   --max-inflight K            handshakes in flight at once (200)                 [MAX_INFLIGHT]
#   --storm                     the reconnect-storm case: memory only, no load steps. N clients
#                               connect unpaced (--connect-rate 0, 1000 handshakes in flight unless
#                               --max-inflight says otherwise), as after a hub restart; the server's
#                               RSS per connection is taken 3 s and 20 s after the last connect, and
#                               settled: the median of one sample a second 32-42 s after it, past
#                               the first heartbeat round (pings 25 s after each handshake), whose
#                               JIT work can hold a passing peak at 20 s
#   --storm-warmups K           with --storm: K unmeasured storms of N clients first, against the
#                               same server process, which then disconnect (0). The measured storm
#                               then finds a server in its steady state, the one-time cost of its
#                               connection path (JIT code, classes) already in the idle baseline
#                               [STORM_WARMUPS]
#   --quiet-wait S              wait up to S seconds for other processes to go quiet before each
#                               run (300); the figures are only meaningful on an idle machine [QUIET_WAIT]
#   --skip-build                use the built jar and installed node_modules as they are
#   --dry-run                   tiny smoke run (N=200 and 500, two short steps) to check the wiring
# JVM options: HUB_JVM_OPTS (used by the default --hub-cmd), GEN_JVM_OPTS (the generator),
# CALIB_JVM_OPTS. Server and generator run with nice $BENCH_NICE (-10) so that other work on the
# machine disturbs them less; the generator waits for quiet before each step (STEP_QUIET_WAIT, 60 s),
# repeats a step disturbed by other processes, and starts no new step after MAX_RUN_SECONDS (420).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
JAR="$BENCH/target/switchboard-bench.jar"

SERVERS="${SERVERS:-node hub}"
CLIENTS="${CLIENTS:-1000 10000}"
PORT="${BENCH_PORT:-3917}"
STEP_SECONDS="${STEP_SECONDS:-10}"
RATES_1000="${RATES_1000:-2,3,5,7,10,15,20,30,40,50,70,100,150,200,300,500,1000}"
RATES_10000="${RATES_10000:-0.5,1,1.5,2,3,4,5,7,10,15,20,30,50,70,100}"
QUIET_WAIT="${QUIET_WAIT:-300}"
# a step passes with p99 under these (ms); a lax bound compares CPU per delivery on a busy machine
P99_BOUND_1000="${P99_BOUND_1000:-50}"
P99_BOUND_10000="${P99_BOUND_10000:-500}"
CONNECT_RATE="${CONNECT_RATE:-500}"
MAX_INFLIGHT="${MAX_INFLIGHT:-}"
QUIET_MAX_PCT="${QUIET_MAX_PCT:-20}"
HUB_JVM_OPTS="${HUB_JVM_OPTS:-@$ROOT/jvm.options}"  # what ./switchboard ships with
HUB_CMD="${HUB_CMD:-java $HUB_JVM_OPTS -jar $ROOT/app/target/switchboard.jar --services ws-hub}"
CALIB_JVM_OPTS="${CALIB_JVM_OPTS:--XX:+UseSerialGC -Xmx512m}"
GEN_JVM_OPTS="${GEN_JVM_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch}"
RUN_TIMEOUT="${RUN_TIMEOUT:-600}"      # hard limit of one generator run (seconds)
MAX_RUN_SECONDS="${MAX_RUN_SECONDS:-420}" # the generator starts no new step after this long
STEP_QUIET_WAIT="${STEP_QUIET_WAIT:-60}"  # longest wait for quiet before each step
# server and generator run at a higher priority than anything else on the machine, so that a build
# or test suite running meanwhile steals less of their cores (0 to turn off; negative needs root)
BENCH_NICE="${BENCH_NICE:--10}"
SKIP_BUILD=0
DRY_RUN=0
STORM=0
STORM_WARMUPS="${STORM_WARMUPS:-0}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --servers) SERVERS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --hub-cmd) HUB_CMD="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --step-seconds) STEP_SECONDS="$2"; shift 2 ;;
    --rates-1000) RATES_1000="$2"; shift 2 ;;
    --rates-10000) RATES_10000="$2"; shift 2 ;;
    --quiet-wait) QUIET_WAIT="$2"; shift 2 ;;
    --connect-rate) CONNECT_RATE="$2"; shift 2 ;;
    --max-inflight) MAX_INFLIGHT="$2"; shift 2 ;;
    --storm) STORM=1; shift ;;
    --storm-warmups) STORM_WARMUPS="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fanout.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

if [[ $DRY_RUN == 1 ]]; then
  CLIENTS="200 500"; STEP_SECONDS=2; RATES_1000="10,20"; RATES_10000="10,20"; QUIET_WAIT=0
fi

# the generator's options of the phase after connecting: load steps, or none for the storm case
LOAD_ARGS=(--single-broadcast)
if [[ $STORM == 1 ]]; then
  CONNECT_RATE=0
  MAX_INFLIGHT="${MAX_INFLIGHT:-1000}"
  # a storm queues up to 1,000 handshakes at once: on a machine busy with other work the last ones
  # can take longer than the usual 15 s, and a client that gave up would not be counted
  LOAD_ARGS=(--warmup-seconds 0 --handshake-timeout-ms 60000 --settled-window 32,42)
  RATES_1000=""; RATES_10000=""
fi
MAX_INFLIGHT="${MAX_INFLIGHT:-200}"

log() { printf '%s fanout: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- limits -----------------------------------------------------------------------------------
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
max_clients=0
for n in $CLIENTS; do (( n > max_clients )) && max_clients=$n; done
if (( $(ulimit -n) < max_clients + 1000 )); then
  log "open-file limit $(ulimit -n) is too low for $max_clients clients"; exit 1
fi
if [[ "$(nproc)" -lt 2 ]]; then
  log "needs at least 2 cores (server on core 0, generator on core 1)"; exit 1
fi

# the hub's connection limit for the bench: every client plus a margin for /emit and the probes, within
# the open files this shell (and so the hub) may have
HUB_CONNECTIONS_MAX="${CONNECTIONS_MAX:-$((max_clients + 1000))}"

# --- build --------------------------------------------------------------------------------------
if [[ $SKIP_BUILD == 0 ]]; then
  log "building the generator (bench module)"
  mvn -B -q -f "$ROOT/pom.xml" -pl bench -am -DskipTests package >&2
  if [[ " $SERVERS " == *" node "* ]]; then
    log "installing the reference server (npm ci)"
    (cd "$BENCH/reference" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
[[ -f "$JAR" ]] || { log "missing $JAR (run without --skip-build)"; exit 1; }
if [[ " $SERVERS " == *" hub "* && "$HUB_CMD" == *"app/target/switchboard.jar"* && ! -f "$ROOT/app/target/switchboard.jar" ]]; then
  log "building the hub (app/target/switchboard.jar)"
  mvn -B -q -f "$ROOT/pom.xml" -DskipTests -pl app -am package >&2
fi

# --- bookkeeping ----------------------------------------------------------------------------------
STAMP="$(date +%Y-%m-%d-%H%M%S)"
RESULTS="$BENCH/results"
RUN_DIR="$RESULTS/fanout-$STAMP"
mkdir -p "$RUN_DIR"
SERVER_PID=""
GEN_PID=""
DATA_TMP="$(mktemp -d)"

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

cleanup() {
  if [[ -n "$GEN_PID" ]] && kill -0 "$GEN_PID" 2>/dev/null; then
    kill -TERM "$GEN_PID" 2>/dev/null || true
    wait "$GEN_PID" 2>/dev/null || true
  fi
  stop_server
  rm -rf "$DATA_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q .; }

# pid of the process listening on $PORT (the real server when the command was a wrapper)
listener_pid() { ss -Hltnp "sport = :$PORT" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

wait_ready() {
  local deadline=$((SECONDS + 120))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
      "http://127.0.0.1:$PORT/socket.io/?EIO=4&transport=polling" || true)"
    [[ "$code" == "200" ]] && return 0
    sleep 0.5
  done
  return 1
}

# busy_pct: CPU used by everything else, in percent of one core
source "$ROOT/bench/machine.sh"

wait_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) pct
  while :; do
    pct="$(busy_pct)"
    if (( pct <= QUIET_MAX_PCT )); then return 0; fi
    if (( SECONDS >= deadline )); then
      log "WARNING: other processes still use ${pct}% CPU; running anyway, the figures will be noisy"
      return 0
    fi
    log "machine busy (${pct}% CPU used by other processes), waiting for it to go quiet"
    sleep 10
  done
}

start_server() { # server name
  local name="$1"
  local log_file="$RUN_DIR/$name-server.log"
  export ADMIN_TOKEN EMIT_TOKEN
  case "$name" in
    node)
      PORT="$PORT" HOST=127.0.0.1 nice -n "$BENCH_NICE" taskset -c 0 node "$BENCH/reference/server.js" >"$log_file" 2>&1 &
      ;;
    calib)
      # the generator's ceiling: a minimal fan-out server with the same contract (see CalibrationServer)
      PORT="$PORT" HOST=127.0.0.1 nice -n "$BENCH_NICE" taskset -c 0 java $CALIB_JVM_OPTS -cp "$JAR" \
        dev.switchboard.bench.CalibrationServer >"$log_file" 2>&1 &
      ;;
    hub)
      # every client comes from 127.0.0.1: one address may hold as many connections as the hub allows
      # in all (by default only half of them, and N = 10,000 would be cut short)
      HUB_PORT="$PORT" BIND_HOST=127.0.0.1 DATA_DIR="$DATA_TMP/hub-data" \
        CONNECTIONS_PER_ADDRESS="${CONNECTIONS_PER_ADDRESS:-$HUB_CONNECTIONS_MAX}" CONNECTIONS_MAX="$HUB_CONNECTIONS_MAX" \
        nice -n "$BENCH_NICE" taskset -c 0 bash -c "exec $HUB_CMD" >"$log_file" 2>&1 &
      ;;
    *) log "unknown server $name"; return 1 ;;
  esac
  SERVER_PID=$!
  if ! wait_ready; then
    log "$name did not become ready on port $PORT; its log:"; tail -20 "$log_file" >&2 || true
    stop_server
    return 1
  fi
  local real
  real="$(listener_pid)"
  [[ -n "$real" ]] && MEASURE_PID="$real" || MEASURE_PID="$SERVER_PID"
  log "$name ready on 127.0.0.1:$PORT (pid $MEASURE_PID, pinned to core 0)"
}

REPORT_ARGS=()
for n in $CLIENTS; do
  if (( n >= 10000 )); then bound="$P99_BOUND_10000"; rates="$RATES_10000"; else bound="$P99_BOUND_1000"; rates="$RATES_1000"; fi
  for server in $SERVERS; do
    json="$RUN_DIR/$server-$n.json"
    REPORT_ARGS+=(--run "$server:$n:$json")
    if port_in_use; then log "port $PORT is already in use; skipping $server N=$n"; continue; fi
    ADMIN_TOKEN="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
    EMIT_TOKEN="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
    MEASURE_PID=""
    wait_quiet
    if ! start_server "$server"; then continue; fi
    log "$server, N=$n: generator on core 1 (connect rate $CONNECT_RATE/s, 0 = unpaced; p99 bound $bound ms, rates ${rates:-none})"
    txt="$RUN_DIR/$server-$n.txt"
    : >"$txt"
    if [[ $STORM == 1 ]]; then
      for w in $(seq 1 "$STORM_WARMUPS"); do
        # an unmeasured storm; its clients disconnect when the generator exits
        log "$server, N=$n: warm-up storm $w of $STORM_WARMUPS (not measured)"
        ADMIN_TOKEN="$ADMIN_TOKEN" EMIT_TOKEN="$EMIT_TOKEN" timeout --kill-after=10 "$RUN_TIMEOUT" \
          nice -n "$BENCH_NICE" taskset -c 1 java $GEN_JVM_OPTS -jar "$JAR" \
            --url "http://127.0.0.1:$PORT" --namespace /mcp --clients "$n" --rates "" \
            --connect-rate 0 --max-inflight "$MAX_INFLIGHT" "${LOAD_ARGS[@]}" --idle-seconds 3 \
            --label "$server-warmup-$w" --json "$RUN_DIR/$server-$n-warmup-$w.json" \
            >"$RUN_DIR/$server-$n-warmup-$w.txt" 2>&1 || log "warm-up storm $w exited with $?"
        sleep 2
      done
    fi
    ADMIN_TOKEN="$ADMIN_TOKEN" EMIT_TOKEN="$EMIT_TOKEN" timeout --kill-after=10 "$RUN_TIMEOUT" \
      nice -n "$BENCH_NICE" taskset -c 1 java $GEN_JVM_OPTS -jar "$JAR" \
        --url "http://127.0.0.1:$PORT" --namespace /mcp --clients "$n" \
        --rates "$rates" --step-seconds "$STEP_SECONDS" --p99-bound-ms "$bound" \
        --connect-rate "$CONNECT_RATE" --max-inflight "$MAX_INFLIGHT" "${LOAD_ARGS[@]}" --server-pid "$MEASURE_PID" --label "$server" --json "$json" \
        --max-run-seconds "$MAX_RUN_SECONDS" --quiet-wait-seconds "$STEP_QUIET_WAIT" \
        >"$txt" 2>&1 &
    GEN_PID=$!
    tail -n +1 -f --pid="$GEN_PID" "$txt" &
    tail_pid=$!
    rc=0
    wait "$GEN_PID" || rc=$?
    wait "$tail_pid" 2>/dev/null || true
    GEN_PID=""
    if [[ $rc -ne 0 ]]; then log "generator exited with $rc for $server N=$n"; fi
    stop_server
    sleep 2
  done
done

OUT="$RESULTS/fanout-$STAMP.json"
java -cp "$JAR" dev.switchboard.bench.FanoutReport --out "$OUT" \
  --meta "date=$STAMP" --meta "host=$(uname -n)" --meta "kernel=$(uname -r)" --meta "cpus=$(nproc)" \
  --meta "cpu=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)" \
  --meta "node=$(node --version 2>/dev/null || echo none)" --meta "java=$(java -version 2>&1 | head -1)" \
  --meta "hubCmd=$HUB_CMD" --meta "generatorJvmOpts=$GEN_JVM_OPTS" --meta "stepSeconds=$STEP_SECONDS" \
  --meta "connectRate=$CONNECT_RATE" --meta "maxInflight=$MAX_INFLIGHT" \
  --meta "stormWarmups=$([[ $STORM == 1 ]] && echo "$STORM_WARMUPS" || echo 0)" \
  "${REPORT_ARGS[@]}" | tee "$RESULTS/fanout-$STAMP.txt"
log "raw results in $RUN_DIR"
