#!/usr/bin/env bash
# Prints Meridian's speed and size figures on this machine (loopback only). Not a test: it
# measures and prints; compare against the targets in the issues by reading the output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
AGENTS=${AGENTS:-50}
echo "== release build (static Swift stdlib)"
swift build -c release --static-swift-stdlib 2>&1 | tail -n 1
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
work=$(mktemp -d /tmp/meridian-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cp "$bin/meridian-agent" "$work/meridian-agent.stripped"; strip "$work/meridian-agent.stripped"
printf 'agent binary      %s bytes unstripped, %s bytes stripped\n' \
    "$(stat -c %s "$bin/meridian-agent")" "$(stat -c %s "$work/meridian-agent.stripped")"
printf 'agent links       %s\n' "$(ldd "$bin/meridian-agent" | awk '{print $1}' | tr '\n' ' ')"

"$bin/meridian" ca init --dir "$work/certs" >/dev/null
targets=()
for i in $(seq 1 "$AGENTS"); do
    addr="127.0.1.$i"
    "$bin/meridian" ca issue "node$i" --address "$addr" --dir "$work/certs" >/dev/null
    printf '{"node":"node%s","listen":"%s:7480","ca":"%s/certs/ca.pem","cert":"%s/certs/node%s.pem","key":"%s/certs/node%s.key"}\n' \
        "$i" "$addr" "$work" "$work" "$i" "$work" "$i" >"$work/node$i.json"
    "$bin/meridian-agent" --config "$work/node$i.json" 2>"$work/node$i.log" & pids+=($!)
    targets+=("$addr")
done
for i in $(seq 1 "$AGENTS"); do
    for _ in $(seq 200); do grep -q "listening on" "$work/node$i.log" 2>/dev/null && break; sleep 0.05; done
done
sleep 1
rss=$(awk '/VmRSS/ {print $2}' "/proc/${pids[0]}/status")
private=$(awk '/^Private_(Clean|Dirty):/ {sum += $2} END {print sum}' "/proc/${pids[0]}/smaps_rollup")
anon=$(awk '/^Anonymous:/ {print $2}' "/proc/${pids[0]}/smaps_rollup")
echo "agent idle RSS    ${rss} kB (target <= 12 MB); private ${private} kB, anonymous ${anon} kB (the rest is shared library and binary pages)"

"$bin/meridian-bench" --certs "$work/certs" --target 127.0.1.1
for run in 1 2 3; do
    start=$(date +%s.%N)
    "$bin/meridian" ping --certs "$work/certs" --json "${targets[@]}" >"$work/ping.json"
    end=$(date +%s.%N)
    ok=$(grep -c '"ok" : true' "$work/ping.json" || true)
    printf 'ping fan-out      %d agents, %s ok, %.3f s (run %d; target <= 1 s)\n' "$AGENTS" "$ok" "$(awk -v s="$start" -v e="$end" 'BEGIN{print e-s}')" "$run"
done
