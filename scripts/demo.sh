#!/usr/bin/env bash
# The main demo (until `meridian lab` lands): a cluster CA, two real agents on loopback — node2's
# clock 2.5 s ahead under libfaketime — and `meridian ping` finding that offset over mutual TLS.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -n 3
bin=$(swift build --show-bin-path)
work=$(mktemp -d /tmp/meridian-demo.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "== meridian ca init"
"$bin/meridian" ca init --dir "$work/certs"
for n in 1 2; do
    "$bin/meridian" ca issue "node$n" --address "127.0.0.$((n + 1))" --dir "$work/certs"
    cat >"$work/node$n.json" <<JSON
{"node": "node$n", "listen": "127.0.0.$((n + 1)):7480", "ca": "$work/certs/ca.pem",
 "cert": "$work/certs/node$n.pem", "key": "$work/certs/node$n.key"}
JSON
done

echo "== starting agents (node2's clock is 2.5 s ahead)"
"$bin/meridian-agent" --config "$work/node1.json" 2>"$work/node1.log" & pids+=($!)
echo "+2.5" >"$work/node2.offset"
LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME_TIMESTAMP_FILE="$work/node2.offset" \
    FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 MERIDIAN_AGENT_CONFIG="$work/node2.json" \
    "$bin/meridian-agent" 2>"$work/node2.log" & pids+=($!)
for n in 1 2; do
    for _ in $(seq 100); do grep -q "listening on" "$work/node$n.log" 2>/dev/null && break; sleep 0.05; done
    cat "$work/node$n.log"
done

echo "== meridian ping"
"$bin/meridian" ping --certs "$work/certs" 127.0.0.2 127.0.0.3 || true
echo "== meridian ping --json"
"$bin/meridian" ping --certs "$work/certs" --json 127.0.0.2 127.0.0.3 || true
echo "== an unreachable agent is reported, the others still answer (exit code 2)"
set +e; "$bin/meridian" ping --certs "$work/certs" 127.0.0.2 127.0.0.9; echo "exit code $?"
