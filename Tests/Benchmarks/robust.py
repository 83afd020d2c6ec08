#!/usr/bin/env python3
"""Robustness probes for Postillon's HTTP/1.1 server (stdlib only, loopback only).

Each subcommand prints exactly one line: "PASS|FAIL <check>: <numbers>" and
exits 0 on PASS, 1 on FAIL. Every loop is bounded in count and in time.

  idle      HOST PORT PID [N]     N idle keep-alive connections, then a new one's health timed
  slow      HOST PORT TIMEOUT     one header byte per second; expect 408 + close near TIMEOUT
  bigheader HOST PORT             1 MiB header; expect 431 quickly, health still answers
  churn     HOST PORT [N]         N sequential new connections, one request each
  pipeline  HOST PORT [N]         N requests in one write; N responses in order
"""
import os
import select
import socket
import sys
import threading
import time

HEALTH = "/api/v1/health"


def req(path, host="127.0.0.1", extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


class Conn:
    """A blocking socket with a tiny HTTP/1.1 response reader (Content-Length bodies)."""

    def __init__(self, host, port, timeout=5.0):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("connection closed by server")
        self.buf += chunk

    def response(self):
        """Return (status, headers dict lowercased, body)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def rss_kb(pid, field="VmRSS"):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def timed_health(host, port):
    t0 = time.perf_counter()
    c = Conn(host, port)
    try:
        c.s.sendall(req(HEALTH))
        st, _, _ = c.response()
    finally:
        c.close()
    return st, (time.perf_counter() - t0) * 1000.0


def health_ok(host, port):
    try:
        st, ms = timed_health(host, port)
        return st == 200, ms
    except (OSError, EOFError, ValueError) as e:
        return False, str(e)


def out(ok, line):
    print(("PASS " if ok else "FAIL ") + line, flush=True)
    return 0 if ok else 1


# ---------------------------------------------------------------------------
def cmd_idle(host, port, pid, n=2000):
    n = int(n)
    deadline = time.monotonic() + 60
    conns, errors = [], 0
    t0 = time.perf_counter()
    batch = 100
    for start in range(0, n, batch):
        group = []
        for _ in range(min(batch, n - start)):
            if time.monotonic() > deadline:
                break
            try:
                c = Conn(host, port)
                c.s.sendall(req(HEALTH))
                group.append(c)
            except OSError:
                errors += 1
        for c in group:
            try:
                st, _, _ = c.response()
                if st == 200:
                    conns.append(c)
                else:
                    errors += 1
                    c.close()
            except (OSError, EOFError, ValueError):
                errors += 1
                c.close()
    open_s = time.perf_counter() - t0
    time.sleep(0.5)
    rss = rss_kb(pid)
    # A NEW connection's health, timed (first one and the worst of 5).
    times, bad = [], 0
    for _ in range(5):
        try:
            st, ms = timed_health(host, port)
            times.append(ms)
            bad += st != 200
        except (OSError, EOFError, ValueError):
            bad += 1
            times.append(float("inf"))
    # Are the idle ones still served? One more request on each.
    still = 0
    for c in conns:
        try:
            c.s.sendall(req(HEALTH))
        except OSError:
            pass
    for c in conns:
        try:
            st, _, _ = c.response()
            still += st == 200
        except (OSError, EOFError, ValueError):
            pass
    for c in conns:
        c.close()
    ok = len(conns) == n and bad == 0 and times[0] < 100 and max(times) < 100 and still == n
    return out(ok, f"idle-keepalive: {len(conns)}/{n} connections open in {open_s:.2f}s "
                   f"(errors {errors}); new-connection health {times[0]:.1f} ms "
                   f"(max of 5: {max(times):.1f} ms, limit 100); RSS with them open {rss/1024:.1f} MiB; "
                   f"second request on the idle ones: {still}/{n} OK")


def cmd_slow(host, port, timeout):
    timeout = float(timeout)
    limit = timeout * 3 + 5  # bounded: give up well after the expected cut
    payload = req(HEALTH, extra="X-Slow: " + "a" * 200 + "\r\n")
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t0 = time.monotonic()
    sent, data, first_at, closed_at, err = 0, b"", None, None, ""
    next_send = t0
    while time.monotonic() - t0 < limit:
        now = time.monotonic()
        if now >= next_send and sent < len(payload) and closed_at is None:
            try:
                s.send(payload[sent:sent + 1])
                sent += 1
            except OSError as e:
                err = f"send: {e.strerror}"
            next_send += 1.0
        r, _, _ = select.select([s], [], [], max(0.0, min(0.05, next_send - time.monotonic())))
        if r:
            try:
                chunk = s.recv(65536)
            except OSError as e:
                err = f"recv: {e.strerror}"
                closed_at = time.monotonic() - t0
                break
            if chunk:
                if first_at is None:
                    first_at = time.monotonic() - t0
                data += chunk
            else:
                closed_at = time.monotonic() - t0
                break
    s.close()
    status = data.split(b"\r\n", 1)[0].decode("latin-1", "replace") if data else "(no response)"
    code = int(status.split()[1]) if data and len(status.split()) > 1 else None
    cut = closed_at if closed_at is not None else float("nan")
    ok = (code == 408 and closed_at is not None and timeout - 0.5 <= closed_at <= timeout + 2.5)
    fa = f"{first_at:.2f}s" if first_at is not None else "never"
    return out(ok, f"slow-client (1 byte/s, header-timeout {timeout:g}s): status '{status}', "
                   f"response at {fa}, closed at {cut:.2f}s after {sent} bytes sent"
                   + (f" ({err})" if err else "")
                   + ("" if closed_at is not None else f"; still open after {limit:.0f}s"))


def cmd_bigheader(host, port):
    payload = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    s = socket.create_connection((host, port), timeout=10)
    send_err = []

    def sender():
        try:
            s.sendall(payload)
        except OSError as e:
            send_err.append(e.strerror or str(e))

    t0 = time.perf_counter()
    th = threading.Thread(target=sender, daemon=True)
    th.start()
    data, first_ms, err = b"", None, ""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            err = "recv timeout"
            break
        except OSError as e:
            err = f"recv: {e.strerror}"
            break
        if not chunk:
            break
        if first_ms is None:
            first_ms = (time.perf_counter() - t0) * 1000
        data += chunk
        if b"\r\n\r\n" in data:
            break
    total_ms = (time.perf_counter() - t0) * 1000
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()
    th.join(2)
    status = data.split(b"\r\n", 1)[0].decode("latin-1", "replace") if data else "(no response)"
    code = int(status.split()[1]) if data and len(status.split()) > 1 else None
    alive, hms = health_ok(host, port)
    ok = code == 431 and first_ms is not None and first_ms < 1000 and alive
    fm = f"{first_ms:.1f} ms" if first_ms is not None else f"none after {total_ms:.0f} ms"
    extra = []
    if err:
        extra.append(err)
    if send_err:
        extra.append(f"client send stopped: {send_err[0]}")
    h = f"{hms:.1f} ms" if isinstance(hms, float) else hms
    return out(ok, f"1MiB-header: status '{status}' after {fm}"
                   + (f" ({'; '.join(extra)})" if extra else "")
                   + f"; health afterwards: {'200' if alive else 'FAILED'} ({h})")


def cmd_churn(host, port, n=10000):
    n = int(n)
    deadline = time.monotonic() + 120
    ok_n, errs, first_err = 0, 0, ""
    t0 = time.perf_counter()
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        try:
            c = Conn(host, port)
            c.s.sendall(req(HEALTH))
            st, _, _ = c.response()
            ok_n += st == 200
            c.close()
        except (OSError, EOFError, ValueError) as e:
            errs += 1
            first_err = first_err or str(e)
    dt = time.perf_counter() - t0
    return out(ok_n == n, f"connection-churn: {ok_n}/{n} new connections x 1 request OK in {dt:.2f}s "
                          f"({ok_n/dt:.0f} conn/s, errors {errs}{', first: ' + first_err if first_err else ''})")


def cmd_pipeline(host, port, n=100):
    n = int(n)
    # A fixed, mixed pattern so the order of responses can be checked by body size.
    paths = [HEALTH if (i * 7) % 3 else "/index.html" for i in range(n)]
    sizes = {}
    for p in set(paths):
        c = Conn(host, port)
        c.s.sendall(req(p))
        sizes[p] = len(c.response()[2])
        c.close()
    c = Conn(host, port, timeout=10)
    t0 = time.perf_counter()
    c.s.sendall(b"".join(req(p) for p in paths))
    got, in_order, err = 0, 0, ""
    try:
        for p in paths:
            st, _, body = c.response()
            got += 1
            in_order += st == 200 and len(body) == sizes[p]
    except (OSError, EOFError, ValueError) as e:
        err = str(e)
    dt = (time.perf_counter() - t0) * 1000
    c.close()
    return out(got == n and in_order == n,
               f"pipelined-burst: {got}/{n} responses, {in_order} in order ({dt:.1f} ms)"
               + (f" ({err})" if err else ""))


def main(argv):
    cmds = {"idle": cmd_idle, "slow": cmd_slow, "bigheader": cmd_bigheader,
            "churn": cmd_churn, "pipeline": cmd_pipeline}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__)
        return 2
    host, port = argv[2], int(argv[3])
    try:
        return cmds[argv[1]](host, port, *argv[4:])
    except Exception as e:  # a probe that crashed is a failed check, with the reason
        return out(False, f"{argv[1]}: probe error {type(e).__name__}: {e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
