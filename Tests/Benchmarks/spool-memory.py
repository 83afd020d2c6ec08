#!/usr/bin/env python3
"""Memory of slow, authenticated, large sends (issue 11, item 2: bodies spooled to a file, not RAM).

    Deploy/mailservers.sh start /tmp/ms --base-port 25600
    swift build --product postillon
    python3 Tests/Benchmarks/spool-memory.py /tmp/ms/env [--binary .build/debug/postillon] [--port 25700]
        [--clients 20] [--megabytes 20] [--seconds 20] [--kind raw|json] [--max-send-bytes N]

Starts its own Postillon on 127.0.0.1:PORT against the mail servers of ENV. CLIENTS connections,
each with alice's valid Basic credentials, POST /api/v1/send a body of MEGABYTES MB
(Content-Length) at an even pace over SECONDS: a raw message/rfc822 message or a JSON send whose
From is not alice's, so each is answered 403 from_not_allowed once its body is complete and no
mail is sent. The server's VmRSS is sampled every 50 ms from start to the last answer.

Prints the RSS before, the peak while the bodies arrive, the RSS after, and the answers by status.
The server-wide body budget (4 maximum sends: about 154 MiB with the default --max-send-bytes)
answers 503 to uploads beyond it; --max-send-bytes 100000000 lets all 20 x 20 MB in. Nothing is
asserted. Stops the server by its PID at the end.
"""
import argparse
import base64
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from benchutil import read_env, rss_kib, stop


def make_body(kind, size):
    if kind == "raw":
        header = b"From: mallory@mail.test\r\nTo: erin@mail.test\r\nSubject: spool benchmark\r\n\r\n"
        line = b"x" * 74 + b"\r\n"
        return header + line * ((size - len(header)) // len(line) + 1)
    prefix = b'{"from": "mallory@mail.test", "to": ["erin@mail.test"], "text": "'
    return prefix + b"x" * (size - len(prefix) - 2) + b'"}'


def client(port, authorization, kind, body, seconds, answers, lock):
    content_type = "message/rfc822" if kind == "raw" else "application/json"
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(120)
    try:
        sock.sendall((f"POST /api/v1/send HTTP/1.1\r\nHost: bench\r\nAuthorization: {authorization}\r\n"
                      f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        piece = 64 * 1024
        pieces = (len(body) + piece - 1) // piece
        started = time.time()
        for index in range(pieces):
            sock.sendall(body[index * piece:(index + 1) * piece])
            pause = started + seconds * (index + 1) / pieces - time.time()
            if pause > 0:
                time.sleep(pause)
        status = sock.recv(64)[9:12].decode(errors="replace") or "closed"
    except OSError as error:
        # An early answer (503 server_busy) ends the upload: read it if it is there.
        try:
            status = sock.recv(64)[9:12].decode(errors="replace") or f"error ({error.__class__.__name__})"
        except OSError:
            status = f"error ({error.__class__.__name__})"
    finally:
        sock.close()
    with lock:
        answers[status] = answers.get(status, 0) + 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("env")
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "../../.build/debug/postillon"))
    parser.add_argument("--port", type=int, default=25700)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--megabytes", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--kind", choices=["raw", "json"], default="raw")
    parser.add_argument("--max-send-bytes", type=int)
    args = parser.parse_args()
    env = read_env(args.env)
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
    command = [args.binary, "--listen", f"127.0.0.1:{args.port}",
               "--pop3-url", f"pop3://127.0.0.1:{env['POP3_PORT']}",
               "--smtp-url", f"smtp://127.0.0.1:{env['SUBMISSION_PORT']}",
               "--ca-file", env["CA_FILE"], "--public-dir", os.path.join(repo, "Public"),
               "--mail-domain", env.get("DOMAIN", "mail.test")]
    if args.max_send_bytes:
        command += ["--max-send-bytes", str(args.max_send_bytes)]
    log = open(f"/tmp/spool-memory-{args.port}.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/api/v1/health", timeout=1).read()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        password = "alice" + env["PASSWORD_SUFFIX"]
        authorization = "Basic " + base64.b64encode(f"alice:{password}".encode()).decode()
        body = make_body(args.kind, int(args.megabytes * 1000 * 1000))
        time.sleep(0.5)
        before = rss_kib(server.pid)
        samples = []
        answers = {}
        lock = threading.Lock()
        threads = [threading.Thread(target=client, args=(args.port, authorization, args.kind, body, args.seconds, answers, lock))
                   for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            samples.append(rss_kib(server.pid))
            time.sleep(0.05)
        time.sleep(1.0)
        after = rss_kib(server.pid)
        print(f"{os.path.basename(args.binary)} ({args.binary}): {args.clients} clients x {len(body)} byte {args.kind} bodies over "
              f"{args.seconds:.0f} s: RSS before {before / 1024:.1f} MiB, peak {max(samples) / 1024:.1f} MiB, "
              f"after {after / 1024:.1f} MiB; answers {dict(sorted(answers.items()))}")
        return 0
    finally:
        stop(server)


if __name__ == "__main__":
    sys.exit(main())
