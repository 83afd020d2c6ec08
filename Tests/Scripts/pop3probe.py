#!/usr/bin/env python3
"""Tiny POP3 client for tests: see what the server stores, independently of Postillon.

Usage:
  pop3probe.py --port P --user U --password W [--host H] [--stls | --ssl] [--cafile F]
               [--timeout S] COMMAND
COMMAND:
  count         print the STAT message count
  uidls         print one UIDL per line, in message-number order
  retr UIDL     write the message's raw bytes to stdout (CRLF line endings, as the
                server sends them, dot-unstuffed, without the final ".")
  hold SECONDS  log in, print "held" (flushed), keep the session open SECONDS, QUIT
Exit status: 0 ok, 1 the server answered -ERR (its text goes to stderr, e.g.
"-ERR [IN-USE] ..."), 2 usage, connection or TLS error.
"""

import argparse
import poplib
import signal
import ssl
import sys
import time

poplib._MAXLINE = 1 << 24  # poplib's default (2048) rejects long message lines


def connect(args):
    ctx = None
    if args.stls or args.ssl:
        ctx = ssl.create_default_context(cafile=args.cafile)
    if args.ssl:
        conn = poplib.POP3_SSL(args.host, args.port, timeout=args.timeout, context=ctx)
    else:
        conn = poplib.POP3(args.host, args.port, timeout=args.timeout)
        if args.stls:
            conn.stls(context=ctx)
    conn.user(args.user)
    conn.pass_(args.password)
    return conn


def uidl_map(conn):
    """List of (message number, uidl) in message-number order."""
    out = []
    for line in conn.uidl()[1]:
        num, uid = line.decode("ascii").split(" ", 1)
        out.append((int(num), uid))
    return out


def run(args, conn):
    cmd = args.command
    if cmd == "count":
        print(conn.stat()[0])
    elif cmd == "uidls":
        for _, uid in uidl_map(conn):
            print(uid)
    elif cmd == "retr":
        nums = [n for n, uid in uidl_map(conn) if uid == args.arg]
        if not nums:
            print(f"pop3probe: no message with UIDL {args.arg}", file=sys.stderr)
            return 1
        lines = conn.retr(nums[0])[1]
        sys.stdout.buffer.write(b"".join(line + b"\r\n" for line in lines))
        sys.stdout.buffer.flush()
    elif cmd == "hold":
        print("held", flush=True)
        deadline = time.monotonic() + float(args.arg)
        while time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    return 0


def main():
    ap = argparse.ArgumentParser(description="POP3 probe for tests")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    tls = ap.add_mutually_exclusive_group()
    tls.add_argument("--stls", action="store_true", help="upgrade with STLS")
    tls.add_argument("--ssl", action="store_true", help="implicit TLS (POP3S)")
    ap.add_argument("--cafile", help="CA bundle to verify the server (default: system CAs)")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("command", choices=["count", "uidls", "retr", "hold"])
    ap.add_argument("arg", nargs="?")
    args = ap.parse_args()
    if args.command in ("retr", "hold") and args.arg is None:
        ap.error(f"{args.command} needs an argument")

    # SIGTERM ends a "hold" cleanly (QUIT is still sent).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        conn = connect(args)
    except poplib.error_proto as e:
        print(e.args[0].decode("utf-8", "replace") if isinstance(e.args[0], bytes) else e, file=sys.stderr)
        return 1
    except (OSError, ssl.SSLError) as e:
        print(f"pop3probe: {e}", file=sys.stderr)
        return 2
    try:
        return run(args, conn)
    except poplib.error_proto as e:
        print(e.args[0].decode("utf-8", "replace") if isinstance(e.args[0], bytes) else e, file=sys.stderr)
        return 1
    finally:
        try:
            conn.quit()
        except (poplib.error_proto, OSError):
            pass


if __name__ == "__main__":
    sys.exit(main())
