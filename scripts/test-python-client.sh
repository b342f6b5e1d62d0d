#!/usr/bin/env bash
# Runs protocol/client/meridian_client.py (standard library only) against a live agent, so the
# published contract and the Swift implementation cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
work=$(mktemp -d /tmp/meridian-pyclient.XXXXXX)
agent=""
serve=""
cleanup() { if [ -n "$serve" ]; then kill "$serve" 2>/dev/null || true; fi; [ -n "$agent" ] && kill "$agent" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin/meridian" ca init --dir "$work" >/dev/null
"$bin/meridian" ca issue pynode --address 127.0.0.44 --dir "$work" >/dev/null
printf '{"node":"pynode","listen":"127.0.0.44:7480","ca":"%s/ca.pem","cert":"%s/pynode.pem","key":"%s/pynode.key"}\n' \
    "$work" "$work" "$work" >"$work/agent.json"
"$bin/meridian-agent" --config "$work/agent.json" 2>"$work/agent.log" & agent=$!
for _ in $(seq 100); do grep -q "listening on" "$work/agent.log" 2>/dev/null && break; sleep 0.05; done
client=(python3 protocol/client/meridian_client.py --ca "$work/ca.pem" --cert "$work/coordinator.pem"
        --key "$work/coordinator.key" --node pynode 127.0.0.44:7480)
passed=0; failed=0
check() {  # NAME EXPECTED-SUBSTRING COMMAND...
    local name=$1 expected=$2; shift 2
    local out
    if out=$("$@" 2>&1) && grep -q -- "$expected" <<<"$out"; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name: $out"; fi
}
check "python client: agent.hello" '"node": "pynode"' "${client[@]}" agent.hello
check "python client: agent.ping" '"uptime_seconds"' "${client[@]}" agent.ping
check "python client: time.probe" '"receive"' "${client[@]}" time.probe
check "python client: wrong node refused" 'pynode\|hostname\|match' \
    bash -c '! "$@"' _ python3 protocol/client/meridian_client.py --ca "$work/ca.pem" --cert "$work/coordinator.pem" \
    --key "$work/coordinator.key" --node othernode 127.0.0.44:7480 agent.ping
check "python client: agent certificate as client is named wrong role" 'refused us: wrong role' \
    bash -c '! "$@"' _ python3 protocol/client/meridian_client.py --ca "$work/ca.pem" --cert "$work/pynode.pem" \
    --key "$work/pynode.key" --node pynode 127.0.0.44:7480 agent.ping
check "python client: unknown method is JSON-RPC -32601" '"code": -32601' \
    bash -c '"$@"; [ $? = 2 ]' _ "${client[@]}" agent.nope
check "python client: bad params named" 'invalid params' \
    bash -c '"$@"; [ $? = 2 ]' _ "${client[@]}" time.probe '{"client_send": {"sec": 1, "nsec": -1}}'
# The TCP connection must succeed (so "connection refused" cannot pass) and the handshake must
# then fail with a protocol-version alert: the agent refuses TLS 1.2, it is not merely absent.
check "python TLS 1.2-only client refused with protocol_version" 'handshake refused: protocol_version' bash -c '
    python3 - <<PY
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
try:
    raw = socket.create_connection(("127.0.0.44", 7480), timeout=5)
except OSError as error:
    sys.exit("no TCP connection to the agent: %s" % error)
try:
    ctx.wrap_socket(raw).recv(1)
    sys.exit("TLS 1.2 accepted")
except ssl.SSLError as error:
    if error.reason not in ("TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL"):
        sys.exit("handshake failed for another reason: %s" % error)
    print("handshake refused: protocol_version (%s)" % error.reason)
except OSError as error:
    sys.exit("connection dropped without a TLS alert: %s" % error)
PY'
check "python client: agent still serves" '"uptime_seconds"' "${client[@]}" agent.ping

# The coordinator service's JSON API (protocol/API.md), with operator certificates. Read-only
# checks only: this agent's root is the real /, so nothing here may apply. (The lab test
# APILabTests runs the apply and examples/status_and_apply.py against the lab.)
# ArgumentParser answers --help of an unknown subcommand with the root help, exit 0: look for serve's own option.
if "$bin/meridian" serve --help 2>&1 | grep -q -- "--config"; then
    printf '{"name":"py","time_servers":["pynode"],"subnets":["127.0.0.0/8"],"timezone":"UTC","certs_dir":"%s","nodes":[{"name":"pynode","address":"127.0.0.44"}]}\n' \
        "$work" >"$work/cluster.json"
    printf '{"api_listen":"127.0.0.44:7481","api_socket":"%s/api.sock","state_dir":"%s/state","http_listen":"127.0.0.44:9746","interval_seconds":5}\n' \
        "$work" "$work" >"$work/serve.json"
    mkdir -p "$work/state"
    "$bin/meridian" ca issue-operator pyops --dir "$work/ops" --certs "$work" >/dev/null
    "$bin/meridian" ca issue-operator pyviewer --read-only --dir "$work/ops" --certs "$work" >/dev/null
    "$bin/meridian" serve --cluster "$work/cluster.json" --config "$work/serve.json" 2>"$work/serve.log" & serve=$!
    for _ in $(seq 200); do grep -q "API listening on 127.0.0.44" "$work/serve.log" 2>/dev/null && break; sleep 0.05; done
    api=(python3 protocol/client/meridian_client.py --api --ca "$work/ca.pem" --cert "$work/ops/pyops.pem"
         --key "$work/ops/pyops.key" --node pynode 127.0.0.44:7481)
    viewer=(python3 protocol/client/meridian_client.py --api --ca "$work/ca.pem" --cert "$work/ops/pyviewer.pem"
            --key "$work/ops/pyviewer.key" --node pynode 127.0.0.44:7481)
    check "python api client: api.hello as an operator" '"read_only": false' "${api[@]}" api.hello
    check "python api client: cluster.status has its age" '"age_seconds"' "${api[@]}" cluster.status '{"refresh": true}'
    check "python api client: cluster.plan" '"chrony_diff"' "${api[@]}" cluster.plan
    check "python api client: read-only operator refused apply (-32011)" '"code": -32011' \
        bash -c '"$@"; [ $? = 2 ]' _ "${viewer[@]}" cluster.apply
    check "python api client: read-only operator may read" '"read_only": true' "${viewer[@]}" api.hello
    check "python api client: unknown method is -32601" '"code": -32601' bash -c '"$@"; [ $? = 2 ]' _ "${api[@]}" cluster.nope
    check "python api client: bad params named" 'missing field' \
        bash -c '"$@"; [ $? = 2 ]' _ "${api[@]}" history.query '{"node": "pynode"}'
    check "python api client: coordinator certificate refused as wrong role" 'wrong role' \
        bash -c '! "$@"' _ python3 protocol/client/meridian_client.py --api --ca "$work/ca.pem" --cert "$work/coordinator.pem" \
        --key "$work/coordinator.key" --node pynode 127.0.0.44:7481 cluster.status
    check "python api example: status" 'cluster py: ' python3 protocol/client/examples/status_and_apply.py --status-only \
        --ca "$work/ca.pem" --cert "$work/ops/pyops.pem" --key "$work/ops/pyops.key" --node pynode 127.0.0.44:7481
else
    echo "skip python api client: this build has no \`meridian serve\`"
fi
echo "pyclient: $passed passed, $failed failed"
[ "$failed" = 0 ]
