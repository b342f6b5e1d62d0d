#!/usr/bin/env bash
# Figures for the monitoring surface (issue 11), printed, not asserted: /metrics render and
# scrape time at 32 nodes (target <= 5 ms), the status page with 7 days of history for 32 nodes
# (server render, HTTP fetch, and Chromium's screenshot time minus about:blank's; target
# <= 300 ms to first paint), and RSS with the HTTP listener on. Debug build (the test build);
# run after `swift build --build-tests`. No lab: needs no lock.
set -euo pipefail
cd "$(dirname "$0")/.."
MERIDIAN_BENCH_MONITOR=1 swift test --skip-build --filter 'MeridianServiceTests.HTTPBenchmarkTests' 2>&1 | grep 'bench-monitor:'
