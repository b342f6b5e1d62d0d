#!/usr/bin/env bash
# The main demo: a local lab of three simulated Proxmox nodes on loopback (each a real chronyd
# with -x and a real meridian-agent on a libfaketime clock), node3's clock 2.5 s fast, Debian's
# default chrony.conf everywhere (its pool unreachable, as in an offline cluster). Meridian finds
# the problem, fixes it in one command, and proves the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build 2>&1 | grep -E "error|warning: |Build complete" | tail -n 3
bin=$(swift build --show-bin-path)
lab=${MERIDIAN_LAB_DIR:-/tmp/meridian-lab}
"$bin/meridian" lab down --dir "$lab" >/dev/null 2>&1 || true
trap '"$bin/meridian" lab down --dir "$lab" >/dev/null 2>&1 || true' EXIT
export MERIDIAN_CLUSTER=$lab/cluster.json
run() { echo; echo "\$ $*"; "$@"; }

run "$bin/meridian" lab up --nodes 3 --skew node3=+2.5 --dir "$lab"
run "$bin/meridian" status || echo "(exit code $?: critical)"
run "$bin/meridian" plan | head -n 40
run "$bin/meridian" apply
run "$bin/meridian" status --json
run "$bin/meridian" apply
echo; echo "(the lab stops when this script ends; keep it with: $bin/meridian lab up … and lab down later)"
