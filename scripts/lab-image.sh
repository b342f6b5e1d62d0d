#!/usr/bin/env bash
# Builds (cold) or reuses (warm) the container lab's base root filesystem and prints its path
# on stdout (the last line) and the time it took on stderr.
#
#   sudo bash scripts/lab-image.sh            # -> /var/cache/meridian-lab/base-<key>
#
# One `debootstrap --variant=minbase` of Debian 12 from the apt source this machine already
# uses (read from /etc/apt at run time; no host name is written into the project), plus a few
# generic lines (setup below). The cache key is a hash of the suite, the package list and that
# setup, so changing either builds a new base; every lab node is an overlay on top of it.
set -euo pipefail

SUITE=bookworm
PACKAGES=(systemd systemd-sysv dbus chrony openssh-server corosync ceph-mon ceph-common ufw
          nftables tzdata faketime iproute2 util-linux procps)
CACHE=${MERIDIAN_LAB_CACHE:-/var/cache/meridian-lab}

die() { echo "lab-image: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap systemd-container"

# The first deb source of this machine that carries $SUITE: deb822 (*.sources) or one-line format.
mirror() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -f $file ]] || continue
        awk -v suite="$SUITE" '
            /^[[:space:]]*$/ { if (deb && uri && has) { print uri; exit } deb = uri = has = 0; next }
            /^Types:/  { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
            /^URIs:/   { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
            END { if (deb && uri && has) print uri }' "$file" | head -n1
    done
    if [[ -f /etc/apt/sources.list ]]; then
        awk -v suite="$SUITE" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^\[/) continue; else { if ($(i+1) == suite) print $i; break } }' /etc/apt/sources.list
    fi
}
MIRROR=$(mirror | head -n1)
[[ -n $MIRROR ]] || die "no deb source for $SUITE in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"

# The generic setup applied on top of debootstrap (part of the cache key). What is lab-specific
# (chrony without clock control, libfaketime drop-ins, host keys, addresses) the lab writes into
# each node's own overlay at `lab up`, so the base stays a plain fresh Debian node.
setup() {
    local root=$1
    # Host keys are per node (the lab writes them into each overlay); none in the base.
    rm -f "$root"/etc/ssh/ssh_host_*
    # Fresh node: Etc/UTC, no machine id (systemd makes one per boot of each overlay).
    ln -sf /usr/share/zoneinfo/Etc/UTC "$root/etc/localtime"
    echo Etc/UTC > "$root/etc/timezone"
    : > "$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
    # No resolver inside the lab.
    rm -f "$root/etc/resolv.conf"; : > "$root/etc/resolv.conf"
    # No getty on the console the lab pipes.
    ln -sf /dev/null "$root/etc/systemd/system/console-getty.service"
}

KEY=$( { echo "$SUITE"; printf '%s\n' "${PACKAGES[@]}"; declare -f setup; } | sha256sum | cut -c1-16)
BASE=$CACHE/base-$KEY
start=$(date +%s.%N)
if [[ -f $BASE/.meridian-lab-complete ]]; then
    end=$(date +%s.%N)
    printf 'lab-image: warm: reused %s in %.3f s\n' "$BASE" "$(echo "$end - $start" | bc)" >&2
    echo "$BASE"; exit 0
fi
mkdir -p "$CACHE"
TMP=$CACHE/.building-$KEY-$$
trap 'rm -rf "$TMP"' EXIT
echo "lab-image: cold: debootstrap $SUITE from $MIRROR into $BASE" >&2
include=$(IFS=,; echo "${PACKAGES[*]}")
debootstrap --variant=minbase --include="$include" "$SUITE" "$TMP" "$MIRROR" > "$CACHE/debootstrap-$KEY.log" 2>&1 ||
    die "debootstrap failed; see $CACHE/debootstrap-$KEY.log"
setup "$TMP"
rm -rf "$TMP"/var/cache/apt/archives/*.deb
touch "$TMP/.meridian-lab-complete"
rm -rf "$BASE"; mv "$TMP" "$BASE"; trap - EXIT
end=$(date +%s.%N)
printf 'lab-image: cold: built %s (%s) in %.1f s\n' "$BASE" "$(du -sh "$BASE" | cut -f1)" "$(echo "$end - $start" | bc)" >&2
echo "$BASE"
