#!/usr/bin/env bash
# Figures for the monitoring surface (issue 11), printed, not asserted: /metrics render and
# scrape time at 32 nodes (target <= 5 ms), the status page with 7 days of history for 32 nodes
# (server render, HTTP fetch, Chromium's screenshot time minus about:blank's, and the first
# contentful paint Chromium itself records, through DevTools: scripts/page-paint.py; target
# <= 300 ms to first paint), and RSS with the HTTP listener on; /metrics at 32 nodes over HTTPS
# on 127.0.0.2 (http_tls on): a new TLS 1.3 connection per scrape, a kept-alive session, and
# curl's own timings for TLS 1.3 and 1.2 (target <= 5 ms). Debug build (the test build) unless
# BUILD=release (built here with -enable-testing, as bench-api.sh). No lab: needs no lock.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-debug}
flags=(); [ "$BUILD" = release ] && flags=(-Xswiftc -enable-testing)
swift build -c "$BUILD" --build-tests "${flags[@]}" >/dev/null
MERIDIAN_BENCH_MONITOR=1 swift test -c "$BUILD" --skip-build "${flags[@]}" --filter 'MeridianServiceTests.(HTTPBenchmarkTests|HTTPSBenchmarkTests)' 2>&1 | grep 'bench-monitor:'
