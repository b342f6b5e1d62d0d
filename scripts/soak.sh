#!/usr/bin/env bash
# Bounded soak: mixed traffic (pings, probes, bad frames, notifications, large frames, idle
# sockets, resets) against one real agent for DURATION seconds (default 60), then checks that the
# agent's RSS, descriptor count and thread count came back to what they were after a warm-up.
# Not part of scripts/test.sh. Usage: scripts/soak.sh [SECONDS]   (BUILD=release for release binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-60}
BUILD=${BUILD:-debug}
# Margins: RSS may grow by max(8 MB, 25 %) (malloc keeps freed pages); fds and threads must return.
RSS_SLACK_KB=8192; FD_SLACK=4; THREAD_SLACK=2

swift build -c "$BUILD" --product meridian-agent >/dev/null
swift build -c "$BUILD" --product meridian >/dev/null
swift build -c "$BUILD" --product meridian-bench >/dev/null
bin=$(swift build -c "$BUILD" --show-bin-path)
work=$(mktemp -d /tmp/meridian-soak.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

addr=127.0.3.1
"$bin/meridian" ca init --dir "$work/certs" >/dev/null
"$bin/meridian" ca issue soak --address "$addr" --dir "$work/certs" >/dev/null
printf '{"node":"soak","listen":"%s:7480","ca":"%s/certs/ca.pem","cert":"%s/certs/soak.pem","key":"%s/certs/soak.key","idle_timeout_seconds":2,"handshake_timeout_seconds":2}\n' \
    "$addr" "$work" "$work" "$work" >"$work/agent.json"
"$bin/meridian-agent" --config "$work/agent.json" 2>"$work/agent.log" & pid=$!
for _ in $(seq 200); do grep -q "listening on" "$work/agent.log" 2>/dev/null && break; sleep 0.05; done
grep -q "listening on" "$work/agent.log" || { echo "agent did not start:"; cat "$work/agent.log"; exit 1; }

measure() {
    local rss fds threads
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    fds=$(ls "/proc/$pid/fd" | wc -l)
    threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
    echo "$rss $fds $threads"
}
settle() { sleep 5; }   # idle and handshake timeouts (2 s) plus a margin: held connections drain

"$bin/meridian-bench" --certs "$work/certs" --target "$addr" --mode soak --seconds 5 >/dev/null
settle
read -r rss0 fds0 threads0 < <(measure)
printf 'start   RSS %6d kB  fds %4d  threads %4d   (after a 5 s warm-up)\n' "$rss0" "$fds0" "$threads0"
started=$(date +%s)
"$bin/meridian-bench" --certs "$work/certs" --target "$addr" --mode soak --seconds "$DURATION"
settle
read -r rss1 fds1 threads1 < <(measure)
printf 'end     RSS %6d kB  fds %4d  threads %4d   (%d s of traffic, %d s in all)\n' "$rss1" "$fds1" "$threads1" "$DURATION" "$(( $(date +%s) - started ))"
kill -0 "$pid" || { echo "FAIL: the agent died"; exit 1; }

slack=$(( rss0 / 4 > RSS_SLACK_KB ? rss0 / 4 : RSS_SLACK_KB ))
fail=0
if (( rss1 > rss0 + slack )); then echo "FAIL: RSS grew by $(( rss1 - rss0 )) kB (margin $slack kB)"; fail=1; fi
if (( fds1 > fds0 + FD_SLACK )); then echo "FAIL: descriptors grew by $(( fds1 - fds0 )) (margin $FD_SLACK)"; fail=1; fi
if (( threads1 > threads0 + THREAD_SLACK )); then echo "FAIL: threads grew by $(( threads1 - threads0 )) (margin $THREAD_SLACK)"; fail=1; fi
lines=$(wc -l <"$work/agent.log")
echo "agent log: $lines lines"
(( fail == 0 )) && echo "ok: RSS +$(( rss1 - rss0 )) kB (margin $slack), fds +$(( fds1 - fds0 )), threads +$(( threads1 - threads0 ))"
exit "$fail"
