#!/usr/bin/env bash
# The monitoring checks that need outside tools (issue 11), after a `swift build --build-tests`:
#   1. promtool check rules + promtool test rules on packaging/prometheus (the alert rules);
#   2. the Swift suites that lint /metrics with `promtool check metrics` and load the status page
#      in headless Chromium from a loopback lab with a skewed node (DOM checked, screenshots kept
#      under test-artefacts/monitoring/), with MERIDIAN_REQUIRE_MONITORING_TOOLS=1 so a missing
#      promtool or chromium fails instead of skipping.
# The lab suite uses the shared loopback addresses: with MERIDIAN_TEST_LOCK=/path it holds that
# lock (flock) while it runs. Tools come from scripts/install-deps.sh (prometheus, chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in promtool chromium; do
    command -v "$tool" >/dev/null || { echo "test-monitoring: $tool is missing (bash scripts/install-deps.sh)" >&2; exit 1; }
done
promtool check rules packaging/prometheus/meridian.rules.yml
for test in packaging/prometheus/tests/*.yml; do promtool test rules "$test"; done
locked() { if [ -n "${MERIDIAN_TEST_LOCK:-}" ]; then flock "$MERIDIAN_TEST_LOCK" "$@"; else "$@"; fi; }
export MERIDIAN_REQUIRE_MONITORING_TOOLS=1
swift test --skip-build --filter 'MeridianServiceTests.MetricsTests'
locked swift test --skip-build --filter 'MeridianServiceTests.HTTPLabTests'
ls -l test-artefacts/monitoring/
