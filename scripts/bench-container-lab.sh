#!/usr/bin/env bash
# Prints the container lab's figures (issue 13), root only:
#   - base image: warm reuse (and cold build with COLD=1, into a throw-away cache: downloads ~500 MB)
#   - `lab up --kind container` for 5 and 16 nodes (SIZES), memory per node (PSS of every process
#     in the node's cgroup, after deploy), `meridian deploy` of the real package to every node
#   - real corosync (all nodes) and Ceph monitors (CEPH_MONS, default 3) quorate after boot, as
#     `lab up` measures them; `apply --restart-cluster-services` (corosync one node at a time)
#   - `meridian apply` on the fresh nodes against the floor: the same chrony work by plain
#     parallel shell commands in identical fresh containers (write each config, restart chrony
#     through systemctl, wait until each client selected the server)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "bench-container-lab: needs root" >&2; exit 77; }
swift build 2>&1 | tail -n 1
M=$PWD/.build/debug/meridian
deb=dist/meridian_$(cat VERSION)_amd64.deb
[[ -f $deb ]] || bash scripts/package.sh >/dev/null
DIR=/tmp/meridian-container-bench
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
trap '"$M" lab down --dir "$DIR" >/dev/null 2>&1 || true' EXIT
coord() { ip netns exec mrdn-coord "$M" "$@"; }

if [[ ${COLD:-0} == 1 ]]; then
    cache=$(mktemp -d /tmp/meridian-lab-cache.XXXXXX)
    start=$(now); MERIDIAN_LAB_CACHE=$cache bash scripts/lab-image.sh >/dev/null; end=$(now)
    echo "base image, cold: $(elapsed "$start" "$end") s ($(du -sh "$cache" | cut -f1))"; rm -rf "$cache"
fi
start=$(now); bash scripts/lab-image.sh >/dev/null 2>&1; end=$(now)
echo "base image, warm: $(elapsed "$start" "$end") s"

# Sum of PSS (kB) of every process in a node's cgroup tree.
node_pss() {
    local total=0 pid kb
    for pid in $(find "/sys/fs/cgroup/unified/meridian-lab/$1" -name cgroup.procs -exec cat {} + 2>/dev/null); do
        kb=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

for n in ${SIZES:-5 16}; do
    "$M" lab down --dir "$DIR" >/dev/null 2>&1 || true
    start=$(now); "$M" lab up --kind container --nodes "$n" --ceph-mons "${CEPH_MONS:-3}" --package "$deb" --dir "$DIR" >/dev/null 2>"$DIR.up.log"; end=$(now)
    up=$(elapsed "$start" "$end")
    corosync=$(grep -o 'votes [0-9.]* [a-z]* after boot' "$DIR.up.log" | awk '{ print $2 " " $3 }')
    ceph=$(grep -o 'monitors on .* in [0-9.]* [a-z]*;' "$DIR.up.log" | grep -o 'in [0-9.]* [a-z]*' | cut -c4-)
    export MERIDIAN_CLUSTER=$DIR/cluster.json
    start=$(now); coord deploy --settings "$DIR/deploy.json" >/dev/null 2>&1; end=$(now)
    deploy=$(elapsed "$start" "$end")
    sleep 2
    total=0; for i in $(seq 1 "$n"); do total=$((total + $(node_pss "node$i"))); done
    start=$(now); coord apply >/dev/null 2>"$DIR/apply.err" || { echo "apply failed:"; tail -5 "$DIR/apply.err"; }; end=$(now)
    apply=$(elapsed "$start" "$end")
    for i in $(seq 1 "$n"); do
        "$M" lab exec --dir "$DIR" "node$i" -- cat /etc/chrony/chrony.conf >"$DIR/node$i.conf"
        # ntp_auth keys: the floor needs each node's keyfile too, or no client selects its source.
        "$M" lab exec --dir "$DIR" "node$i" -- cat /etc/chrony/chrony.keys >"$DIR/node$i.keys" 2>/dev/null || rm -f "$DIR/node$i.keys"
    done
    # The rolling restart alone: one changed file (node2's), then corosync on every node in turn.
    "$M" lab exec --dir "$DIR" node2 -- sh -c 'echo "# bench" >> /etc/chrony/chrony.conf'
    start=$(now); coord apply --restart-cluster-services >/dev/null 2>"$DIR/rolling.err" || { echo "rolling apply failed:"; tail -5 "$DIR/rolling.err"; }; end=$(now)
    rolling=$(elapsed "$start" "$end")

    # The floor, on identical fresh containers with the agent deployed the same way.
    "$M" lab down --dir "$DIR" >/dev/null 2>&1
    "$M" lab up --kind container --nodes "$n" --ceph-mons "${CEPH_MONS:-3}" --package "$deb" --dir "$DIR" >/dev/null 2>&1
    coord deploy --settings "$DIR/deploy.json" >/dev/null 2>&1
    start=$(now)
    put_keys() {  # node: its keyfile as Meridian writes it (0640 root:_chrony)
        [[ -f $DIR/$1.keys ]] || return 0
        install -m 0640 "$DIR/$1.keys" "$DIR/nodes/$1/root/etc/chrony/chrony.keys"
        "$M" lab exec --dir "$DIR" "$1" -- chgrp _chrony /etc/chrony/chrony.keys
    }
    put_keys node1
    cp "$DIR/node1.conf" "$DIR/nodes/node1/root/etc/chrony/chrony.conf"
    "$M" lab exec --dir "$DIR" node1 -- sh -c "systemctl restart chrony && ufw allow from 10.77.0.0/24 to any port 123 proto udp >/dev/null"
    for i in $(seq 2 "$n"); do
        ( put_keys "node$i" && cp "$DIR/node$i.conf" "$DIR/nodes/node$i/root/etc/chrony/chrony.conf" &&
          "$M" lab exec --dir "$DIR" "node$i" -- sh -c 'systemctl restart chrony && for _ in $(seq 600); do chronyc -n sources | grep -q "^\^\*" && exit 0; sleep 0.2; done; echo "floor: no source selected in 120 s" >&2; exit 1' ) &
    done
    wait
    end=$(now)
    floor=$(elapsed "$start" "$end")
    echo "$n nodes: lab up $up s (corosync quorate ${corosync:-?} after boot, ${CEPH_MONS:-3} Ceph mons quorate in ${ceph:-?}); deploy $deploy s;" \
         "memory $((total / n / 1024)) MiB PSS per node; apply $apply s vs shell floor $floor s; apply --restart-cluster-services (one change) $rolling s"
done
