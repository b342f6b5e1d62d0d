#!/usr/bin/env bash
# Runs protocol/client/meridian_client.py (standard library only) against a live agent, so the
# published contract and the Swift implementation cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build --show-bin-path)
work=$(mktemp -d /tmp/meridian-pyclient.XXXXXX)
agent=""
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; rm -rf "$work"; }
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
echo "pyclient: $passed passed, $failed failed"
[ "$failed" = 0 ]
