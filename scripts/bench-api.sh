#!/usr/bin/env bash
# Figures for the service's JSON API (Sources/MeridianService/API) over one open TLS connection
# with an operator certificate: cluster.status of 32 nodes (target p50 <= 2 ms) and
# history.query of one node's last 24 h (target <= 20 ms). Loopback 127.0.0.1 only.
#   scripts/bench-api.sh        (BUILD=release for a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-debug}
# The benchmark reads internals (@testable): a release build needs testing enabled.
flags=(); [ "$BUILD" = release ] && flags=(-Xswiftc -enable-testing)
swift build -c "$BUILD" --build-tests "${flags[@]}" >/dev/null
MERIDIAN_BENCH=1 swift test -c "$BUILD" --skip-build "${flags[@]}" --filter APIBenchmark 2>&1 | grep '^bench:'
