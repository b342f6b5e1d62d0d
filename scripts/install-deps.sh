#!/usr/bin/env bash
# Installs what Meridian needs on a fresh Debian 12 machine (Swift toolchain assumed on PATH).
# Idempotent: does nothing when every package is already there.
set -euo pipefail
# libsqlite3-dev: the history database of `meridian serve` (GRDB links the system SQLite).
# prometheus: for its promtool (check metrics/rules, test rules); chromium: the status page's
# browser test (headless, loopback only). Both for scripts/test-monitoring.sh.
# libFuzzer and the ASan/TSan runtimes, lld and llvm-symbolizer come with the Swift toolchain;
# libFuzzer's runtime is C++ (libstdc++-12-dev); util-linux has the flock the scripts can use.
packages=(chrony faketime libssl-dev pkg-config openssl python3 tzdata iproute2 openssh-client openssh-server systemd dpkg-dev
          libstdc++-12-dev util-linux python3-jsonschema systemd-container debootstrap bc
          libsqlite3-dev prometheus chromium curl)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    # chrony's package starts its own daemon; keep it from steering this machine's clock.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Never let a system chronyd steer this machine: the lab and the tests run their own with -x.
if pgrep -x chronyd >/dev/null 2>&1 && ! pgrep -a chronyd | grep -q -- ' -x'; then
    echo "note: a system chronyd is running; Meridian's lab and tests do not use it" >&2
fi
