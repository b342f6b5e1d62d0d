#!/usr/bin/env python3
"""Prints the cluster's status from `meridian serve`, then runs an apply and prints its progress.

Standard library only; uses ApiClient from ../meridian_client.py. Needs an operator certificate
(`meridian ca issue-operator NAME --dir DIR`); a read-only one is refused the apply (-32011).

    python3 status_and_apply.py --ca ca.pem --cert ops.pem --key ops.key --node pve1 192.168.1.10:7481

Exit status: 0 the apply finished and the cluster is ok, 1 it did not, 2 a JSON-RPC error
(busy -32010, forbidden -32011, ...), 3 connection/TLS trouble.
"""
import argparse
import os
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from meridian_client import API_PORT, ApiClient, RPCError, describe_tls_error, parse_target  # noqa: E402


def offset_text(seconds):
    if seconds is None:
        return "-"
    return "%+.3f ms" % (seconds * 1000) if abs(seconds) < 1 else "%+.3f s" % seconds


def print_status(status):
    print("cluster %s: %s (surveyed %.1f s ago)" % (status.get("cluster", "?"), status.get("verdict"), status.get("age_seconds", 0)))
    for node in status.get("nodes", []):
        print("  %-12s %-9s synced=%-5s offset %s" % (node.get("name"), node.get("verdict"), node.get("synced"),
                                                      offset_text(node.get("offset_seconds"))))
        for reason in node.get("reasons", []):
            print("      %s" % reason)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True, help="operator certificate")
    parser.add_argument("--key", required=True)
    parser.add_argument("--node", help="the master's name or address its certificate carries; default: the host")
    parser.add_argument("--settle", type=float, help="seconds the apply waits for every verdict to settle")
    parser.add_argument("--status-only", action="store_true", help="print the status, do not apply")
    parser.add_argument("target", help="HOST[:PORT] of the service (port %d by default)" % API_PORT)
    args = parser.parse_args(argv)
    host, port = parse_target(args.target)
    if ":" not in args.target.rpartition("]")[2]:
        port = API_PORT
    client = ApiClient(host, port, args.node or host, args.ca, args.cert, args.key, timeout=120)
    try:
        hello = client.connect()
        print("connected to meridian %s (API protocol %d) as %s" % (hello["server_version"], hello["protocol_version"], hello["peer"]))
        print_status(client.call("cluster.status", {"refresh": True}))
        if args.status_only:
            return 0
        options = {} if args.settle is None else {"settle_seconds": args.settle}
        finished = client.apply(on_progress=lambda line: print("  progress: %s" % line, flush=True), **options)
        print("job %s %s, verdict %s" % (finished["job"], finished["state"], finished.get("verdict")))
        for step in finished.get("steps", []):
            if step.get("outcome") != "unchanged":
                print("  %s %s: %s %s" % (step["node"], step["step"], step["outcome"], step.get("detail", "")))
        job = client.call("cluster.job", {"job": finished["job"]})
        print("cluster.job says: %s" % job["state"])
        print_status(client.call("cluster.status"))
        return 0 if job["state"] == "finished" and job.get("verdict") == "ok" else 1
    except RPCError as error:
        print("status_and_apply: %s" % error, file=sys.stderr)
        return 2
    except ssl.SSLError as error:
        print("status_and_apply: %s:%d: %s" % (host, port, describe_tls_error(error)), file=sys.stderr)
        return 3
    except (OSError, ValueError) as error:
        print("status_and_apply: %s:%d: %s" % (host, port, error), file=sys.stderr)
        return 3
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
