#!/usr/bin/env bash
# MCP tool-call benchmark: the same tools/call (server-everything's echo and add) sent directly to
# the npm server-everything over stdio, and over Streamable HTTP through Switchboard's mcp-host,
# supergateway and mcp-proxy, in one run on the same machine; one table side by side (McpBench).
# Everything listens on 127.0.0.1, every peer is stopped at the end, and the run is bounded in time.
#
#   bench/mcp.sh                    # build, install the npm peers, run everything
#   bench/mcp.sh --skip-build       # use the built jars and installed node_modules as they are
#   bench/mcp.sh --quick            # a smoke run of the wiring: few calls, short steps
#
# Options (environment variables of the same meaning in brackets):
#   --calls N              measured calls per tool at one client (2000)              [CALLS]
#   --warmup N             unmeasured calls per tool before them (1000)              [WARMUP]
#   --concurrency LIST     sessions per throughput step (1,8,32)                    [CONCURRENCY]
#   --seconds S            measured length of each throughput step (5)              [SECONDS_PER_STEP]
#   --idle-host N          sessions opened on the host for the idle-memory step (500) [IDLE_HOST]
#   --idle-bridge N        the same for each bridge (supergateway starts a server process per
#                          session, so keep it small) (10)                          [IDLE_BRIDGE]
#   --targets LIST         which to run, in this order (stdio host supergateway mcp-proxy; also
#                          host-supervised: the host with the supervisor running its instances) [TARGETS]
#   --skip-build           do not build or npm ci
#   --quick                CALLS=200 WARMUP=200 SECONDS_PER_STEP=2, idle 50 / 3 sessions
# Ports 3931 (host), 3932 (supergateway), 3933 (mcp-proxy), 3934 (host-supervised):
# MCP_BENCH_PORT_BASE=3930 moves them.
# The host runs as ./switchboard runs it (jvm.options, app/target/switchboard.jar --services
# mcp-host, its embedded PostgreSQL in a temporary DATA_DIR); HOST_JVM_OPTS replaces jvm.options.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
JAR="$BENCH/target/switchboard-bench.jar"
APP_JAR="$ROOT/app/target/switchboard.jar"
NODE_DIR="$BENCH/mcp"
EVERYTHING="$NODE_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

CALLS="${CALLS:-2000}"
WARMUP="${WARMUP:-1000}"
CONCURRENCY="${CONCURRENCY:-1,8,32}"
SECONDS_PER_STEP="${SECONDS_PER_STEP:-5}"
IDLE_HOST="${IDLE_HOST:-500}"
IDLE_BRIDGE="${IDLE_BRIDGE:-10}"
TARGETS="${TARGETS:-stdio host supergateway mcp-proxy}"
BASE="${MCP_BENCH_PORT_BASE:-3930}"
HOST_JVM_OPTS="${HOST_JVM_OPTS:-@$ROOT/jvm.options}"
RUN_TIMEOUT="${RUN_TIMEOUT:-900}" # hard limit of the generator (seconds)
SKIP_BUILD=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --calls) CALLS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --concurrency) CONCURRENCY="$2"; shift 2 ;;
    --seconds) SECONDS_PER_STEP="$2"; shift 2 ;;
    --idle-host) IDLE_HOST="$2"; shift 2 ;;
    --idle-bridge) IDLE_BRIDGE="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --quick) CALLS=200; WARMUP=200; SECONDS_PER_STEP=2; IDLE_HOST=50; IDLE_BRIDGE=3; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "mcp.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

log() { printf '%s mcp: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ $SKIP_BUILD == 0 ]]; then
  log "building the bench module and the app jar"
  mvn -B -q -f "$ROOT/pom.xml" -pl app,bench -am -DskipTests package >&2
  log "installing server-everything, supergateway and mcp-proxy (bench/mcp, npm ci)"
  (cd "$NODE_DIR" && node "$ROOT/build/npm-ci-if-stale.mjs" >&2)
fi
for f in "$JAR" "$APP_JAR" "$EVERYTHING"; do
  [[ -f "$f" ]] || { log "missing $f (run without --skip-build)"; exit 1; }
done

STAMP="$(date +%Y-%m-%d-%H%M%S)"
RUN_DIR="$BENCH/results/mcp-$STAMP"
mkdir -p "$RUN_DIR"
# searchable by others: as root, the embedded PostgreSQL runs as nobody
DATA_DIR="$(mktemp -d /tmp/switchboard-mcpbench.XXXXXX)"
chmod 755 "$DATA_DIR"
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

wait_port() { # pid port name
  local deadline=$((SECONDS + 120))
  until ss -Hltn "sport = :$2" 2>/dev/null | grep -q .; do
    if ! kill -0 "$1" 2>/dev/null || (( SECONDS >= deadline )); then
      log "$3 did not start listening on $2; its log:"; tail -20 "$RUN_DIR/$3.log" >&2 || true
      exit 1
    fi
    sleep 0.3
  done
}

ARGS=()
TOKEN="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
for target in $TARGETS; do
  case "$target" in
    stdio)
      ARGS+=(--target "stdio=stdio:node $EVERYTHING stdio")
      ;;
    host|host-supervised)
      # host: mcp-host alone, its instances its own children; host-supervised: with the supervisor
      # in the same JVM, each instance a supervisor process spoken to over FIFOs (MCP_PROCESSES=auto)
      if [[ "$target" == host ]]; then
        port=$((BASE + 1)); services=mcp-host
      else
        port=$((BASE + 4)); services=mcp-host,supervisor
      fi
      port_in_use "$port" && { log "port $port is in use"; exit 1; }
      cat >"$DATA_DIR/switchboard.yaml" <<EOF
mcp:
  servers:
    - name: everything
      command: [node, "$EVERYTHING", stdio]
      pool: shared
EOF
      # the bench's sessions and the idle ones, with room to spare
      env -u DATABASE_URL DATA_DIR="$DATA_DIR/data-$target" BIND_HOST=127.0.0.1 MCP_PORT="$port" \
        ADMIN_TOKEN="$TOKEN" MCP_MAX_SESSIONS=$((IDLE_HOST + 1000)) \
        java $HOST_JVM_OPTS -jar "$APP_JAR" --services "$services" --config "$DATA_DIR/switchboard.yaml" \
        >"$RUN_DIR/$target.log" 2>&1 &
      PIDS+=($!)
      wait_port "$!" "$port" "$target"
      ARGS+=(--target "$target=http://127.0.0.1:$port/mcp/everything" --pid "$target=${PIDS[-1]}" \
        --idle-sessions "$target=$IDLE_HOST")
      ;;
    supergateway)
      port=$((BASE + 2))
      port_in_use "$port" && { log "port $port is in use"; exit 1; }
      # stateful: one server process per session (stateless would start one per request)
      node "$NODE_DIR/node_modules/supergateway/dist/index.js" --stdio "node $EVERYTHING stdio" \
        --outputTransport streamableHttp --stateful --port "$port" --logLevel none \
        >"$RUN_DIR/supergateway.log" 2>&1 &
      PIDS+=($!)
      wait_port "$!" "$port" supergateway
      ARGS+=(--target "supergateway=http://127.0.0.1:$port/mcp" --pid "supergateway=${PIDS[-1]}" \
        --idle-sessions "supergateway=$IDLE_BRIDGE")
      ;;
    mcp-proxy)
      port=$((BASE + 3))
      port_in_use "$port" && { log "port $port is in use"; exit 1; }
      # one server process shared by every session
      node "$NODE_DIR/node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs" --port "$port" --host 127.0.0.1 \
        --server stream -- node "$EVERYTHING" stdio >"$RUN_DIR/mcp-proxy.log" 2>&1 &
      PIDS+=($!)
      wait_port "$!" "$port" mcp-proxy
      ARGS+=(--target "mcp-proxy=http://127.0.0.1:$port/mcp" --pid "mcp-proxy=${PIDS[-1]}" \
        --idle-sessions "mcp-proxy=$IDLE_BRIDGE")
      ;;
    *) log "unknown target $target"; exit 64 ;;
  esac
done
log "peers ready: $TARGETS; running McpBench (logs in $RUN_DIR)"

timeout --kill-after=10 "$RUN_TIMEOUT" java -XX:+UseParallelGC -Xms256m -Xmx256m -cp "$JAR" \
  dev.switchboard.bench.McpBench "${ARGS[@]}" --token "$TOKEN" --calls "$CALLS" --warmup "$WARMUP" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER_STEP" --max-seconds $((RUN_TIMEOUT - 60)) \
  --json "$BENCH/results/mcp-$STAMP.json" | tee "$BENCH/results/mcp-$STAMP.txt"
log "figures in bench/results/mcp-$STAMP.json"
