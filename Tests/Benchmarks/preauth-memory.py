#!/usr/bin/env python3
"""Pre-authentication memory: many clients announce huge request bodies without (valid) credentials
while an authenticated client keeps using the API (issue 11, item 2).

    Deploy/mailservers.sh start /tmp/ms --base-port 25600
    swift build --product postillon
    python3 Tests/Benchmarks/preauth-memory.py /tmp/ms/env [--binary .build/debug/postillon] [--port 25700]

Starts its own Postillon (shipped defaults: access log on) on 127.0.0.1:PORT against the mail
servers of ENV and runs three phases of SECONDS each, sampling the server's VmRSS every 50 ms
and timing an authenticated `GET /api/v1/mailbox` (alice) every 200 ms:

  baseline  no attack: the latency baseline of the same run
  noauth    CONNECTIONS clients announce a 40 MB body without credentials (half Content-Length,
            half chunked) and keep sending body bytes; a client whose connection ends reconnects
  basic     the same with well-formed but wrong Basic credentials (these pass the cheap
            pre-body check, so the server-wide body budget is what bounds them)

Prints peak and final RSS per phase, the authenticated requests' success count and median latency
as a ratio to the baseline. Exit status 1 when the noauth peak RSS is 100 MiB or more or an
authenticated request failed. Stops the server by its PID at the end.
"""
import argparse
import base64
import os
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from benchutil import read_env, rss_kib, stop

BODY_BYTES = 40 * 1000 * 1000


class Attack:
    """CONNECTIONS sockets that announce a big body and trickle it as fast as the server reads."""

    def __init__(self, port, connections, authorization):
        self.port, self.connections, self.authorization = port, connections, authorization
        self.stop = threading.Event()
        self.opened = 0
        self.answers = {}
        self.thread = threading.Thread(target=self.run, daemon=True)

    def head(self, index):
        auth = f"Authorization: {self.authorization}\r\n" if self.authorization else ""
        framing = f"Content-Length: {BODY_BYTES}\r\n" if index % 2 == 0 else "Transfer-Encoding: chunked\r\n"
        return (f"POST /api/v1/send HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n{auth}{framing}\r\n").encode()

    def open(self, selector, index):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", self.port))
        self.opened += 1
        selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, [index, self.head(index), b""])

    def run(self):
        selector = selectors.DefaultSelector()
        chunk = b"x" * 65536
        chunked = b"10000\r\n" + chunk + b"\r\n"
        for index in range(self.connections):
            self.open(selector, index)
        while not self.stop.is_set():
            for key, events in selector.select(timeout=0.1):
                sock, state = key.fileobj, key.data
                index = state[0]
                closed = False
                if events & selectors.EVENT_READ:
                    try:
                        data = sock.recv(65536)
                        if data:
                            state[2] += data
                        else:
                            closed = True
                    except OSError:
                        closed = True
                if not closed and events & selectors.EVENT_WRITE:
                    if not state[1]:
                        state[1] = chunk if index % 2 == 0 else chunked
                    try:
                        sent = sock.send(state[1])
                        state[1] = state[1][sent:]
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        closed = True
                if closed:
                    status = state[2][9:12].decode(errors="replace") or "closed"
                    self.answers[status] = self.answers.get(status, 0) + 1
                    selector.unregister(sock)
                    sock.close()
                    if not self.stop.is_set():
                        self.open(selector, index)
        for key in list(selector.get_map().values()):
            key.fileobj.close()


def phase(name, args, pid, authorization, attack_auth):
    samples = []
    latencies = []
    failures = 0
    attack = None
    if attack_auth is not None:
        attack = Attack(args.port, args.connections, attack_auth)
        attack.thread.start()
    started = time.time()
    next_request = started
    done = threading.Event()

    def sample():
        while not done.is_set():
            samples.append(rss_kib(pid))
            if samples[-1] > args.abort_mib * 1024:
                print(f"  {name}: RSS passed {args.abort_mib} MiB; attack stopped (the machine is shared)", file=sys.stderr)
                if attack:
                    attack.stop.set()
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    while time.time() - started < args.seconds:
        if time.time() >= next_request:
            next_request += 0.2
            request = urllib.request.Request(f"http://127.0.0.1:{args.port}/api/v1/mailbox", headers={"Authorization": authorization})
            begin = time.time()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    if response.status != 200:
                        failures += 1
                latencies.append(time.time() - begin)
            except Exception as error:  # noqa: BLE001 - any failure counts
                failures += 1
                print(f"  {name}: authenticated request failed: {error}", file=sys.stderr)
        time.sleep(0.05)
    if attack:
        attack.stop.set()
        attack.thread.join()
    time.sleep(1.0)
    done.set()
    sampler.join()
    final = rss_kib(pid)
    median = statistics.median(latencies) if latencies else float("nan")
    print(f"{name:9} peak RSS {max(samples) / 1024:7.1f} MiB, after {final / 1024:7.1f} MiB; "
          f"authenticated {len(latencies)}/{len(latencies) + failures} ok, {failures} failed, median {median * 1000:.1f} ms"
          + (f"; attack connections opened {attack.opened}, answers {dict(sorted(attack.answers.items()))}" if attack else ""))
    return max(samples), final, median, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env")
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../.build/debug/postillon"))
    parser.add_argument("--port", type=int, default=25700)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--user", default="alice")
    parser.add_argument("--abort-mib", type=int, default=1024, help="stop a phase when the server's RSS passes this")
    args = parser.parse_args()
    env = read_env(args.env)
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
    log = open(f"/tmp/preauth-memory-{args.port}.log", "w")
    server = subprocess.Popen([args.binary, "--listen", f"127.0.0.1:{args.port}",
                               "--pop3-url", f"pop3://127.0.0.1:{env['POP3_PORT']}",
                               "--smtp-url", f"smtp://127.0.0.1:{env['SUBMISSION_PORT']}",
                               "--ca-file", env["CA_FILE"], "--public-dir", os.path.join(repo, "Public"),
                               "--mail-domain", env.get("DOMAIN", "mail.test")], stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/api/v1/health", timeout=1).read()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        password = args.user + env["PASSWORD_SUFFIX"]
        authorization = "Basic " + base64.b64encode(f"{args.user}:{password}".encode()).decode()
        wrong = "Basic " + base64.b64encode(b"nobody:wrong-password").decode()
        print(f"server pid {server.pid}, {args.connections} attack connections, {BODY_BYTES} byte bodies, {args.seconds:.0f} s per phase")
        _, _, base_median, base_failures = phase("baseline", args, server.pid, authorization, None)
        noauth_peak, _, noauth_median, noauth_failures = phase("noauth", args, server.pid, authorization, "")
        basic_peak, _, basic_median, basic_failures = phase("basic", args, server.pid, authorization, wrong)
        print(f"latency ratio to baseline: noauth {noauth_median / base_median:.2f}, basic {basic_median / base_median:.2f}")
        ok = noauth_peak < 100 * 1024 and base_failures + noauth_failures + basic_failures == 0
        print("PASS" if ok else "FAIL", f"(noauth peak {noauth_peak / 1024:.1f} MiB < 100 MiB, basic peak {basic_peak / 1024:.1f} MiB)")
        return 0 if ok else 1
    finally:
        stop(server)


if __name__ == "__main__":
    sys.exit(main())
