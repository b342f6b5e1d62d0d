#!/usr/bin/env bash
# Captures real chronyc output for the ClockSync parser tests, from real chronyd instances on
# loopback (always -x: they never touch this machine's clock). Re-run to refresh the fixtures:
#   bash scripts/capture-chrony-fixtures.sh
# States: server on its local clock; client synced; client just started (unsynced); client whose
# server is unreachable; client whose clock is 2.5 s fast (libfaketime).
# `bash scripts/capture-chrony-fixtures.sh auth` captures only the NTP authentication states
# (`chronyc -c authdata` and sources): client with the right key, client with a wrong key, a rogue
# unauthenticated source under `authselectmode require`, two time servers peering with a key.
set -euo pipefail
mode=${1:-all}
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

# Authentication: test keys made here for the capture only (never used anywhere else).
capture_auth() {
    local good bad peer
    good=$(chronyc keygen 1 AES128); bad=$(chronyc keygen 1 AES128); peer=$(chronyc keygen 7 SHA256 256)
    printf '%s\n%s\n' "$good" "$peer" >"$work/server.keys"
    printf '%s\n' "$good" >"$work/good.keys"
    printf '%s\n' "$bad" >"$work/bad.keys"
    printf '%s\n' "$peer" >"$work/peer.keys"
    start authserver 127.0.0.2 "port 11123
local stratum 10 orphan
allow 127.0.0.0/8
keyfile $work/server.keys
peer 127.0.0.7 port 11123 key 7 minpoll -2 maxpoll 0"
    start authpeer 127.0.0.7 "port 11123
local stratum 10 orphan
allow 127.0.0.0/8
keyfile $work/peer.keys
peer 127.0.0.2 port 11123 key 7 minpoll -2 maxpoll 0"
    start rogue 127.0.0.8 "port 11123
local stratum 3
allow 127.0.0.0/8"
    sleep 1
    for c in good:127.0.0.3 bad:127.0.0.4; do
        start "auth${c%%:*}" "${c#*:}" "port 0
keyfile $work/${c%%:*}.keys
authselectmode require
server 127.0.0.2 port 11123 iburst minpoll -2 maxpoll 0 key 1
server 127.0.0.8 port 11123 iburst minpoll -2 maxpoll 0"
    done
    for _ in $(seq 60); do chronyc_ authgood -c sources | grep -q '^\^,\*' && break; sleep 0.5; done
    sleep 4
    for pair in authgood:client-auth-ok authbad:client-auth-wrong-key authserver:server-auth-peer; do
        local dir="$out/${pair#*:}"
        mkdir -p "$dir"
        chronyc_ "${pair%%:*}" -c authdata >"$dir/authdata.csv"
        chronyc_ "${pair%%:*}" -c ntpdata >"$dir/ntpdata.csv"
        chronyc_ "${pair%%:*}" authdata >"$dir/authdata.txt"
        chronyc_ "${pair%%:*}" -c sources >"$dir/sources.csv"
        chronyc_ "${pair%%:*}" -c tracking >"$dir/tracking.csv"
        echo "captured ${pair#*:}"
    done
}
if [ "$mode" = auth ]; then capture_auth; exit 0; fi

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
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
pids=(); sleep 1
capture_auth
/usr/sbin/chronyd -v | head -n 1 >"$out/VERSION"
