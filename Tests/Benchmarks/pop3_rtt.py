#!/usr/bin/env python3
"""Median POP3 round-trip time to 127.0.0.1:PORT (stdlib only).

Usage: pop3_rtt.py PORT [ROUNDS]

Connects (plain, no STLS), reads the greeting, then sends CAPA ROUNDS times
(default 50), one at a time, each time reading the reply up to its "." line.
Prints the median and minimum milliseconds per CAPA round trip, "median min".
Used to measure the delay proxy's own overhead (direct vs proxy at 0 ms) and
the round-trip time through the proxy that the benchmark divides by.
"""

import socket
import statistics
import sys
import time


def main():
    port = int(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("connection closed before greeting")
            buf += chunk
        if not buf.startswith(b"+OK"):
            sys.exit(f"unexpected greeting {buf[:60]!r}")
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            s.sendall(b"CAPA\r\n")
            buf = b""
            while not buf.endswith(b"\r\n.\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    sys.exit("connection closed during CAPA")
                buf += chunk
            samples.append((time.perf_counter() - t0) * 1000)
        s.sendall(b"QUIT\r\n")
    print(f"{statistics.median(samples):.3f} {min(samples):.3f}")


if __name__ == "__main__":
    main()
