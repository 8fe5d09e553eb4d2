#!/bin/bash
# A/B runs for docs/performance.md and ADR 0011: a fresh 4-validator network of SEER (the seer
# binary to measure) with timeout_commit_ms = 0 and 64 bench accounts, one saturation load of
# TXS signed txs from `seer bench load`, then one line: committed tx/s, the nodes' CPU per
# committed tx (utime + stime of the 4 processes, summed), block intervals and futures/s.
# Alternate two binaries on the same machine to compare them: single runs on a shared VM vary.
#
#   bench/ab.sh build/seer [TXS=16000]        (MAXGAS=N rewrites block.max_gas in the genesis)
#
# Ports BASE..BASE+230 on 127.0.0.1 (BASE=41000 by default); the network lives in a temp dir
# and every node is stopped by PID at the end.
set -euo pipefail
SEER=$(readlink -f "$1"); TXS=${2:-16000}; BASE=${BASE:-41000}
D=$(mktemp -d /tmp/seer-ab-XXXXXX)
stop() {
  for i in 0 1 2 3; do [ -f "$D/pid$i" ] && kill "$(cat "$D/pid$i")" 2>/dev/null || true; done
  for i in 0 1 2 3; do
    while [ -f "$D/pid$i" ] && kill -0 "$(cat "$D/pid$i")" 2>/dev/null; do sleep 0.2; done
  done
  rm -rf "$D"
}
trap stop EXIT
"$SEER" testnet --validators 4 --output "$D/net" --starting-port "$BASE" \
  --api-starting-port $((BASE + 100)) --grpc-starting-port $((BASE + 200)) > /dev/null
for i in 0 1 2 3; do
  sed -i 's/^timeout_commit_ms = .*/timeout_commit_ms = 0/' "$D/net/node$i/config/config.toml"
  "$SEER" bench genesis --accounts 64 --home "$D/net/node$i" > /dev/null
  if [ -n "${MAXGAS:-}" ]; then
    sed -i "s/\"max_gas\":\"[-0-9]*\"/\"max_gas\":\"$MAXGAS\"/" "$D/net/node$i/config/genesis.json"
  fi
done
for i in 0 1 2 3; do
  "$SEER" start --home "$D/net/node$i" > "$D/node$i.log" 2>&1 &
  echo $! > "$D/pid$i"
done
sleep 3
nodes=""
for i in 0 1 2 3; do nodes="$nodes${nodes:+,}http://127.0.0.1:$((BASE + 10 * i + 1))"; done
ticks() { s=0; for i in 0 1 2 3; do t=$(awk '{print $14 + $15}' "/proc/$(cat "$D/pid$i")/stat"); s=$((s + t)); done; echo $s; }
c0=$(ticks)
out=$("$SEER" bench load --nodes "$nodes" --txs "$TXS" --timeout 180 2>/dev/null | tail -1)
c1=$(ticks)
hz=$(getconf CLK_TCK)
echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
us = ($c1 - $c0) * 1e6 / $hz / max(d['committed'], 1)
b = d['block_interval_ms']
print(f\"tx/s {d['committed_tx_per_s']:.0f}  committed {d['committed']}  node CPU per tx {us:.0f} us  \"
      f\"block interval p50 {b['p50']:.0f} p99 {b['p99']:.0f} ms  futures/s {d.get('futures_per_s', 0):.0f}\")"
