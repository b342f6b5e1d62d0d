#!/usr/bin/env bash
# `meridian serve` on the container lab (issue 10's tests on real Debian nodes), root only.
# node1 is the master: the package's own meridian.service runs there under node1's real systemd
# (Type=notify, the hardened unit), with /etc/meridian holding the cluster file and the
# coordinator's certificates, as an admin sets a master up. The API is reached over mutual TLS
# from the coordinator's namespace with operator certificates; webhooks go to a receiver there.
# scripts/container_lab_serve.py drives the steps (kill -9 mid-job and restart by systemd, busy
# CLI, read-only refused, progress, a stepped node's single alert and its recovery, history kept
# over a restart). Prints each step's time.
#
#   sudo bash scripts/test-container-serve.sh            # NODES=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "test-container-serve: needs root (systemd-nspawn, network namespaces)" >&2; exit 77; }
NODES=${NODES:-3}
DIR=${LAB_DIR:-/tmp/meridian-container-serve-test}
M=$PWD/.build/debug/meridian
deb=dist/meridian_$(cat VERSION)_amd64.deb
fail() { echo "FAIL: $*" >&2; exit 1; }
coord() { ip netns exec mrdn-coord "$M" "$@"; }
node1() { "$M" lab exec --dir "$DIR" node1 -- "$@"; }
cleanup() {
    if [[ -d $DIR/nodes/node1 ]]; then node1 journalctl -u meridian --no-pager -n 40 >"$DIR/serve-journal.log" 2>&1 || true; fi
    "$M" lab down --dir "$DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "container lab serve scenario: $NODES nodes in $DIR"
swift build --build-tests -Xswiftc -warnings-as-errors >/dev/null
[[ -f $deb ]] || bash scripts/package.sh >/dev/null
bash scripts/lab-image.sh >/dev/null
"$M" lab down --dir "$DIR" >/dev/null 2>&1 || true
start=$SECONDS
"$M" lab up --kind container --nodes "$NODES" --package "$deb" --dir "$DIR" >/dev/null
export MERIDIAN_CLUSTER=$DIR/cluster.json
coord deploy --settings "$DIR/deploy.json" >/dev/null || fail "deploy"
echo "  lab up + deploy ($NODES nodes)                              $((SECONDS - start)) s"

# The master's /etc/meridian: the cluster file (its certs_dir moved to /etc/meridian/certs), the
# coordinator's certificates and the CA, a serve.json. Written into node1's tree as an admin's
# scp would; the service is then started by node1's systemd.
root=$DIR/nodes/node1/root
install -d -m 0750 "$root/etc/meridian/certs"
cp -a "$DIR/certs/." "$root/etc/meridian/certs/"
python3 - "$DIR/cluster.json" "$root/etc/meridian/cluster.json" <<'PY'
import json, sys
cluster = json.load(open(sys.argv[1]))
cluster["certs_dir"] = "/etc/meridian/certs"
with open(sys.argv[2], "w") as out:
    json.dump(cluster, out, indent=2)
PY
printf '{"interval_seconds": 3, "webhooks": ["http://10.77.0.2:18123/hook"]}\n' >"$root/etc/meridian/serve.json"
node1 ufw allow 7481/tcp >/dev/null  # the admin lets the API in, as the lab lets the agent's port in
node1 systemctl start meridian || { node1 systemctl status meridian --no-pager || true; fail "meridian.service did not start"; }
[[ $(node1 systemctl is-active meridian) == active ]] || fail "meridian.service is not active"

rm -rf "$DIR/ops"
"$M" ca issue-operator ops --dir "$DIR/ops" --certs "$DIR/certs" >/dev/null
"$M" ca issue-operator viewer --read-only --dir "$DIR/ops" --certs "$DIR/certs" >/dev/null
env -u MERIDIAN_CLUSTER ip netns exec mrdn-coord python3 scripts/container_lab_serve.py --dir "$DIR" --meridian "$M" --ops "$DIR/ops" ||
    { node1 journalctl -u meridian --no-pager -n 60 || true; fail "serve scenario"; }

trap - EXIT
down=$("$M" lab down --dir "$DIR") || { echo "$down"; fail "lab down"; }
echo "    ${down##*$'\n'}"
echo "container lab serve scenario: ok"
