#!/usr/bin/env python3
"""Userspace TCP delay proxy for benchmarks on loopback (stdlib only; this kernel has no netem).

Usage:
  delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS [--host 127.0.0.1] [--log FILE]
  delay_proxy.py --selftest
  delay_proxy.py --summarize FILE   (flights per connection of a --log file)

Listens on 127.0.0.1:LISTEN_PORT and forwards every accepted connection to
127.0.0.1:TARGET_PORT. Each direction is a delay line: bytes read at time t are
written at t + DELAY_MS, in the order they were read, each read written as its
own send() (never held back to be merged with later bytes), TCP_NODELAY on both
sides. DELAY_MS 25 in each direction gives a 50 ms round trip. There is no
bandwidth limit. A half-close (EOF) travels through the delay line like data.

--log FILE appends one line per forwarded chunk:
  <seconds since connection start> <conn> <C>S|S>C> <bytes> <preview>
and one 'end' line per connection with the number of flights (maximal runs of
chunks in one direction, as read by the proxy). Previews are the first line of
printable chunks (PASS arguments and SASL responses are masked), so a plaintext POP3 session shows
its commands; TLS records show as 'tls'.

--strip-stls (diagnostics only) removes the "STLS" line from the server's CAPA
replies, so a client that merely tries TLS (Postillon with --allow-plaintext)
stays in plaintext and --log shows every POP3 command.

--selftest checks ordering, that chunks are not batched, and the delay, against
an in-process echo server, and prints the proxy's added round-trip time at
DELAY_MS 0 compared with a direct connection.
"""

import argparse
import asyncio
import itertools
import os
import random
import re
import signal
import socket
import statistics
import sys
import time

CHUNK = 256 * 1024


def _nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def _preview(data):
    if data[:1] in (b"\x14", b"\x15", b"\x16", b"\x17") and data[1:2] == b"\x03":
        return "tls"
    line = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return "binary"
    if not text.isprintable():
        return "binary"
    if text.upper().startswith("PASS "):
        text = "PASS ***"
    elif text.upper().startswith("AUTH ") and len(text.split()) > 2:
        text = " ".join(text.split()[:2]) + " ***"
    elif len(text) >= 8 and re.fullmatch(r"[A-Za-z0-9+/]+=*", text):
        text = "*** (SASL response)"
    lines = data.count(b"\n")
    more = f" (+{lines - 1} lines)" if lines > 1 else ""
    return text[:70] + more


class Logger:
    def __init__(self, path):
        self.file = open(path, "a", buffering=1) if path else None

    def chunk(self, conn, start, direction, data):
        if self.file:
            self.file.write(f"{time.monotonic() - start:9.4f} {conn} {direction} {len(data)} {_preview(data)}\n")

    def end(self, conn, start, flights, sent):
        if self.file:
            self.file.write(
                f"{time.monotonic() - start:9.4f} {conn} end flights={flights} "
                f"c2s_bytes={sent['C>S']} s2c_bytes={sent['S>C']}\n"
            )


class Proxy:
    def __init__(self, host, target_port, delay_ms, logger, strip_stls=False):
        self.strip_stls = strip_stls
        self.host = host
        self.target_port = target_port
        self.delay = delay_ms / 1000.0
        self.logger = logger
        self.ids = itertools.count(1)

    async def handle(self, client_reader, client_writer):
        conn = next(self.ids)
        start = time.monotonic()
        try:
            server_reader, server_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            client_writer.close()
            return
        _nodelay(client_writer)
        _nodelay(server_writer)
        state = {"last": None, "flights": 0, "C>S": 0, "S>C": 0}

        def note(direction, data):
            state[direction] += len(data)
            if state["last"] != direction:
                state["flights"] += 1
                state["last"] = direction
            self.logger.chunk(conn, start, direction, data)

        pumps = [
            asyncio.create_task(self.pump(client_reader, server_writer, "C>S", note)),
            asyncio.create_task(self.pump(server_reader, client_writer, "S>C", note, self.strip_stls)),
        ]
        try:
            # A hard error in one direction ends the connection; a clean EOF only half-closes.
            pending = set(pumps)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                if any(t.exception() is not None for t in done):
                    break
        except asyncio.CancelledError:
            pass
        finally:
            for t in pumps:
                t.cancel()
            for w in (client_writer, server_writer):
                w.close()
            self.logger.end(conn, start, state["flights"], {"C>S": state["C>S"], "S>C": state["S>C"]})

    async def pump(self, reader, writer, direction, note, strip_stls=False):
        """Reads chunks as they arrive and writes each one DELAY later, in order."""
        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()

        async def delayed_writer():
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()

        writing = asyncio.create_task(delayed_writer())
        try:
            while True:
                data = await reader.read(CHUNK)
                now = loop.time()
                if not data:
                    queue.put_nowait((now + self.delay, None))
                    break
                if strip_stls:
                    data = data.replace(b"\r\nSTLS\r\n", b"\r\n")
                note(direction, data)
                queue.put_nowait((now + self.delay, data))
                if writing.done():
                    break
            await writing
        finally:
            writing.cancel()


async def serve(args):
    proxy = Proxy(args.host, args.target_port, args.delay_ms, Logger(args.log), args.strip_stls)
    server = await asyncio.start_server(proxy.handle, args.host, args.listen_port, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


# ---------------------------------------------------------------------------- self-test

async def _echo(reader, writer):
    _nodelay(writer)
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def _rtt(port, rounds=300):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    _nodelay(writer)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        writer.write(b"x")
        await writer.drain()
        await reader.readexactly(1)
        samples.append(time.perf_counter() - t0)
    writer.close()
    return statistics.median(samples) * 1000


async def selftest():
    failures = []
    echo = await asyncio.start_server(_echo, "127.0.0.1", 0)
    echo_port = echo.sockets[0].getsockname()[1]
    results = {}
    for delay_ms in (0, 25):
        proxy = Proxy("127.0.0.1", echo_port, delay_ms, Logger(None))
        srv = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]

        # 1. Ordering and integrity: 2000 chunks of random size, written back to back.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        rng = random.Random(1)
        payload = b"".join(rng.randbytes(rng.randint(1, 3000)) for _ in range(2000))
        recv = asyncio.create_task(reader.readexactly(len(payload)))
        for i in range(0, len(payload), 1500):
            writer.write(payload[i:i + 1500])
        await writer.drain()
        got = await recv
        writer.write_eof()
        eof = await reader.read()
        writer.close()
        if got != payload:
            failures.append(f"delay {delay_ms}: byte stream differs")
        if eof != b"":
            failures.append(f"delay {delay_ms}: EOF not propagated")

        # 2. No batching: 20 small writes 10 ms apart must arrive about 10 ms apart,
        #    each about 2 x delay after it was written (echo = two passes).
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        _nodelay(writer)
        sent_at, arrived = [], []

        async def collect():
            buf = b""
            while len(arrived) < 20:
                data = await reader.read(CHUNK)
                if not data:
                    return
                t = time.perf_counter()
                buf += data
                while len(buf) >= 8:
                    arrived.append((int(buf[:8]), t))
                    buf = buf[8:]

        task = asyncio.create_task(collect())
        for i in range(20):
            sent_at.append(time.perf_counter())
            writer.write(b"%08d" % i)
            await writer.drain()
            await asyncio.sleep(0.010)
        await asyncio.wait_for(task, 5)
        writer.close()
        order_ok = [i for i, _ in arrived] == list(range(20))
        lat = [(t - sent_at[i]) * 1000 for i, t in arrived]
        gaps = [(arrived[i][1] - arrived[i - 1][1]) * 1000 for i in range(1, len(arrived))]
        if not order_ok:
            failures.append(f"delay {delay_ms}: chunks reordered")
        merged = sum(1 for g in gaps if g < 1.0)
        if merged > 2 or statistics.median(gaps) < 8:
            failures.append(f"delay {delay_ms}: chunks batched ({merged} of {len(gaps)} gaps under 1 ms, "
                            f"median gap {statistics.median(gaps):.1f} ms)")
        if min(lat) < 2 * delay_ms - 0.5 or statistics.median(lat) > 2 * delay_ms + 5:
            failures.append(f"delay {delay_ms}: echo latency {min(lat):.1f}..{max(lat):.1f} ms, want ~{2 * delay_ms}")
        results[delay_ms] = (statistics.median(lat), min(gaps), statistics.median(gaps))

        if delay_ms == 0:
            direct = await _rtt(echo_port)
            proxied = await _rtt(port)
            print(f"selftest: RTT direct {direct:.3f} ms, through proxy (delay 0) {proxied:.3f} ms "
                  f"(proxy adds {proxied - direct:.3f} ms per round trip: 2 passes)")
        srv.close()
        await srv.wait_closed()
    await asyncio.sleep(0.3)  # let the connections above finish their delayed EOFs
    echo.close()
    for d, (lat, gmin, gmed) in results.items():
        print(f"selftest: delay {d} ms/way: echo latency median {lat:.2f} ms (want {2 * d}), "
              f"gaps between 10 ms-spaced writes min {gmin:.2f} / median {gmed:.2f} ms")
    for f in failures:
        print("selftest FAIL:", f)
    print("selftest:", "ok" if not failures else "FAILED")
    return 0 if not failures else 1


def summarize(path):
    """Prints each logged connection as its sequence of flights (C = client, S = server)."""
    conns = {}
    for line in open(path):
        parts = line.split(None, 4)
        if len(parts) < 3:
            continue
        t, conn, kind = float(parts[0]), parts[1], parts[2]
        c = conns.setdefault(conn, {"flights": [], "end": None})
        if kind == "end":
            c["end"] = t
            continue
        preview = parts[4].strip() if len(parts) > 4 else ""
        side = kind[0]
        if c["flights"] and c["flights"][-1][0] == side:
            c["flights"][-1][2].append(preview)
        else:
            c["flights"].append((side, t, [preview]))
    for conn, c in conns.items():
        clients = sum(1 for f in c["flights"] if f[0] == "C")
        print(f"connection {conn}: {len(c['flights'])} flights ({clients} from the client)")
        for side, t, previews in c["flights"]:
            items = []
            for p in previews:
                if items and items[-1][0] == p:
                    items[-1][1] += 1
                else:
                    items.append([p, 1])
            text = " | ".join(p if n == 1 else f"{p} x{n}" for p, n in items)
            print(f"  {t * 1000:8.1f} ms {side}: {text[:150]}")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        sys.exit(asyncio.run(selftest()))
    if len(sys.argv) > 2 and sys.argv[1] == "--summarize":
        summarize(sys.argv[2])
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("listen_port", type=int)
    p.add_argument("target_port", type=int)
    p.add_argument("delay_ms", type=float)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--log")
    p.add_argument("--strip-stls", action="store_true")
    args = p.parse_args()
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
