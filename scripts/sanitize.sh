#!/usr/bin/env bash
# Runs the Swift test suites under ThreadSanitizer and AddressSanitizer (with LeakSanitizer),
# each in its own scratch path (.build-tsan, .build-asan), and fails on any report, even when
# the test run itself exits 0: reports are collected from the test output AND from log files
# the sanitizer runtime writes for every instrumented process, which includes the agents and
# `meridian` binaries the tests spawn (AgentProcess starts them from the test bundle's build
# directory, i.e. the sanitized build). chronyd, sshd, openssl and python3 are not instrumented.
#   scripts/sanitize.sh [thread|address ...]      (default: both)
# Set MERIDIAN_TEST_LOCK=/tmp/meridian-test.lock to hold that lock while tests run.
# SANITIZE_FILTER (a swift test --filter regex) narrows the suites; default: all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
kinds=("${@:-thread address}")
read -r -a kinds <<<"${kinds[*]}"
filter=${SANITIZE_FILTER:-}
suppressions="$PWD/scripts/sanitizers"
status=0
for kind in "${kinds[@]}"; do
    case $kind in
        thread) scratch=.build-tsan pattern='WARNING: ThreadSanitizer' ;;
        address) scratch=.build-asan pattern='ERROR: (AddressSanitizer|LeakSanitizer)' ;;
        *) echo "sanitize: unknown sanitizer $kind (thread or address)" >&2; exit 64 ;;
    esac
    logs="$PWD/$scratch/sanitizer-logs"
    rm -rf "$logs"; mkdir -p "$logs"
    start=$SECONDS
    if ! swift build --build-tests --sanitize="$kind" --scratch-path "$scratch" >"$logs/build.out" 2>&1; then
        tail -30 "$logs/build.out"; echo "sanitize: $kind build failed" >&2; status=1; continue
    fi
    # The lab preloads libMeridianLabTimestampShim.so into the system chronyd, which carries no
    # sanitizer runtime ("undefined symbol: __tsan_init"): give the lab the plain build's shim.
    swift build --product MeridianLabTimestampShim >/dev/null
    cp "$(swift build --show-bin-path)/libMeridianLabTimestampShim.so" "$scratch/debug/"
    built=$SECONDS
    # log_path: one file per instrumented process (report.<pid>), children included.
    # external_symbolizer_path: a child started with a narrow PATH (an agent) cannot find
    # llvm-symbolizer by itself, its frames stay <null>, and a suppression (matched on function
    # names) never applies; seen in CI on the agent's Mutex-guarded Admission.
    symbolizer=$(dirname "$(readlink -f "$(command -v swift)")")/llvm-symbolizer
    [ -x "$symbolizer" ] || symbolizer=$(command -v llvm-symbolizer || true)
    sym=${symbolizer:+ external_symbolizer_path=$symbolizer}
    export TSAN_OPTIONS="log_path=$logs/report halt_on_error=0 second_deadlock_stack=1 suppressions=$suppressions/tsan.supp$sym"
    export ASAN_OPTIONS="log_path=$logs/report detect_leaks=1 halt_on_error=1$sym"
    export LSAN_OPTIONS="suppressions=$suppressions/lsan.supp print_suppressions=0"
    # Swift's backtracer and the sanitizers both want the crash; let the sanitizer report it.
    export SWIFT_BACKTRACE=enable=no
    lock=(); [ -n "${MERIDIAN_TEST_LOCK:-}" ] && lock=(flock "$MERIDIAN_TEST_LOCK")
    code=0
    # Skipped: the tests that LD_PRELOAD libfaketime into agents (the lab suites: LabIntegrationTests
    # and every *LabTests of the service; and the faked-clock
    # ping). The sanitizer runtime calls clock_gettime before libfaketime is initialised
    # ("libfaketime: Unexpected recursive calls to clock_gettime()") and the agent never listens.
    "${lock[@]}" swift test --skip-build --sanitize="$kind" --scratch-path "$scratch" ${filter:+--filter "$filter"} \
        --skip "LabIntegrationTests|LabTests|fakedClockIsMeasuredWithinHalfTheRoundTrip" \
        >"$logs/test.out" 2>&1 || code=$?
    unset TSAN_OPTIONS ASAN_OPTIONS LSAN_OPTIONS
    reports=$(grep -lE "$pattern" "$logs"/report.* "$logs/test.out" 2>/dev/null | wc -l)
    summary=$(grep -hE '^(✔|✘|━) Test run with' "$logs/test.out" | tail -1)
    printf 'sanitize %-7s build %4ss  tests %4ss  exit %s  processes with reports %s  %s\n' \
        "$kind" "$((built - start))" "$((SECONDS - built))" "$code" "$reports" "$summary"
    if ((reports > 0)); then
        status=1
        grep -hE -A12 "$pattern" "$logs"/report.* "$logs/test.out" 2>/dev/null | grep -E "$pattern|^ +#[0-9]+ " | head -60
        echo "sanitize: full reports in $logs" >&2
    fi
    if ((code != 0)); then
        status=1
        grep -E '✘|error:|failed' "$logs/test.out" | head -30
    fi
done
exit $status
