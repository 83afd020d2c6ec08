#!/usr/bin/env python3
"""A MIME part bomb through the running server (issue 11, item 3): a flat multipart/mixed with PARTS
empty parts is delivered to USER's Maildir, then opened by 4 clients at once (GET /messages/{id})
and part 2 is downloaded, while the server's VmRSS is sampled.

    Deploy/mailservers.sh start /tmp/ms --base-port 25600
    swift build --product postillon
    python3 Tests/Benchmarks/mime-partbomb.py /tmp/ms/env [--parts 300000] [--binary .build/debug/postillon] [--port 25701]

Starts its own Postillon (shipped defaults) on 127.0.0.1:PORT; warms it up with a small message,
repeats that ROUNDS times and reports the time of each request, the warnings, the peak RSS and the RSS 3 s after the last
request, relative to the RSS before. Exit status 1 when a request took longer than the parse
deadline (10 s), gave no warning, or the RSS afterwards is more than 10% above the start.
Deletes the message and stops the server (by its PID) at the end.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import tempfile
import urllib.request

from benchutil import read_env, rss_kib, stop


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env")
    parser.add_argument("--parts", type=int, default=300_000)
    parser.add_argument("--user", default="dave")
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../.build/debug/postillon"))
    parser.add_argument("--port", type=int, default=25701)
    parser.add_argument("--rounds", type=int, default=3, help="times the 4 parallel opens and the download are repeated")
    args = parser.parse_args()
    env = read_env(args.env)
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
    base = f"http://127.0.0.1:{args.port}/api/v1"
    auth = "Basic " + base64.b64encode(f"{args.user}:{args.user}{env['PASSWORD_SUFFIX']}".encode()).decode()

    token = f"partbomb-{int(time.time())}-{os.getpid()}"
    body = [f"From: Bomb <bomb@example.net>\r\nTo: {args.user}@mail.test\r\nSubject: {args.parts} parts\r\n"
            f"Message-ID: <{token}@bench.postillon.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
            "--x\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"]
    body.append("--x\r\n\r\n\r\n" * (args.parts - 1))
    body.append("--x--\r\n")
    data = "".join(body).encode()
    maildir = os.path.join(env["MAIL_ROOT"], args.user, "Maildir")
    name = f"{int(time.time())}.M{os.getpid()}P{os.getpid()}.partbomb"
    temporary = os.path.join(maildir, "tmp", name)
    with open(temporary, "wb") as out:
        out.write(data)
    os.chown(temporary, 5000, 5000)
    os.rename(temporary, os.path.join(maildir, "new", name))
    print(f"message: {len(data)} bytes, {args.parts} parts")

    log = open(f"/tmp/mime-partbomb-{args.port}.log", "w")
    state_dir = tempfile.mkdtemp(prefix="mime-partbomb-")
    server = subprocess.Popen([args.binary, "--listen", f"127.0.0.1:{args.port}", "--pop3-url", f"pop3://127.0.0.1:{env['POP3_PORT']}",
                               "--smtp-url", f"smtp://127.0.0.1:{env['SUBMISSION_PORT']}", "--ca-file", env["CA_FILE"],
                               "--public-dir", os.path.join(repo, "Public"), "--mail-domain", "mail.test",
                               "--state", f"sqlite:{state_dir}/state.db"], stdout=log, stderr=log)
    status = 0
    message_id = None

    def call(path, method="GET"):
        request = urllib.request.Request(base + path, method=method, headers={"Authorization": auth})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()

    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        listing = json.loads(call("/messages?limit=50")[1])["messages"]
        message_id = next(m["id"] for m in listing if m.get("messageId") == f"<{token}@bench.postillon.test>")
        small = next(m["id"] for m in listing if m["size"] < 100_000)
        # Warm-up with the same concurrency: GMime, TLS, and the worker threads (their stacks and
        # malloc arenas) the measured requests will use.
        warm = [threading.Thread(target=call, args=(f"/messages/{small}",)) for _ in range(4)]
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        call(f"/messages/{small}/raw")
        time.sleep(1)
        before = rss_kib(server.pid)
        samples = []
        done = threading.Event()

        def sample():
            while not done.is_set():
                samples.append(rss_kib(server.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        results = []

        def open_message():
            started = time.time()
            code, payload = call(f"/messages/{message_id}")
            parsed = json.loads(payload)
            results.append((time.time() - started, code, len(parsed.get("attachments", [])), parsed.get("warnings", [])))

        between = []
        for _ in range(args.rounds):
            threads = [threading.Thread(target=open_message) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            started = time.time()
            code, payload = call(f"/messages/{message_id}/attachments/2")
            download = time.time() - started
            time.sleep(3)
            between.append(rss_kib(server.pid))
        done.set()
        sampler.join()
        after = rss_kib(server.pid)
        if server.poll() is not None:
            print(f"the server exited (status {server.returncode})")
            status = 1
        for seconds, code, listed, warnings in results:
            print(f"GET /messages/{{id}}: {code} in {seconds:.2f} s, {listed} parts listed, warnings: {warnings[-2:]}")
            if seconds > 10 or not warnings:
                status = 1
        print(f"GET /attachments/2: {code} in {download:.2f} s")
        print("RSS 3 s after each round: " + ", ".join(f"{kib / 1024:.1f} MiB" for kib in between))
        print(f"RSS before {before / 1024:.1f} MiB, peak {max(samples) / 1024:.1f} MiB, 3 s after {after / 1024:.1f} MiB "
              f"({(after - before) * 100 / before:+.1f}%)")
        if after > before * 1.10:
            status = 1
    finally:
        if message_id:
            try:
                call(f"/messages/{message_id}", method="DELETE")
            except Exception as error:  # noqa: BLE001 - report and go on
                print(f"note: could not delete the message: {error}")
        stop(server)
        shutil.rmtree(state_dir, ignore_errors=True)
    print("PASS" if status == 0 else "FAIL")
    return status


if __name__ == "__main__":
    sys.exit(main())
