#!/usr/bin/env bash
# Captures real chronyc output for the ClockSync parser tests, from real chronyd instances on
# loopback (always -x: they never touch this machine's clock). Re-run to refresh the fixtures:
#   bash scripts/capture-chrony-fixtures.sh
# States: server on its local clock; client synced; client just started (unsynced); client whose
# server is unreachable; client whose clock is 2.5 s fast (libfaketime).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/ClockSyncTests/Fixtures/chrony
work=$(mktemp -d /tmp/meridian-capture.XXXXXX)
chmod 755 "$work"
faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# start NAME ADDRESS CONFIG-LINES [env...]
start() {
    local name=$1 address=$2 lines=$3; shift 3
    local dir="$work/$name"
    mkdir -p "$dir/run"; chmod 700 "$dir/run"
    cat >"$dir/chrony.conf" <<CONF
# fixture capture: $name (loopback only)
user root
bindaddress $address
cmdport 0
bindcmdaddress $dir/run/chronyd.sock
pidfile $dir/run/chronyd.pid
driftfile $dir/chrony.drift
$lines
CONF
    env "$@" /usr/sbin/chronyd -x -d -f "$dir/chrony.conf" >"$dir/log" 2>&1 &
    pids+=($!)
}
chronyc_() { chronyc -h "$work/$1/run/chronyd.sock" "${@:2}"; }
capture() {  # NAME STATE
    local dir="$out/$2"
    mkdir -p "$dir"
    chronyc_ "$1" -c tracking >"$dir/tracking.csv"
    chronyc_ "$1" tracking >"$dir/tracking.txt"
    chronyc_ "$1" -c sources >"$dir/sources.csv"
    chronyc_ "$1" sources >"$dir/sources.txt"
    chronyc_ "$1" -c sourcestats >"$dir/sourcestats.csv"
    chronyc_ "$1" sourcestats >"$dir/sourcestats.txt"
    echo "captured $2"
}

client_lines="server 127.0.0.2 port 11123 iburst minpoll -2 maxpoll 0
port 0
makestep 1 3"
start server 127.0.0.2 "port 11123
local stratum 10
allow 127.0.0.0/8"
sleep 1
start fresh 127.0.0.3 "$client_lines"
start synced 127.0.0.4 "$client_lines"
start unreachable 127.0.0.5 "server 127.0.0.9 port 11123 iburst minpoll -2 maxpoll 0
port 0"
echo "+2.5" >"$work/fast.offset"
start fast 127.0.0.6 "$client_lines" LD_PRELOAD="$faketime_lib" FAKETIME_TIMESTAMP_FILE="$work/fast.offset" FAKETIME_NO_CACHE=1

sleep 0.3
capture fresh client-unsynced
for _ in $(seq 60); do chronyc_ synced -c sources | grep -q '^\^,\*' && break; sleep 0.5; done
sleep 3
capture synced client-synced
capture server server-local
for _ in $(seq 60); do chronyc_ fast -c sources | grep -q '^\^,\*' && break; sleep 0.5; done
sleep 2
capture fast client-fast-2.5s
sleep 4
capture unreachable client-unreachable
/usr/sbin/chronyd -v | head -n 1 >"$out/VERSION"
