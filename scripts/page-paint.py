#!/usr/bin/env python3
"""Times a page in headless Chromium through the DevTools protocol, as the browser itself records it.

    python3 scripts/page-paint.py URL [--runs N] [--chromium PATH]

Each run is a fresh navigation with the cache off. Printed per run and as medians:
- the browser's own paint timings (performance.getEntriesByType("paint"): first-paint and
  first-contentful-paint),
- the navigation timing (responseEnd, domContentLoaded, loadEventEnd),
all in ms from the start of the navigation.
Standard library only: the DevTools WebSocket is spoken here (RFC 6455, text frames). Chromium
gets --host-resolver-rules that resolve no name, so it looks up nothing; give a numeric URL.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class DevTools:
    """One WebSocket to a DevTools target; commands answered in order, events kept."""

    def __init__(self, ws_url, timeout=30):
        assert ws_url.startswith("ws://")
        hostport, path = ws_url[5:].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise RuntimeError(f"DevTools refused the WebSocket: {status.decode(errors='replace')}")
        self.buffer = head.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0
        self.events = []

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the WebSocket")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _frame(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            opcode = b0 & 0x0F
            if opcode == 8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode in (9, 10):  # ping/pong: Chromium does not ping; ignore either
                continue
            message += payload
            if b0 & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        body = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(body) < 126:
            header += bytes([0x80 | len(body)])
        elif len(body) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(body))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(body))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(body)))
        while True:
            message = self._frame()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {method} within {timeout} s")
            self.events.append(self._frame())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    args = parser.parse_args()
    if not args.chromium:
        sys.exit("page-paint: chromium not found (Debian: apt install chromium)")
    profile = tempfile.mkdtemp(prefix="meridian-page-paint.")
    browser = subprocess.Popen(
        [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-sync", "--disable-component-update", "--disable-default-apps", "--disable-extensions",
         "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", f"--user-data-dir={profile}",
         "--window-size=1280,1400", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if time.monotonic() > deadline or browser.poll() is not None:
                sys.exit("page-paint: Chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Network.enable")
        tools.call("Network.setCacheDisabled", cacheDisabled=True)
        script = ("JSON.stringify({paint: Object.fromEntries(performance.getEntriesByType('paint').map(e => [e.name, e.startTime])),"
                  " nav: (e => ({responseEnd: e.responseEnd, domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd}))"
                  "(performance.getEntriesByType('navigation')[0])})")
        rows = []
        for run in range(args.runs):
            tools.call("Page.navigate", url="about:blank")
            tools.wait_event("Page.loadEventFired")
            tools.events.clear()
            tools.call("Page.navigate", url=args.url)
            tools.wait_event("Page.loadEventFired")
            # Paint entries are recorded just after the frame is presented; give it a moment.
            for _ in range(50):
                result = json.loads(tools.call("Runtime.evaluate", expression=script, returnByValue=True)["result"]["value"])
                if "first-contentful-paint" in result["paint"]:
                    break
                time.sleep(0.02)
            row = {"fp": result["paint"].get("first-paint"), "fcp": result["paint"].get("first-contentful-paint"),
                   "response": result["nav"]["responseEnd"], "dcl": result["nav"]["domContentLoaded"], "load": result["nav"]["load"]}
            rows.append(row)
            print("page-paint: run %d: first-contentful-paint %s ms, first-paint %s ms, responseEnd %.1f ms, "
                  "DOMContentLoaded %.1f ms, load %.1f ms" % (run + 1, fmt(row["fcp"]), fmt(row["fp"]), row["response"], row["dcl"], row["load"]))
        def median(key):
            values = [r[key] for r in rows if r[key] is not None]
            return statistics.median(values) if values else None
        print("page-paint: median of %d: first-contentful-paint %s ms, responseEnd %s ms, load %s ms (%s)"
              % (len(rows), fmt(median("fcp")), fmt(median("response")), fmt(median("load")), args.url))
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


def fmt(value):
    return "none" if value is None else "%.1f" % value


if __name__ == "__main__":
    main()
