#!/usr/bin/env python3
"""Seed a Maildir with COUNT distinct test messages (stdlib only).

Usage: seed-mailbox.py MAILDIR COUNT [--prefix TEXT] [--to ADDR] [--owner UID:GID] [--varied]

MAILDIR is the Maildir itself (the directory holding new/ cur/ tmp/), e.g.
$MAIL_ROOT/alice/Maildir. Messages are written to tmp/ and renamed into new/,
as a delivery agent would.

Message i (1-based):
  Subject: "{prefix} message {i}"; for every 7th message (i % 7 == 0) instead an
           RFC 2047 encoded word =?UTF-8?B?...?= of "{prefix} Grüße Nr. {i}"
  From: Seeder <seeder@mail.test>, To: USER@mail.test (USER = parent dir of MAILDIR)
  Date, a unique Message-ID, X-Seed-Index: {i}
  body: a few lines including "Seed-Index: {i}".
With --varied (for search tests and benchmarks), instead:
  Subject: "{prefix} {TOPICS[i % 16]} {WORDS[i % 23]} Nr. {i}"
  From: SENDERS[i % 12] (name and address)
  Date: one hour apart, message COUNT being the newest (an hour before now)
  every 5th message (i % 5 == 0): multipart/mixed with a small text attachment.
Line endings are LF, as Postfix's virtual(8) delivery stores them; Dovecot sends
CRLF over POP3 and counts sizes as CRLF.

Filenames are "{secs}.M{usecs}P{pid}Q{i}.seed" with secs increasing by one per
message (starting after any message already in the Maildir) and the same mtime,
so Dovecot assigns UIDs in seed order. Files are owned by 5000:5000, mode 0600.
"""

import argparse
import base64
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime


def latest_timestamp(maildir):
    """Largest leading timestamp of the existing maildir file names (0 if none)."""
    latest = 0
    for sub in ("new", "cur"):
        try:
            names = os.listdir(os.path.join(maildir, sub))
        except FileNotFoundError:
            continue
        for name in names:
            head = name.split(".", 1)[0]
            if head.isdigit():
                latest = max(latest, int(head))
    return latest


def subject_for(prefix, i):
    if i % 7 == 0:
        text = f"{prefix} Grüße Nr. {i}"
        return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="
    return f"{prefix} message {i}"


TOPICS = ["Invoice", "Meeting", "Quarterly report", "Lunch", "Release notes", "Travel plans", "Budget review",
          "Newsletter", "Support ticket", "Password reset", "Conference", "Team offsite", "Contract draft",
          "Shipping update", "Weekly digest", "Café order"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett", "kilo",
         "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor",
         "whiskey"]
SENDERS = [("Ada Lovelace", "ada@analytical.test"), ("Alan Turing", "alan@bletchley.test"),
           ("Grace Hopper", "grace@navy.test"), ("Linus Torvalds", "linus@kernel.test"),
           ("Margaret Hamilton", "margaret@apollo.test"), ("Dennis Ritchie", "dmr@bell.test"),
           ("Barbara Liskov", "liskov@mit.test"), ("Ken Thompson", "ken@bell.test"),
           ("Frances Allen", "fran@ibm.test"), ("Donald Knuth", "knuth@stanford.test"),
           ("Radia Perlman", "radia@dec.test"), ("Jürgen Müller", "juergen@beispiel.test")]


def varied_message(prefix, i, count, to_addr, now):
    date = format_datetime(datetime.fromtimestamp(now - 3600 * (count - i + 1), timezone.utc))
    name, address = SENDERS[i % len(SENDERS)]
    subject = f"{prefix} {TOPICS[i % len(TOPICS)]} {WORDS[i % len(WORDS)]} Nr. {i}"
    encoded = "=?UTF-8?B?" + base64.b64encode(subject.encode("utf-8")).decode("ascii") + "?="
    lines = [
        f"From: {name} <{address}>" if name.isascii() else
        "From: =?UTF-8?B?" + base64.b64encode(name.encode("utf-8")).decode("ascii") + f"?= <{address}>",
        f"To: {to_addr}",
        f"Subject: {subject if subject.isascii() else encoded}",
        f"Date: {date}",
        f"Message-ID: <seed-{i}-{uuid.uuid4().hex}@mail.test>",
        f"X-Seed-Index: {i}",
        "MIME-Version: 1.0",
    ]
    body = [f"This is seeded message {i} of {count} ({prefix}).", f"Seed-Index: {i}", ""]
    if i % 5 == 0:
        lines += ['Content-Type: multipart/mixed; boundary="seed-b"', "", "--seed-b",
                  "Content-Type: text/plain; charset=utf-8", ""] + body + [
                  "--seed-b", 'Content-Type: text/plain; name="notes.txt"', 'Content-Disposition: attachment; filename="notes.txt"',
                  "", f"Attachment of message {i}.", "--seed-b--", ""]
    else:
        lines += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", ""] + body
    return "\n".join(lines).encode("utf-8")


def message(prefix, i, count, to_addr, ts):
    date = format_datetime(datetime.fromtimestamp(ts, timezone.utc))
    msg_id = f"<seed-{i}-{uuid.uuid4().hex}@mail.test>"
    lines = [
        "From: Seeder <seeder@mail.test>",
        f"To: {to_addr}",
        f"Subject: {subject_for(prefix, i)}",
        f"Date: {date}",
        f"Message-ID: {msg_id}",
        f"X-Seed-Index: {i}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        f"This is seeded message {i} of {count} ({prefix}).",
        f"Seed-Index: {i}",
        "",
        "-- ",
        "Postillon test seeder",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("maildir")
    ap.add_argument("count", type=int)
    ap.add_argument("--prefix", default="Seed")
    ap.add_argument("--to", help="To: address (default: USER@mail.test from the path)")
    ap.add_argument("--owner", default="5000:5000", help="UID:GID of the files")
    ap.add_argument("--varied", action="store_true", help="varied subjects, senders, dates and attachments (see above)")
    args = ap.parse_args()
    if args.count < 0:
        ap.error("COUNT must be >= 0")

    maildir = os.path.abspath(args.maildir)
    uid, gid = (int(x) for x in args.owner.split(":"))
    user = os.path.basename(os.path.dirname(maildir.rstrip("/"))) or "user"
    to_addr = args.to or f"{user}@mail.test"

    for sub in ("tmp", "new", "cur"):
        path = os.path.join(maildir, sub)
        if not os.path.isdir(path):
            os.makedirs(path, mode=0o700)
            os.chown(path, uid, gid)

    now = int(time.time())
    base = max(now - args.count, latest_timestamp(maildir) + 1)
    pid = os.getpid()
    for i in range(1, args.count + 1):
        ts = base + i - 1
        name = f"{ts}.M{i}P{pid}Q{i}.seed"
        tmp_path = os.path.join(maildir, "tmp", name)
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(varied_message(args.prefix, i, args.count, to_addr, now) if args.varied
                    else message(args.prefix, i, args.count, to_addr, ts))
        os.chown(tmp_path, uid, gid)
        os.utime(tmp_path, (ts, ts))
        os.rename(tmp_path, os.path.join(maildir, "new", name))

    print(f"seeded {args.count} messages into {maildir}/new")
    return 0


if __name__ == "__main__":
    sys.exit(main())
