#!/usr/bin/env bash
# The one test command (README and .ci/run): installs dependencies, builds with warnings as
# errors, runs every Swift test, then the Python example client against a live agent, then
# builds the Debian package and checks it in a throw-away root; then runs each libFuzzer harness
# for FUZZ_SECONDS (default 10), the suites again under ThreadSanitizer and AddressSanitizer, a
# bounded soak of one real agent (SOAK_SECONDS, default 45), and the container lab's end-to-end
# scenario (real Debian nodes under systemd-nspawn; root) and `meridian serve` run by the package's
# meridian.service on one of those nodes (scripts/test-container-serve.sh).
# Each stage's time is printed at the end. With MERIDIAN_TEST_LOCK=/path, the stages that start
# agents, sshd or chronyd hold that lock (flock) while they run; building and fuzzing do not.
set -euo pipefail
cd "$(dirname "$0")/.."
times=()
stage() { # name command...: runs one stage, records its time
    local name=$1 start=$SECONDS; shift
    "$@"
    times+=("$(printf '%-14s %5ss' "$name" "$((SECONDS - start))")")
}
locked() { if [ -n "${MERIDIAN_TEST_LOCK:-}" ]; then flock "$MERIDIAN_TEST_LOCK" "$@"; else "$@"; fi; }
stage install-deps bash scripts/install-deps.sh
stage build swift build --build-tests -Xswiftc -warnings-as-errors
stage swift-test locked swift test --skip-build
stage monitoring bash scripts/test-monitoring.sh
stage python-client locked bash scripts/test-python-client.sh
stage package locked bash scripts/test-package.sh
stage fuzz bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
stage sanitizers bash scripts/sanitize.sh thread address
stage soak locked bash scripts/soak.sh "${SOAK_SECONDS:-45}"
stage container-lab locked bash scripts/test-container-lab.sh
stage container-serve locked bash scripts/test-container-serve.sh
printf '%s\n' "${times[@]}"
