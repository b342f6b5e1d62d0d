#!/usr/bin/env bash
# Prints packaging and deploy figures (loopback only): agent binary and .deb size, the unit's
# systemd exposure, and `meridian deploy` time to 8 nodes, each a real sshd on 127.0.0.3x with
# its own root directory (the start command launches the agent in the background there).
# Targets (issue 5): deploy of 8 nodes <= 10 s; agent idle RSS <= 12 MB (see scripts/bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/package.sh >/dev/null
version=$(cat VERSION)
bin=$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)
M="$bin/meridian"
work=$(mktemp -d /tmp/meridian-bench-deploy.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for f in "$work"/root-*/agent.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
N=${NODES:-8}
printf "agent binary      %s bytes unstripped, %s bytes in the package (stripped)\n" "$(stat -c %s "$bin/meridian-agent")" "$(dpkg -c "dist/meridian_${version}_amd64.deb" | awk "/usr\\/bin\\/meridian-agent$/ {print \$3}")"
printf 'package           %s bytes  dist/meridian_%s_amd64.deb\n' "$(stat -c %s "dist/meridian_${version}_amd64.deb")" "$version"
sed "s#/usr/bin/meridian-agent#$bin/meridian-agent#" packaging/meridian-agent.service >"$work/meridian-agent.service"
printf 'systemd exposure  %s\n' "$(systemd-analyze security --offline=true "$work/meridian-agent.service" 2>/dev/null | tail -n 1 | sed 's/.*: //')"

mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
"$M" ca init --dir "$work/certs" >/dev/null
nodes=()
settings_nodes=""
for i in $(seq 1 "$N"); do
    name="bnode$i"; address="127.0.0.$((30 + i))"; port=$((2300 + i)); home="$work/sshd-$name"; root="$work/root-$name"
    mkdir -p "$home" "$root"
    ssh-keygen -q -t ed25519 -N '' -f "$home/host_key"
    cp "$work/client_key.pub" "$home/authorized_keys"
    cat >"$home/sshd_config" <<CONF
Port $port
ListenAddress $address
HostKey $home/host_key
PidFile $home/sshd.pid
AuthorizedKeysFile $home/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
CONF
    /usr/sbin/sshd -D -e -f "$home/sshd_config" 2>"$home/sshd.log" & pids+=($!)
    echo "[$address]:$port $(cut -d' ' -f1-2 "$home/host_key.pub")" >>"$work/known_hosts"
    nodes+=("--node" "$name=$address")
    start="MERIDIAN_AGENT_CONFIG=$root/etc/meridian/agent.json setsid $root/usr/bin/meridian-agent > $root/agent.log 2>&1 < /dev/null & echo \$! > $root/agent.pid"
    entry=$(python3 -c 'import json,sys; print(json.dumps({"port": int(sys.argv[1]), "root": sys.argv[2], "start": ["sh", "-c", sys.argv[3]], "restart": ["sh", "-c", "kill $(cat %s/agent.pid) 2>/dev/null; sleep 0.5; %s" % (sys.argv[2], sys.argv[3])]}))' "$port" "$root" "$start")
    settings_nodes+="${settings_nodes:+, }\"$name\": $entry"
done
cat >"$work/deploy.json" <<JSON
{"identity": "$work/client_key", "known_hosts": "$work/known_hosts", "agent_binary": "$bin/meridian-agent", "nodes": {$settings_nodes}}
JSON
"$M" init --cluster "$work/cluster.json" "${nodes[@]}" --subnet 127.0.0.0/8 --timezone UTC --certs "$work/certs" >/dev/null
sleep 0.5
now() { date +%s.%N; }
start=$(now); "$M" deploy --cluster "$work/cluster.json" --settings "$work/deploy.json" >"$work/first.txt" 2>/dev/null; end=$(now)
first=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
start=$(now); "$M" deploy --cluster "$work/cluster.json" --settings "$work/deploy.json" >"$work/second.txt" 2>/dev/null; end=$(now)
second=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
printf 'deploy %d nodes    %s s (%d changed); again: %s s (%d unchanged)  (target <= 10 s)\n' "$N" "$first" \
    "$(grep -c ' changed ' "$work/first.txt" || true)" "$second" "$(grep -c ' unchanged ' "$work/second.txt" || true)"
"$M" ping --certs "$work/certs" $(seq -f "127.0.0.%g" 31 $((30 + N))) | tail -n +2 | awk '{ print "  " $0 }' | head -n 3
