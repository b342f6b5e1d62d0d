#!/usr/bin/env bash
# Figures for the shared JSON-RPC server (Sources/RPCServer): request round trips over an open
# connection (TLS with operator certificates, and the local Unix socket; before and after the
# session starts pushing) and the rate of pushed notifications. Loopback only, no lab addresses.
#   scripts/bench-rpcserver.sh        (BUILD=release for a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-debug}
swift build -c "$BUILD" --build-tests >/dev/null
MERIDIAN_BENCH=1 swift test -c "$BUILD" --skip-build --filter RPCServerBenchmark 2>&1 | grep '^bench:'
