#!/usr/bin/env bash
# The container lab's end-to-end scenario (issue 13), root only; prints how long each step took.
# Real Debian 12 nodes under systemd-nspawn, the real package over real SSH, one real corosync
# cluster of all nodes, real Ceph monitors on the first three:
#
#   lab up --kind container --nodes 5 --ceph-mons 3 --skew node3=+2.5 --package dist/meridian_<v>_amd64.deb
#   deploy (dpkg -i; agent active under systemd) → second deploy changes nothing → ping all five
#   → status critical, node3 measured 2.5 s fast (within 5 ms), Ceph's MON_CLOCK_SKEW for node3,
#     NTP closed by ufw on the server
#   → apply --restart-cluster-services (chrony via systemctl, timezone via timedatectl, ufw
#     opened, no RTC skipped; corosync restarted one node at a time, quorum in between)
#   → status ok (bounded wait), every client's source authenticated (NTP keys), Ceph HEALTH_OK
#     (bounded wait, printed), corosync quorate → second apply changes and restarts nothing
#   → faults: corosync stopped on 3 of 5 → refused before any node is touched; a node whose
#     corosync does not come back → the rolling restart stops there and names it; UDP 123
#     taken on the time server → chrony rolled back through systemd to the previous file
#   → node2 rebooted from inside comes back by itself, status ok → undeploy the last node
#     (dpkg --purge; its certificate revoked in every other node's CRL) → lab down: host clock unmoved.
#
#   sudo bash scripts/test-container-lab.sh            # NODES=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "test-container-lab: needs root (systemd-nspawn, network namespaces)" >&2; exit 77; }
for tool in systemd-nspawn debootstrap ip nsenter python3; do
    command -v "$tool" >/dev/null || { echo "test-container-lab: $tool is missing (apt-get install systemd-container debootstrap)" >&2; exit 77; }
done
NODES=${NODES:-5}
DIR=${LAB_DIR:-/tmp/meridian-container-lab-test}
M=$PWD/.build/debug/meridian
version=$(cat VERSION)
deb=dist/meridian_${version}_amd64.deb

t0=$(date +%s.%N)
step_start=$t0
step() {  # step NAME: prints the time since the previous step
    local now; now=$(date +%s.%N)
    printf '  %-44s %8.2f s\n' "$1" "$(echo "$now - $step_start" | bc)"
    step_start=$now
}
fail() { echo "FAIL: $*" >&2; exit 1; }
coord() { ip netns exec mrdn-coord "$M" "$@"; }
cleanup() { "$M" lab down --dir "$DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "container lab scenario: $NODES nodes in $DIR"
swift build --build-tests -Xswiftc -warnings-as-errors >/dev/null
[[ -f $deb ]] || bash scripts/package.sh >/dev/null
step "build (debug + package if missing)"
bash scripts/lab-image.sh >/dev/null
step "base image (lab-image.sh; cold or warm)"

"$M" lab down --dir "$DIR" >/dev/null 2>&1 || true
"$M" lab up --kind container --nodes "$NODES" --ceph-mons 3 --skew node3=+2.5 --package "$deb" --dir "$DIR" 2>"$DIR.up.log" >/dev/null ||
    { cat "$DIR.up.log"; fail "lab up"; }
sed 's/^/    /' "$DIR.up.log" | grep -E "corosync|Ceph" || true
export MERIDIAN_CLUSTER=$DIR/cluster.json
step "lab up ($NODES containers booted)"
# lab status names the monitors' units: active on node1-3, "-" (no monitor) past them. Only the
# node rows are checked (the table is followed by the clock loop's line).
labstatus=$("$M" lab status --dir "$DIR")
echo "$labstatus" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "CEPH-MON") c = i; next }
    $1 ~ /^node[0-9]+$/ { rows++; want = ($1 == "node1" || $1 == "node2" || $1 == "node3") ? "active" : "-"; if (!c || $c != want) bad = bad " " $1 "=" $c }
    END { if (bad != "" || !c || rows != '"$NODES"') { print "lab status CEPH-MON (" rows " node rows):" bad; exit 1 } }' || { echo "$labstatus"; fail "lab status does not show the Ceph monitors"; }

coord deploy --settings "$DIR/deploy.json" >/dev/null || fail "deploy"
for n in $(seq 1 "$NODES"); do
    [[ $("$M" lab exec --dir "$DIR" "node$n" -- systemctl is-active meridian-agent) == active ]] || fail "node$n: meridian-agent is not active"
    "$M" lab exec --dir "$DIR" "node$n" -- dpkg-query -W -f '${Status}' meridian | grep -q 'install ok installed' || fail "node$n: package not installed"
done
step "deploy (dpkg -i over SSH; unit active)"
again=$(coord deploy --settings "$DIR/deploy.json" --json)
echo "$again" | python3 -c 'import json,sys; r=json.load(sys.stdin); r=r.get("nodes", r) if isinstance(r, dict) else r
bad=[x["node"] for x in r if x["outcome"] != "unchanged"]; sys.exit("second deploy changed: %s" % bad if bad else 0)' || fail "second deploy was not a no-op"
step "second deploy (nothing changed)"

addresses=$(python3 -c 'import json,sys; print(" ".join(n["address"] for n in json.load(open(sys.argv[1]))["nodes"]))' "$DIR/cluster.json")
# shellcheck disable=SC2086
coord ping --certs "$DIR/certs" $addresses >/dev/null || fail "ping did not reach every node"
step "ping all $NODES"

set +e; before=$(coord status --json); rc=$?; set -e
[[ $rc == 2 ]] || fail "status before apply: exit $rc, expected 2 (critical)"
echo "$before" | python3 -c '
import json, sys
r = json.load(sys.stdin)
node3 = next(n for n in r["nodes"] if n["name"] == "node3")
off = node3["offset_seconds"]
assert off is not None and abs(off - 2.5) < 0.005, "node3 measured %r, expected +2.5 s within 5 ms" % off
reasons = " ".join(x for n in r["nodes"] for x in n["reasons"]) + " ".join(r["cluster_reasons"])
assert "timezone" in reasons, "no timezone difference reported"
assert "firewall blocks NTP" in reasons, "the closed firewall on the time server was not reported"
assert "MON_CLOCK_SKEW" in reasons and "mon.node3" in reasons, "Ceph MON_CLOCK_SKEW for node3 not reported: %s" % reasons
ceph = node3["ceph_skew_seconds"]
assert ceph is not None and abs(ceph - 2.5) < 0.1, "Ceph measured node3 at %r, expected about +2.5 s" % ceph
print("    node3 measured %+.4f s; Ceph (leader node1) says node3 %+.4f s, MON_CLOCK_SKEW" % (off, ceph))' || fail "status before apply"
step "status: critical, node3 +2.5 s, Ceph skew, NTP closed"

coord apply --restart-cluster-services >"$DIR/apply.log" 2>&1 || { cat "$DIR/apply.log"; fail "apply"; }
# corosync restarted one node at a time, in order, each quorate again before the next.
restarted=$(grep -o 'node[0-9]*: corosync and pve-cluster restarted; quorate again after [^ ]* [a-z]*' "$DIR/apply.log" || true)
echo "$restarted" | sed 's/^/    /'
[[ $(echo "$restarted" | cut -d: -f1 | tr '\n' ' ') == "$(seq -f 'node%g' -s ' ' 1 "$NODES") " ]] ||
    { cat "$DIR/apply.log"; fail "corosync was not restarted on node1..node$NODES in turn"; }
# The RTC step is "unchanged" (not printed); the apply journal beside the cluster file has it.
grep '"rtc"' "$DIR/apply-journal.jsonl" | grep -q "no RTC on this node" || { cat "$DIR/apply.log"; fail "apply did not report the missing RTC"; }
grep -q "firewall: changed" "$DIR/apply.log" || { cat "$DIR/apply.log"; fail "apply did not open NTP in ufw on the time server"; }
step "apply"
applied_at=$(date +%s.%N)
waited=0
until coord status >/dev/null 2>&1; do
    (( waited < 120 )) || { coord status || true; fail "status not ok 120 s after apply"; }
    sleep 2; waited=$((waited + 2))
done
step "status ok (after ${waited} s of polling)"
# ntp_auth is `keys` (as init makes it): every client's selected source is authenticated, which
# needs chronyc's privileged `authdata` to reach chronyd from inside the agent's hardened unit.
coord status --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
clients = [n for n in r["nodes"] if n["role"] != "server"]
bad = [(n["name"], n["authenticated"]) for n in clients if n["authenticated"] is not True]
assert clients and not bad, "clients whose source is not authenticated: %r" % bad
print("    %d clients, every selected source authenticated" % len(clients))' || fail "NTP authentication after apply"

# Ceph's leader sees node3's monitor within 0.05 s again: HEALTH_OK (bounded wait).
waited=0
until [[ $("$M" lab exec --dir "$DIR" node1 -- ceph health 2>/dev/null) == HEALTH_OK ]]; do
    (( waited < 120 )) || { "$M" lab exec --dir "$DIR" node1 -- ceph health detail || true; fail "Ceph not HEALTH_OK 120 s after status ok"; }
    sleep 1; waited=$((waited + 1))
done
printf '    Ceph HEALTH_OK %.1f s after apply ended (polled every 1 s, limit 120 s after status ok)\n' "$(echo "$(date +%s.%N) - $applied_at" | bc)"
quorate() {  # every node's corosync says quorate with all votes
    for n in $(seq 1 "$NODES"); do
        "$M" lab exec --dir "$DIR" "node$n" -- corosync-quorumtool -s 2>/dev/null | grep -q "^Total votes: *$NODES\$" || return 1
    done
}
quorate || fail "corosync not quorate with all $NODES votes after apply"
step "Ceph HEALTH_OK, corosync quorate"

invocations() { for n in $(seq 1 "$NODES"); do "$M" lab exec --dir "$DIR" "node$n" -- systemctl show -P InvocationID corosync chrony; done; }
before_ids=$(invocations)
coord apply --restart-cluster-services >"$DIR/apply2.log" 2>&1 || { cat "$DIR/apply2.log"; fail "second apply"; }
grep -q "nothing changed" "$DIR/apply2.log" || { cat "$DIR/apply2.log"; fail "second apply changed something"; }
grep -q "nothing restarted" "$DIR/apply2.log" || { cat "$DIR/apply2.log"; fail "second apply did not say that it restarted nothing"; }
[[ $(invocations) == "$before_ids" ]] || fail "second apply restarted corosync or chrony somewhere"
step "second apply (nothing changed, nothing restarted)"

# Fault: corosync stopped on 3 of 5 → refused before any node is touched.
for n in 3 4 5; do "$M" lab exec --dir "$DIR" "node$n" -- systemctl stop corosync; done
"$M" lab exec --dir "$DIR" node2 -- sh -c 'echo "# edited by hand" >> /etc/chrony/chrony.conf'
before_ids=$(invocations)
set +e; coord apply --restart-cluster-services >"$DIR/apply-refused.log" 2>&1; rc=$?; set -e
[[ $rc != 0 ]] || { cat "$DIR/apply-refused.log"; fail "apply went ahead on a cluster out of quorum"; }
grep "refusing to restart anything" "$DIR/apply-refused.log" | grep -q "node3, node4, node5" ||
    { cat "$DIR/apply-refused.log"; fail "the refusal does not name node3, node4, node5"; }
"$M" lab exec --dir "$DIR" node2 -- grep -q "# edited by hand" /etc/chrony/chrony.conf || fail "node2's chrony.conf was touched"
[[ $(invocations) == "$before_ids" ]] || fail "a service was restarted although apply refused"
grep -m1 "refusing" "$DIR/apply-refused.log" | cut -c1-200 | sed 's/^/    /'
for n in 3 4 5; do "$M" lab exec --dir "$DIR" "node$n" -- systemctl start corosync; done
waited=0
until quorate; do (( waited < 60 )) || fail "corosync not quorate again 60 s after its restart"; sleep 1; waited=$((waited + 1)); done
step "fault: 3 of 5 without corosync → refused, nothing touched"

# Fault: node4's corosync does not come back (its config broken) → stopped there, named.
"$M" lab exec --dir "$DIR" node4 -- cp /etc/corosync/corosync.conf /root/corosync.conf.good
"$M" lab exec --dir "$DIR" node4 -- sh -c 'echo "totem {" >> /etc/corosync/corosync.conf'
set +e; coord apply --restart-cluster-services >"$DIR/apply-stopped.log" 2>&1; rc=$?; set -e
[[ $rc != 0 ]] || { cat "$DIR/apply-stopped.log"; fail "apply did not fail on node4's corosync"; }
grep "FAILED node4 at cluster services" "$DIR/apply-stopped.log" | grep -q "stopped at node4" ||
    { cat "$DIR/apply-stopped.log"; fail "the rolling restart did not stop at node4 naming it"; }
grep -q "node5: corosync and pve-cluster restarted" "$DIR/apply-stopped.log" && fail "node5 was restarted after node4 failed"
grep -m1 "FAILED node4" "$DIR/apply-stopped.log" | cut -c1-200 | sed 's/^/    /'
"$M" lab exec --dir "$DIR" node4 -- cp /root/corosync.conf.good /etc/corosync/corosync.conf
"$M" lab exec --dir "$DIR" node4 -- systemctl start corosync
waited=0
until quorate; do (( waited < 60 )) || fail "corosync not quorate again after node4's config was mended"; sleep 1; waited=$((waited + 1)); done
step "fault: node4's corosync not back → stopped there"

# Fault: node1 (the time server) back on Debian's own chrony.conf (no `allow`: it binds no NTP
# port), and another process in its network namespace holds UDP 123. chronyd 4.3 does not exit
# when it cannot bind the port: it runs on its local clock serving no one. apply must see that,
# put the previous file back through systemd and say so with the evidence.
"$M" lab exec --dir "$DIR" node1 -- cp /var/lib/meridian/backups/chrony.conf.meridian-orig /etc/chrony/chrony.conf
"$M" lab exec --dir "$DIR" node1 -- systemctl restart chrony
cat > "$DIR/hold-udp-123.py" <<'PY'
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 123))  # IPv4 and IPv6, without SO_REUSEADDR: chronyd's bind fails
print("holding UDP 123", flush=True)
time.sleep(600)
PY
ip netns exec mrdn-node1 python3 "$DIR/hold-udp-123.py" > "$DIR/hold-udp-123.log" 2>&1 &
holder=$!
trap 'kill $holder 2>/dev/null || true; cleanup' EXIT
until grep -q holding "$DIR/hold-udp-123.log"; do kill -0 $holder || fail "the UDP 123 holder did not start"; sleep 0.2; done
set +e; coord apply >"$DIR/apply-port.log" 2>&1; rc=$?; set -e
[[ $rc != 0 ]] || { cat "$DIR/apply-port.log"; fail "apply succeeded although node1 cannot serve NTP"; }
grep "FAILED node1 at chrony" "$DIR/apply-port.log" | grep -q "previous chrony.conf restored and chrony restarted" ||
    { cat "$DIR/apply-port.log"; fail "node1's failed chrony was not rolled back"; }
grep -q "chronyd opened no socket on UDP 123" "$DIR/apply-port.log" || { cat "$DIR/apply-port.log"; fail "no evidence of the taken port"; }
[[ $("$M" lab exec --dir "$DIR" node1 -- systemctl is-active chrony) == active ]] || fail "chrony is not running on node1 after the rollback"
"$M" lab exec --dir "$DIR" node1 -- cmp -s /var/lib/meridian/backups/chrony.conf.meridian-orig /etc/chrony/chrony.conf ||
    fail "node1 does not run its previous chrony.conf after the rollback"
"$M" lab exec --dir "$DIR" node1 -- journalctl -u chrony -o cat --no-pager | grep -m1 "Could not open NTP socket" | sed 's/^/    chronyd said: /'
grep -m1 "FAILED node1" "$DIR/apply-port.log" | grep -o "serve NTP.*" | cut -c1-240 | sed 's/^/    /'
kill $holder; wait $holder 2>/dev/null || true
trap cleanup EXIT
coord apply >"$DIR/apply-fixed.log" 2>&1 || { cat "$DIR/apply-fixed.log"; fail "apply after the port was freed"; }
waited=0
until coord status >/dev/null 2>&1; do
    (( waited < 180 )) || { coord status || true; fail "status not ok 180 s after node1 was fixed"; }
    sleep 2; waited=$((waited + 2))
done
step "fault: UDP 123 taken on node1 → rolled back, fixed (${waited} s)"

# A node rebooted from inside comes back by itself (the lab's supervisor boots it again on
# nspawn's exit 133): agent and chrony start from their units with Meridian's config.
"$M" lab exec --dir "$DIR" node2 -- touch /run/before-reboot  # /run is a fresh tmpfs after a boot
"$M" lab exec --dir "$DIR" node2 -- systemctl reboot || true
waited=0
until ! "$M" lab exec --dir "$DIR" node2 -- test -e /run/before-reboot 2>/dev/null &&
      [[ $("$M" lab exec --dir "$DIR" node2 -- systemctl is-system-running 2>/dev/null) == running ]] &&
      [[ $("$M" lab exec --dir "$DIR" node2 -- systemctl is-active meridian-agent chrony 2>/dev/null | sort -u) == active ]]; do
    (( waited < 120 )) || fail "node2 did not come back 120 s after its reboot"
    sleep 1; waited=$((waited + 1))
done
"$M" lab exec --dir "$DIR" node2 -- grep -q "Managed by Meridian" /etc/chrony/chrony.conf || fail "node2 lost Meridian's chrony.conf over its reboot"
until coord status >/dev/null 2>&1; do
    (( waited < 180 )) || { coord status || true; fail "status not ok after node2's reboot"; }
    sleep 2; waited=$((waited + 2))
done
step "node2 rebooted: back, status ok (${waited} s)"

# Undeploy purges the package on one node and revokes its certificate.
# Its certificate is revoked and the new CRL reaches the others, whose agents then refuse it.
cp "$DIR/nodes/node$NODES/root/etc/meridian/agent.pem" "$DIR/undeployed-agent.pem"
openssl verify -CAfile "$DIR/certs/ca.pem" "$DIR/undeployed-agent.pem" >/dev/null 2>&1 || fail "node$NODES's certificate does not verify before the undeploy"
coord undeploy --node "node$NODES" --settings "$DIR/deploy.json" >/dev/null 2>&1 || fail "undeploy node$NODES"
if "$M" lab exec --dir "$DIR" "node$NODES" -- dpkg-query -W meridian >/dev/null 2>&1; then fail "node$NODES still has the package"; fi
for n in $(seq 1 $((NODES - 1))); do
    crl=$DIR/nodes/node$n/root/etc/meridian/crl.pem
    cmp -s "$crl" "$DIR/certs/crl.pem" || fail "node$n does not have the coordinator's new CRL"
    verdict=$(openssl verify -crl_check -CAfile "$DIR/certs/ca.pem" -CRLfile "$crl" "$DIR/undeployed-agent.pem" 2>&1 || true)
    grep -q "certificate revoked" <<<"$verdict" || fail "node$n's CRL does not revoke node$NODES's certificate: $verdict"
done
step "undeploy node$NODES (dpkg --purge; revoked on the others)"

trap - EXIT
down=$("$M" lab down --dir "$DIR") || { echo "$down"; fail "lab down"; }
echo "    ${down##*$'\n'}"
step "lab down (host clock checked)"
printf '  %-44s %8.2f s\n' "total" "$(echo "$(date +%s.%N) - $t0" | bc)"
echo "container lab scenario: ok"
