#!/usr/bin/env python3
"""A deliberately slow HTTP(S) client for the streaming check (stdlib only).

Reads the response body at RATE bytes per second through a socket with a fixed, small receive
buffer (setting SO_RCVBUF turns off the kernel's receive-buffer autotuning, which on loopback can
grow to tens of MiB and would absorb a whole message), so a proxy that streams has to wait for it.

Usage: slow-client.py URL --user USER:PASS [--cacert PEM] [--rate BYTES] [--rcvbuf BYTES] --out FILE
Prints "TIME_TO_FIRST_BYTE TOTAL_SECONDS BYTES"; exits 1 unless the status is 200.
"""

import argparse
import base64
import http.client
import socket
import ssl
import sys
import time
import urllib.parse


def connection(url, cacert, rcvbuf):
    parts = urllib.parse.urlsplit(url)

    def open_socket(host, port, timeout):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        sock.connect((host, port))
        return sock

    if parts.scheme == "https":
        class Connection(http.client.HTTPSConnection):
            def connect(self):
                self.sock = self._context.wrap_socket(open_socket(self.host, self.port, self.timeout), server_hostname=self.host)

        conn = Connection(parts.hostname, parts.port, timeout=60, context=ssl.create_default_context(cafile=cacert))
    else:
        class Connection(http.client.HTTPConnection):
            def connect(self):
                self.sock = open_socket(self.host, self.port, self.timeout)

        conn = Connection(parts.hostname, parts.port, timeout=60)
    return conn, parts.path + ("?" + parts.query if parts.query else "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", required=True)
    parser.add_argument("--cacert")
    parser.add_argument("--rate", type=int, default=8 * 1024 * 1024)
    parser.add_argument("--rcvbuf", type=int, default=128 * 1024)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    conn, path = connection(args.url, args.cacert, args.rcvbuf)
    start = time.monotonic()
    conn.request("GET", path, headers={"Authorization": "Basic " + base64.b64encode(args.user.encode()).decode()})
    response = conn.getresponse()
    if response.status != 200:
        print(f"slow-client: HTTP {response.status}", file=sys.stderr)
        return 1
    first, total = None, 0
    with open(args.out, "wb") as out:
        while True:
            chunk = response.read1(64 * 1024)
            if not chunk:
                break
            if first is None:
                first = time.monotonic() - start
            out.write(chunk)
            total += len(chunk)
            delay = start + total / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    print(f"{first or 0:.3f} {time.monotonic() - start:.3f} {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
