#!/usr/bin/env bash
# Prints orchestration figures on lab clusters of 16 and 32 nodes (loopback only):
#   - `meridian apply` on a fresh lab (Debian default configs, unsynced)
#   - the floor: the same chrony work by plain parallel shell commands on an identical fresh lab
#     (write each config, restart each chronyd, wait until each client selected the server)
#   - `meridian status` on the converged lab (the median of 5 runs)
# Targets (issue 10): apply <= 1.1 x floor + 0.3 s at 32 nodes; status on 32 nodes <= 0.3 s.
# The binaries the package ships: static-Swift-stdlib release in .build-static (as package.sh and
# bench-serve.sh; a dynamic build pays for loading the Swift runtime and Foundation at every
# process start). Starts labs: run under the shared lock,
#   flock /tmp/meridian-test.lock env SIZES=32 bash scripts/bench-lab.sh
# APPLY_FLAGS adds flags to `meridian apply` (e.g. "--concurrency 16" for the old default).
# BIN: a directory that already holds those binaries (another checkout's .build-static/release);
# then nothing is built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
release=(-c release --static-swift-stdlib --scratch-path .build-static)
if [[ -n ${BIN:-} ]]; then bin=$BIN; else
    swift build "${release[@]}" 2>&1 | tail -n 1
    bin=$(swift build "${release[@]}" --show-bin-path)
fi
ldd "$bin/meridian" | grep -q libswiftCore && echo "lab: note: $bin/meridian links the Swift runtime dynamically (not what the package ships)"
M="$bin/meridian"
lab=$(mktemp -d /tmp/meridian-bench-lab.XXXXXX)
saved=$(mktemp -d /tmp/meridian-bench-conf.XXXXXX)
trap '"$M" lab down --dir "$lab" >/dev/null 2>&1 || true; rm -rf "$lab" "$saved"' EXIT
now() { date +%s.%N; }
labup() { "$M" lab up --nodes "$1" --dir "$lab" >"$saved/lab-up.log" 2>&1 || { echo "lab up failed:" >&2; tail -n 5 "$saved/lab-up.log" >&2; exit 1; }; }
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }

for n in ${SIZES:-16 32}; do
    "$M" lab down --dir "$lab" >/dev/null 2>&1 || true
    labup "$n"
    export MERIDIAN_CLUSTER=$lab/cluster.json
    start=$(now); "$M" apply --settle 60 ${APPLY_FLAGS:-} >/dev/null 2>"$lab/apply.err" || { echo "apply failed:"; tail "$lab/apply.err"; }; end=$(now)
    apply=$(elapsed "$start" "$end")
    runs=()
    for _ in 1 2 3 4 5; do start=$(now); "$M" status >/dev/null || true; end=$(now); runs+=("$(elapsed "$start" "$end")"); done
    status=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p)
    for i in $(seq 1 "$n"); do cp "$lab/nodes/node$i/etc/chrony/chrony.conf" "$saved/node$i.conf"; done

    # The floor, on an identical fresh lab.
    "$M" lab down --dir "$lab" >/dev/null 2>&1
    labup "$n"
    start=$(now)
    cp "$saved/node1.conf" "$lab/nodes/node1/etc/chrony/chrony.conf"
    "$M" lab restart-chrony --dir "$lab" --node node1
    for i in $(seq 2 "$n"); do
        ( cp "$saved/node$i.conf" "$lab/nodes/node$i/etc/chrony/chrony.conf" && "$M" lab restart-chrony --dir "$lab" --node "node$i" ) &
    done
    wait
    for i in $(seq 2 "$n"); do
        until chronyc -h "$lab/nodes/node$i/run/chronyd.sock" -c sources 2>/dev/null | grep -q '^\^,\*,127.0.0.2,'; do sleep 0.05; done
    done
    end=$(now)
    floor=$(elapsed "$start" "$end")
    awk -v n="$n" -v a="$apply" -v f="$floor" -v s="$status" 'BEGIN {
        printf "lab %2d nodes: apply %6.2f s   floor %6.2f s   ratio %.2f   target apply <= %.2f s   status %.2f s (median of 5; target <= 0.30 s)\n", n, a, f, a / f, 1.1 * f + 0.3, s }'
done
