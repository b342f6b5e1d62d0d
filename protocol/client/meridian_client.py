#!/usr/bin/env python3
"""A minimal Meridian client in Python, standard library only (ssl, socket, json, struct).

Copy it into your automation. It speaks the protocol of protocol/PROTOCOL.md: TLS 1.3 with
mutual authentication against the cluster CA, 4-byte big-endian length-prefixed JSON-RPC 2.0
frames, `agent.hello` first.

    python3 meridian_client.py --ca ca.pem --cert coordinator.pem --key coordinator.key \
        --node pve1 192.168.1.10:7480 time.probe

With --api it talks to the coordinator service instead (`meridian serve`, protocol/API.md), with
an operator certificate; `ApiClient` is the class to import for automation:

    python3 meridian_client.py --api --ca ca.pem --cert ops.pem --key ops.key --node pve1 \
        192.168.1.10:7481 cluster.status

Exit status: 0 success, 2 the peer answered with a JSON-RPC error, 1 connection/TLS trouble.
"""
import argparse
import json
import socket
import ssl
import struct
import sys

DEFAULT_PORT = 7480
MAX_FRAME = 1 << 20
PROTOCOL_VERSIONS = [2]
CLIENT_VERSION = "python-client/0.1.0"


class RPCError(Exception):
    """The agent answered with a JSON-RPC error object."""

    def __init__(self, error):
        self.code = error.get("code")
        self.message = error.get("message", "")
        self.data = error.get("data")
        super().__init__("%s (JSON-RPC error %s)" % (self.message, self.code))


# PROTOCOL.md §1: the alert a refused client receives, and the name Meridian prints for it.
REFUSAL_NAMES = {
    "TLSV1_ALERT_UNKNOWN_CA": "unknown CA",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "certificate expired (node clock ahead?)",
    "SSLV3_ALERT_BAD_CERTIFICATE": "certificate not yet valid (node clock behind?)",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "wrong role",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "certificate revoked",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "no certificate",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "certificate rejected",
    "TLSV1_ALERT_PROTOCOL_VERSION": "TLS version refused",
}
# Our own check of the agent's certificate (X509_V_ERR_* codes).
VERIFY_NAMES = {9: "certificate not yet valid (node clock behind?)", 10: "certificate expired (node clock ahead?)",
                18: "unknown CA", 19: "unknown CA", 20: "unknown CA", 21: "unknown CA", 23: "certificate revoked",
                26: "wrong role", 62: "wrong node", 64: "wrong node"}


def describe_tls_error(error):
    """The Meridian name of a TLS failure, followed by OpenSSL's own words."""
    if isinstance(error, ssl.SSLCertVerificationError):
        name = VERIFY_NAMES.get(error.verify_code, "certificate rejected")
        return "the agent's certificate was rejected: %s (%s)" % (name, error.verify_message)
    name = REFUSAL_NAMES.get(getattr(error, "reason", None))
    return "the agent refused us: %s (%s)" % (name, error) if name else str(error)


class MeridianClient:
    def __init__(self, host, port, node, ca, cert, key, timeout=5.0):
        self.host, self.port, self.node = host, port, node
        self.timeout = timeout
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_3
        self.context.check_hostname = True  # the agent's SAN must name `node` (name or IP)
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.load_verify_locations(cafile=ca)  # the cluster CA only, never the system store
        self.context.load_cert_chain(certfile=cert, keyfile=key)
        self.sock = None
        self.next_id = 1
        self.hello = None

    def connect(self):
        self._connect_tls()
        # TLS 1.3: the agent may still refuse our certificate after the handshake; the
        # connection counts as up only once hello is answered.
        self.hello = self.call("agent.hello", {"coordinator_version": CLIENT_VERSION,
                                               "protocol_versions": PROTOCOL_VERSIONS})
        return self.hello

    def _connect_tls(self):
        """TCP, then the TLS handshake naming `node`, then the role check of the peer's leaf."""
        raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            self.sock = self.context.wrap_socket(raw, server_hostname=self.node)
        except Exception:
            raw.close()
            raise
        self._check_role(self.sock.getpeercert())

    @staticmethod
    def _check_role(certificate):
        """certs/README.md: the agent's leaf carries exactly one OU, meridian-agent. (The
        standard library checks the EKU serverAuth when present; it cannot read the others.)"""
        units = [value for entry in certificate.get("subject", ()) for key, value in entry
                 if key == "organizationalUnitName"]
        if units != ["meridian-agent"]:
            raise ssl.SSLError("wrong role: the agent's certificate carries OU %r, expected exactly ['meridian-agent']" % units)

    def call(self, method, params=None):
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            request["params"] = params
        self._send(json.dumps(request, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        response = json.loads(self._receive().decode("utf-8"))
        if "error" in response:
            raise RPCError(response["error"])
        if response.get("id") != request["id"]:
            raise ValueError("answer carries id %r, expected %r" % (response.get("id"), request["id"]))
        return response["result"]

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _send(self, payload):
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def _receive(self):
        (length,) = struct.unpack(">I", self._exactly(4))
        if length == 0 or length > MAX_FRAME:
            raise ValueError("invalid frame length %d" % length)
        return self._exactly(length)

    def _exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("agent closed the connection")
            data += chunk
        return data


API_PORT = 7481
API_MAX_FRAME = 16 << 20  # protocol/API.md: history answers may exceed the agents' 1 MiB
API_PROTOCOL_VERSIONS = [1]


class ApiClient(MeridianClient):
    """A client of the coordinator service's JSON API (protocol/API.md): the same framing and
    TLS profile as the agents, an **operator** certificate (`meridian ca issue-operator`),
    `api.hello` first. The service pushes notifications (`job.progress`, `job.finished`,
    `event`) between answers; `call` keeps them in `self.notifications` for `next_notification`.

    Over the local socket (`socket_path`, root only, no TLS) pass ca/cert/key as None.
    """

    def __init__(self, host, port, node, ca, cert, key, timeout=30.0, socket_path=None):
        self.socket_path = socket_path
        if socket_path is None:
            super().__init__(host, port, node, ca, cert, key, timeout)
        else:
            self.host, self.port, self.node, self.timeout = socket_path, 0, None, timeout
            self.sock, self.next_id, self.hello = None, 1, None
        self.notifications = []

    def connect(self):
        if self.socket_path is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(self.timeout)
            self.sock.connect(self.socket_path)
        else:
            self._connect_tls()  # the service presents the master's agent certificate
        self.hello = self.call("api.hello", {"client_version": CLIENT_VERSION, "protocol_versions": API_PROTOCOL_VERSIONS})
        return self.hello

    def call(self, method, params=None):
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        self.next_id += 1
        if params is not None:
            request["params"] = params
        self._send(json.dumps(request, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        while True:
            message = self._read_message()
            if "id" not in message:  # a notification: keep it for next_notification
                self.notifications.append(message)
                continue
            if "error" in message:
                raise RPCError(message["error"])
            if message.get("id") != request["id"]:
                raise ValueError("answer carries id %r, expected %r" % (message.get("id"), request["id"]))
            return message["result"]

    def next_notification(self, timeout=None):
        """The next notification as (method, params), waiting up to `timeout` seconds (None:
        the client's timeout). Raises socket.timeout when none came."""
        if self.notifications:
            message = self.notifications.pop(0)
            return message.get("method"), message.get("params")
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            message = self._read_message()
        finally:
            self.sock.settimeout(self.timeout)
        if "id" in message:
            raise ValueError("unexpected answer %r while waiting for a notification" % message)
        return message.get("method"), message.get("params")

    def apply(self, on_progress=None, **options):
        """Runs `cluster.apply` and waits for its end: `on_progress(line)` for every
        `job.progress` line; returns the `job.finished` params (state, steps, verdict, status)."""
        job = self.call("cluster.apply", options or None)["job"]
        while True:
            method, params = self.next_notification(timeout=3600)
            if not params or params.get("job") != job:
                continue
            if method == "job.progress" and on_progress is not None:
                on_progress(params.get("line", ""))
            elif method == "job.finished":
                return params

    def _read_message(self):
        return json.loads(self._receive().decode("utf-8"))

    def _receive(self):
        (length,) = struct.unpack(">I", self._exactly(4))
        if length == 0 or length > API_MAX_FRAME:
            raise ValueError("invalid frame length %d" % length)
        return self._exactly(length)


def parse_target(text):
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else DEFAULT_PORT
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, DEFAULT_PORT


def main(argv=None):
    parser = argparse.ArgumentParser(description="Call one method of a Meridian agent.")
    parser.add_argument("--ca", required=True, help="cluster CA certificate (ca.pem)")
    parser.add_argument("--cert", required=True, help="coordinator certificate (with --api: an operator certificate)")
    parser.add_argument("--key", required=True, help="its private key")
    parser.add_argument("--node", help="node name (or address) the agent's certificate must carry; default: the host")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--api", action="store_true",
                        help="talk to the coordinator service's JSON API (operator certificate, api.hello, port %d)" % API_PORT)
    parser.add_argument("target", help="HOST[:PORT] of the agent")
    parser.add_argument("method", nargs="?", default="agent.ping")
    parser.add_argument("params", nargs="?", help="params as JSON")
    args = parser.parse_args(argv)

    host, port = parse_target(args.target)
    if args.api and ":" not in args.target.rpartition("]")[2]:
        port = API_PORT
    try:
        params = json.loads(args.params) if args.params else None
    except json.JSONDecodeError as error:
        print("meridian_client: params are not valid JSON: %s" % error, file=sys.stderr)
        return 1
    kind = ApiClient if args.api else MeridianClient
    client = kind(host, port, args.node or host, args.ca, args.cert, args.key, args.timeout)
    try:
        hello = client.connect()
        result = hello if args.method in ("agent.hello", "api.hello") else client.call(args.method, params)
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0
    except RPCError as error:
        print(json.dumps({"error": {"code": error.code, "message": error.message, "data": error.data}},
                         indent=2, sort_keys=True))
        return 2
    except ssl.SSLError as error:
        print("meridian_client: %s:%d: %s" % (host, port, describe_tls_error(error)), file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print("meridian_client: %s:%d: %s" % (host, port, error), file=sys.stderr)
        return 1
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
