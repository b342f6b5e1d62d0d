#!/usr/bin/env bash
# Builds the Debian package and checks it the way a Proxmox node would use it: extracted into a
# throw-away root, both binaries run with no Swift toolchain in the library path, the unit passes
# systemd-analyze verify, the agent speaks systemd's notify protocol and stops cleanly on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(cat VERSION)
bash scripts/package.sh
deb=dist/meridian_${version}_amd64.deb
root=$(mktemp -d /tmp/meridian-pkgroot.XXXXXX)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
passed=0; failed=0
check() {  # NAME COMMAND...
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name: $out"; fi
}
check "package holds the contract paths" bash -c "dpkg -c '$deb' | grep -q ' ./usr/bin/meridian$' && dpkg -c '$deb' | grep -q ' ./usr/bin/meridian-agent$' && dpkg -c '$deb' | grep -q ' ./lib/systemd/system/meridian-agent.service$'"
check "meridian --version is VERSION without Swift installed" bash -c "[ \"\$(env -i PATH=/usr/bin:/bin '$root/usr/bin/meridian' --version)\" = '$version' ]"
check "meridian-agent --version is VERSION" bash -c "[ \"\$(env -i '$root/usr/bin/meridian-agent' --version)\" = '$version' ]"
check "binaries link only system libraries" bash -c "! ldd '$root/usr/bin/meridian' '$root/usr/bin/meridian-agent' | grep -E 'libswift|/opt/swift|not found'"
check "man pages and completions present" bash -c "ls '$root/usr/share/man/man8/meridian.8.gz' '$root/usr/share/man/man8/meridian-agent.8.gz' '$root/usr/share/bash-completion/completions/meridian' '$root/usr/share/zsh/vendor-completions/_meridian' '$root/usr/share/fish/vendor_completions.d/meridian.fish'"
sed "s#/usr/bin/meridian-agent#$root/usr/bin/meridian-agent#" "$root/lib/systemd/system/meridian-agent.service" >"$root/meridian-agent.service"
check "systemd-analyze verify passes" bash -c "systemd-analyze verify '$root/meridian-agent.service' 2>&1 | grep -v 'man meridian-agent' | { ! grep -q .; }"
echo "systemd exposure: $(systemd-analyze security --offline=true "$root/meridian-agent.service" 2>/dev/null | tail -n 1)"
# meridian serve's unit: shipped, verified, installed but not enabled (the master's admin does).
check "package holds meridian.service" bash -c "dpkg -c '$deb' | grep -q ' ./lib/systemd/system/meridian.service$'"
sed "s#/usr/bin/meridian #$root/usr/bin/meridian #" "$root/lib/systemd/system/meridian.service" >"$root/meridian.service"
check "meridian.service: systemd-analyze verify passes" bash -c "systemd-analyze verify '$root/meridian.service' 2>&1 | grep -v 'man meridian.serve' | { ! grep -q .; }"
check "meridian.service: Type=notify, StateDirectory, RuntimeDirectory" bash -c "grep -qx 'Type=notify' '$root/meridian.service' && grep -qx 'StateDirectory=meridian' '$root/meridian.service' && grep -qx 'RuntimeDirectory=meridian' '$root/meridian.service'"
check "postinst does not enable meridian.service" bash -c "! grep -q 'enable meridian.service' packaging/debian/postinst"
echo "systemd exposure (meridian.service): $(systemd-analyze security --offline=true "$root/meridian.service" 2>/dev/null | tail -n 1)"
check "agent: READY=1, STOPPING=1 on SIGTERM, exit 0" python3 - "$root" <<'PY'
import json, os, socket, subprocess, sys, tempfile
root = sys.argv[1]
work = tempfile.mkdtemp()
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(work + "/notify")
listener.settimeout(10)
for args in (["ca", "init", "--dir", work + "/c"], ["ca", "issue", "pkgnode", "--address", "127.0.0.62", "--dir", work + "/c"]):
    subprocess.run([root + "/usr/bin/meridian"] + args, check=True, capture_output=True)
json.dump({"node": "pkgnode", "listen": "127.0.0.62:7480", "ca": work + "/c/ca.pem",
           "cert": work + "/c/pkgnode.pem", "key": work + "/c/pkgnode.key"}, open(work + "/agent.json", "w"))
agent = subprocess.Popen([root + "/usr/bin/meridian-agent", "--config", work + "/agent.json"],
                         env={"NOTIFY_SOCKET": work + "/notify"}, stderr=subprocess.PIPE)
first = listener.recv(200)
assert first.startswith(b"READY=1"), first
agent.terminate()
second = listener.recv(200)
assert second == b"STOPPING=1", second
assert agent.wait(20) == 0
PY
echo "package: $passed passed, $failed failed"
[ "$failed" = 0 ]
