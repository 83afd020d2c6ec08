#!/usr/bin/env python3
"""Helper of sse-idle.sh: holds N idle `GET /api/v1/events` streams open on raw sockets.

Usage: sse_idle.py HOST PORT KEY N READY_FILE
Opens N streams (Bearer KEY), checks each answers 200 text/event-stream with its `retry:` hint,
writes "<opened> <failed>" to READY_FILE, then keeps them open, reading nothing more (like idle
browser tabs: only heartbeats arrive, which the kernel's socket buffers absorb), until SIGTERM.
"""
import signal
import socket
import sys
import time

HOST, PORT, KEY, COUNT, READY = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
REQUEST = (f"GET /api/v1/events HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nAccept: text/event-stream\r\n"
           f"Authorization: Bearer {KEY}\r\n\r\n").encode()


def open_stream():
    sock = socket.create_connection((HOST, PORT), timeout=10)
    sock.sendall(REQUEST)
    data = b""
    while b"retry:" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise OSError(f"closed after {data[:120]!r}")
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    if not head.startswith("http/1.1 200") or "content-type: text/event-stream" not in head:
        raise OSError(head.splitlines()[0])
    return sock


def main():
    streams, failed, first_error = [], 0, None
    started = time.monotonic()
    for _ in range(COUNT):
        try:
            streams.append(open_stream())
        except OSError as error:
            failed += 1
            first_error = first_error or error
    with open(READY, "w") as ready:
        ready.write(f"{len(streams)} {failed} {time.monotonic() - started:.2f}\n")
    if first_error:
        print(f"sse_idle: {failed} streams failed; first: {first_error}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
