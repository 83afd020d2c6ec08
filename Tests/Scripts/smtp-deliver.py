#!/usr/bin/env python3
"""Deliver message files through an SMTP server as they are (stdlib only).

Usage: smtp-deliver.py --port P --to ADDR [--host H] [--from ADDR] FILE...

Each FILE is sent in one SMTP session with BODY=8BITMIME, byte for byte (smtplib
only normalises line endings to CRLF and dot-stuffs). Prints one line per file:
"sent FILE". Exit status: 0 all accepted, 1 a message was refused (the server's
answer goes to stderr), 2 usage or connection error.
"""

import argparse
import smtplib
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--from", dest="sender", default="fixtures@mail.test")
    parser.add_argument("--to", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    try:
        smtp = smtplib.SMTP(args.host, args.port, timeout=60)
    except OSError as error:
        print(f"cannot connect: {error}", file=sys.stderr)
        return 2
    status = 0
    with smtp:
        for name in args.files:
            with open(name, "rb") as handle:
                data = handle.read()
            try:
                smtp.sendmail(args.sender, [args.to], data, mail_options=["BODY=8BITMIME"])
                print(f"sent {name}")
            except smtplib.SMTPException as error:
                print(f"refused {name}: {error}", file=sys.stderr)
                status = 1
                smtp.rset()
    return status


if __name__ == "__main__":
    sys.exit(main())
