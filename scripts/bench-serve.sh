#!/usr/bin/env bash
# Prints `meridian serve`'s figures (issue 10) for the binary the package ships: a release build
# with the Swift runtime linked statically (`--static-swift-stdlib`, in .build-static as
# package.sh). Dynamically linked, the same service takes ~20 MB more RSS: the loader binds and
# relocates libswiftCore, Foundation and its ICU in every process (an idle Foundation "hello"
# is 16.6 MB dynamic, 5.1 MB static here).
#   - idle RSS of a running `meridian serve` watching a NODES-node loopback lab (default 32),
#     sampled every 0.5 s: the least (between surveys) and the most (during one)
#   - CPU time (user + system, /proc/PID/stat) per survey of those nodes, over ~6 surveys
#   - HistoryStore.points (what `history.query` runs) for one node's last 24 h of 30 s samples,
#     and the database size after DAYS (default 30) simulated days x NODES x 30 s written
#     through the real store and its real roll-up (meridian-bench --mode history)
# The first two start a lab (fixed loopback addresses): run them under the shared lock,
#   flock /tmp/meridian-test.lock env PARTS=lab bash scripts/bench-serve.sh
#   PARTS=history bash scripts/bench-serve.sh       # no lab, no lock (minutes: 2.8 M samples)
# SERVE_ENV: variables added to the service's environment, to measure their effect,
#   e.g. SERVE_ENV="MALLOC_ARENA_MAX=2" (measured: no effect, Service already bounds the arenas
#   with mallopt) or NIO_SINGLETON_GROUP_LOOP_COUNT=1 (one thread fewer, no RSS effect).
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-32} DAYS=${DAYS:-30} INTERVAL=${INTERVAL:-10} PARTS=${PARTS:-lab history}
release=(-c release --static-swift-stdlib --scratch-path .build-static)
# BIN: a directory that already holds those binaries (another checkout's .build-static/release,
# an unpacked package's usr/bin with meridian-bench beside it); then nothing is built.
# The lab needs libMeridianLabTimestampShim.so beside them (package.sh does not build it:
#   swift build -c release --static-swift-stdlib --scratch-path .build-static --product MeridianLabTimestampShim).
if [[ -n ${BIN:-} ]]; then B=$BIN; else
    swift build "${release[@]}" 2>&1 | tail -n 1
    B=$(swift build "${release[@]}" --show-bin-path)
fi
ldd "$B/meridian" | grep -q libswiftCore && echo "serve: note: $B/meridian links the Swift runtime dynamically (not what the package ships)"
work=$(mktemp -d /tmp/meridian-serve-bench.XXXXXX)
pid=
cleanup() {
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    "$B/meridian" lab down --dir "$work/lab" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

if [[ $PARTS == *lab* ]]; then
"$B/meridian" lab up --nodes "$NODES" --dir "$work/lab" >"$work/lab-up.log" 2>&1 || { echo "lab up failed:" >&2; tail -n 5 "$work/lab-up.log" >&2; exit 1; }
printf '{"interval_seconds": %s, "state_dir": "%s/state"}\n' "$INTERVAL" "$work" >"$work/serve.json"
env ${SERVE_ENV:-} "$B/meridian" serve --cluster "$work/lab/cluster.json" --config "$work/serve.json" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 600); do grep -q "first survey" "$work/serve.log" && break; sleep 0.2; done
grep -q "first survey" "$work/serve.log" || { echo "serve did not survey; its log:" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "serve: $(grep 'first survey' "$work/serve.log" | sed 's/^meridian serve: //')"
surveys() {
    python3 - "$work/state/history.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute("SELECT count(*) FROM sample WHERE node = 'node1'").fetchone()[0])
PY
}
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
sleep 2
s0=$(surveys) t0=$(ticks) least= most=0
end=$((SECONDS + 6 * INTERVAL))
while ((SECONDS < end)); do
    kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    ((kb > most)) && most=$kb
    [[ -z $least ]] || ((kb < least)) && least=$kb
    sleep 0.5
done
s1=$(surveys) t1=$(ticks)
hz=$(getconf CLK_TCK)
awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$((s1 - s0))" -v nodes="$NODES" \
    'BEGIN { if (n > 0) printf "serve: CPU per survey of %d nodes: %.3f s (user+system, over %d surveys)\n", nodes, t / hz / n, n; else print "serve: no survey completed in the window" }'
echo "serve: RSS ${least} kB between surveys (target <= 30 MB = 30720 kB), ${most} kB at most"
echo "serve: now $(awk '/^(Rss|Pss|Private_Clean|Private_Dirty|Shared_Clean):/ { printf "%s %s kB, ", $1, $2 }' "/proc/$pid/smaps_rollup")threads $(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")"
kill -TERM "$pid"; wait "$pid" || true; pid=
grep -q "stopped after" "$work/serve.log" && echo "serve: $(grep 'stopped after' "$work/serve.log" | sed 's/^meridian serve: //') on SIGTERM"
"$B/meridian" lab down --dir "$work/lab" >/dev/null 2>&1 || true
fi
[[ $PARTS == *history* ]] && "$B/meridian-bench" --mode history --nodes "$NODES" --days "$DAYS" --interval 30 --history-dir "$work/history"
