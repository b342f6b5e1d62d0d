#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/Harnesses (one per parser or decoder) with
# -sanitize=fuzzer,address against the pure modules (JSONCore, ClockSync, WireProtocol), then
# runs each for SECONDS (default 15) on a corpus seeded from the test fixtures, protocol/vectors,
# Fuzz/seeds and Fuzz/regressions. Prints execs/s and findings per harness; exits 1 on a finding.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
# A finding is saved under .build-fuzz/findings/<harness>/; reproduce it with
#   .build-fuzz/bin/<harness> <file>
# and, once fixed, commit it under Fuzz/regressions/<harness>/ (the Swift test suites replay it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
shift || true
out=.build-fuzz
mkdir -p "$out/lib" "$out/bin" "$out/corpus" "$out/findings" "$out/logs"
flags=(-sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -g -warnings-as-errors -use-ld=lld)

# The pure modules, each a static library with its module interface, rebuilt when a source is newer.
build_module() { # name [dependency...]: rebuilt when a source or a dependency is newer
    local name=$1 lib="$out/lib/lib$1.a"; shift
    local sources; mapfile -t sources < <(find "Sources/$name" -name '*.swift' | sort)
    local deps=(); for d in "$@"; do deps+=("$out/lib/lib$d.a"); done
    if [ -f "$lib" ] && [ -z "$(find "Sources/$name" "${deps[@]}" -newer "$lib" | head -1)" ]; then return; fi
    echo "fuzz: building $name" >&2
    swiftc "${flags[@]}" -module-name "$name" -emit-library -static -emit-module \
        -emit-module-path "$out/lib/$name.swiftmodule" -I "$out/lib" "${sources[@]}" -o "$lib"
}
build_module JSONCore
build_module ClockSync JSONCore
build_module WireProtocol ClockSync JSONCore

all=()
for file in Fuzz/Harnesses/*.swift; do all+=("$(basename "$file" .swift)"); done
harnesses=("${@:-${all[@]}}")
for name in "${harnesses[@]}"; do
    bin="$out/bin/$name"
    if [ -f "$bin" ] && [ -z "$(find "Fuzz/Harnesses/$name.swift" Fuzz/Support "$out/lib" -newer "$bin" | head -1)" ]; then continue; fi
    echo "fuzz: building harness $name" >&2
    swiftc "${flags[@]}" -module-name "Fuzz$name" -I "$out/lib" -L "$out/lib" \
        "Fuzz/Harnesses/$name.swift" Fuzz/Support/*.swift -lWireProtocol -lClockSync -lJSONCore -o "$bin" \
        2> >(grep -v "Cannot export local symbol" >&2)
done

# Seeds: fixtures and protocol vectors copied at run time (not duplicated in git).
fixtures=Tests/ClockSyncTests/Fixtures
seed_files() { # harness -> files to seed it with
    case $1 in
        ChronyTrackingCSV) ls $fixtures/chrony/*/tracking.csv ;;
        ChronySourcesCSV) ls $fixtures/chrony/*/sources.csv ;;
        QuorumPvecm) ls $fixtures/pvecm/status-* ;;
        QuorumQuorumtool) ls $fixtures/pvecm/quorumtool-* ;;
        CephStatus) ls $fixtures/ceph/status-*.json ;;
        CephTimeSync) ls $fixtures/ceph/time-sync-status-*.json ;;
        Timedatectl) ls $fixtures/timedatectl/* ;;
        FirewallUfw) ls $fixtures/firewall/ufw-* ;;
        FirewallProxmox) ls $fixtures/firewall/*.fw ;;
        FirewallNftables) ls $fixtures/firewall/nft-* ;;
        CorosyncConf) ls $fixtures/corosync/* ;;
        JSON) ls protocol/vectors/*.json protocol/*.json protocol/schemas/*.json $fixtures/ceph/*.json ;;
    esac
}
vector_seeds() { # harness, corpus dir: frames and payloads from protocol/vectors
    python3 - "$1" "$2" <<'PY'
import json, sys, pathlib
harness, corpus = sys.argv[1], pathlib.Path(sys.argv[2])
frames = [bytes.fromhex(v["frame_hex"]) for f in ("frames", "invalid")
          for v in json.load(open(f"protocol/vectors/{f}.json")) if "frame_hex" in v]
for i, frame in enumerate(frames):
    if harness == "FrameDecoder":
        data = bytes([i % 256]) + frame + frame  # first byte picks chunk size and limit
    elif harness == "RPCCodec":
        data = frame[4:]
    else:
        continue
    (corpus / f"vector-{i}").write_bytes(data)
PY
}

# Swift's own crash backtracer would race ASan's report; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
status=0
printf '%-22s %10s %12s %9s  %s\n' harness execs execs/s findings note
for name in "${harnesses[@]}"; do
    corpus="$out/corpus/$name" findings="$out/findings/$name" log="$out/logs/$name.log"
    mkdir -p "$corpus" "$findings"
    for f in $(seed_files "$name"); do cp "$f" "$corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f")"; done
    vector_seeds "$name" "$corpus"
    for dir in "Fuzz/seeds/$name" "Fuzz/regressions/$name"; do
        [ -d "$dir" ] && find "$dir" -type f -exec cp {} "$corpus/" \;
    done
    before=$(find "$findings" -type f | wc -l)
    code=0
    "$out/bin/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1 || code=$?
    after=$(find "$findings" -type f | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    note=""
    if ((code != 0 || after > before)); then
        status=1
        note="exit $code; $(grep -m1 -E 'ERROR: |Fatal error|fuzz property broken|SUMMARY' "$log" | cut -c1-120); see $log"
    fi
    printf '%-22s %10s %12s %9s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$((after - before))" "$note"
done
exit $status
