#!/usr/bin/env bash
# Prints the figures the tests no longer bound by the wall clock (issue 15): the tests bound by
# events, or generously, and the real numbers live here. Not a test: it measures and prints.
#   - TLS handshake + hello (the tests allow the silent-client test a 3 s handshake)
#   - ping offset error on one clock against half the round trip (the tests' bound)
#   - ping to an agent holding 200 idle connections (the tests: answered before any timeout)
# BIN=DIR uses already built binaries (default: the debug build, built if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then swift build --product meridian 2>&1 | tail -n 1; swift build --product meridian-agent 2>&1 | tail -n 1
    swift build --product meridian-bench 2>&1 | tail -n 1; BIN=$(swift build --show-bin-path); fi
work=$(mktemp -d /tmp/meridian-bench-timing.XXXXXX)
agent=
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
addr=127.0.3.1
"$BIN/meridian" ca init --dir "$work/certs" >/dev/null
"$BIN/meridian" ca issue bench1 --address "$addr" --dir "$work/certs" >/dev/null
printf '{"node":"bench1","listen":"%s:7480","ca":"%s/certs/ca.pem","cert":"%s/certs/bench1.pem","key":"%s/certs/bench1.key","idle_timeout_seconds":600,"handshake_timeout_seconds":600}\n' \
    "$addr" "$work" "$work" "$work" >"$work/agent.json"
"$BIN/meridian-agent" --config "$work/agent.json" 2>"$work/agent.log" & agent=$!
for _ in $(seq 200); do grep -q "listening on" "$work/agent.log" 2>/dev/null && break; sleep 0.05; done
"$BIN/meridian-bench" --certs "$work/certs" --target "$addr" --handshakes 200 --requests 1000
for run in 1 2 3 4 5; do "$BIN/meridian" ping --certs "$work/certs" --json "$addr" >"$work/ping$run.json"; done
python3 - "$work" <<'PY'
import json, sys
rows = [json.load(open(f"{sys.argv[1]}/ping{i}.json"))[0] for i in range(1, 6)]
for r in rows:
    print(f"ping same clock   offset {r['offset_seconds'] * 1e6:+9.1f} µs  rtt {r['rtt_seconds'] * 1e6:8.1f} µs  |offset| <= rtt/2: {abs(r['offset_seconds']) <= r['rtt_seconds'] / 2}")
PY
python3 - "$addr" "$BIN/meridian" "$work/certs" <<'PY'
import socket, subprocess, sys, time
addr, meridian, certs = sys.argv[1:]
idle = [socket.create_connection((addr, 7480)) for _ in range(200)]
start = time.monotonic()
out = subprocess.run([meridian, "ping", "--certs", certs, addr], capture_output=True, text=True)
print(f"ping, 200 idle    {time.monotonic() - start:.3f} s (whole meridian process), exit {out.returncode}")
for s in idle: s.close()
PY
