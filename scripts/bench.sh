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

# Load figures, each against a fresh agent so that its peak RSS (VmHWM) is this load's alone.
fresh_agent() {  # NAME ADDR -> starts an agent with the default limits, sets $fresh_pid
    "$bin/meridian" ca issue "$1" --address "$2" --dir "$work/certs" >/dev/null
    printf '{"node":"%s","listen":"%s:7480","ca":"%s/certs/ca.pem","cert":"%s/certs/%s.pem","key":"%s/certs/%s.key"}\n' \
        "$1" "$2" "$work" "$work" "$1" "$work" "$1" >"$work/$1.json"
    (ulimit -n 8192; exec "$bin/meridian-agent" --config "$work/$1.json" 2>"$work/$1.log") & fresh_pid=$!; pids+=("$fresh_pid")
    for _ in $(seq 200); do grep -q "listening on" "$work/$1.log" 2>/dev/null && break; sleep 0.05; done
}
fresh_agent frames 127.0.2.1
"$bin/meridian-bench" --certs "$work/certs" --target 127.0.2.1 --mode frames --frame-count 100 --frame-size 1048576
printf 'agent peak RSS    %s kB under 100 concurrent 1 MiB frames (target <= 64 MB; VmHWM, default max_buffered_bytes)\n' \
    "$(awk '/VmHWM/ {print $2}' "/proc/$fresh_pid/status")"
fresh_agent flood 127.0.2.2
"$bin/meridian-bench" --certs "$work/certs" --target 127.0.2.2 --mode flood --flood-connections 1000 --flood-pings 50
printf 'agent under flood peak RSS %s kB, %s threads at the end\n' \
    "$(awk '/VmHWM/ {print $2}' "/proc/$fresh_pid/status")" "$(awk '/^Threads/ {print $2}' "/proc/$fresh_pid/status")"
