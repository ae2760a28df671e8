#!/usr/bin/env bash
# The kernel's floor for a single broadcast over loopback: a C program that only write(2)s one small
# message to each of N TCP sockets (sender pinned to core 0, an epoll receiver on core 1, the same
# pinning as fanout.sh) and reports when the messages arrive. No server can deliver a broadcast faster
# than this on the same machine; fanout.sh's single-broadcast figures read against it.
# Prints the rounds and their medians and writes bench/results/floor-<date>.json. Needs a C compiler.
#
#   bench/floor.sh                           # 10,000 sockets, 10 rounds
#   bench/floor.sh --clients 1000 --rounds 20
#
# Options are those of bench/floor/loopback_fanout.c: --clients N (10000), --rounds R (10),
# --bytes B (120: the size of a hub frame of the fan-out benchmark), --port P, --sender-cpu C (0),
# --receiver-cpu C (1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/bench/floor/loopback_fanout.c"
BIN="$ROOT/bench/target/loopback-fanout"
BENCH_NICE="${BENCH_NICE:--10}"

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
CC="${CC:-$(command -v cc || command -v gcc || true)}"
[[ -n "$CC" ]] || { echo "floor.sh: needs a C compiler (cc or gcc)" >&2; exit 1; }
if [[ ! -x "$BIN" || "$SRC" -nt "$BIN" ]]; then
  mkdir -p "$(dirname "$BIN")"
  "$CC" -O2 -Wall -o "$BIN" "$SRC"
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/floor-$(date +%Y-%m-%d-%H%M%S)"
nice -n "$BENCH_NICE" "$BIN" "$@" | tee "$OUT.txt"
tail -1 "$OUT.txt" > "$OUT.json"
echo "wrote ${OUT#"$ROOT/"}.json" >&2
