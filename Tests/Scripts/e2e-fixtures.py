#!/usr/bin/env python3
"""Deliver the end-to-end fixture messages through Postfix's plain SMTP port (stdlib only).

Usage: e2e-fixtures.py --smtp-port N --to carol@mail.test [--token T] [--api-url URL --user U --password P]

Sends, all to --to and all with TOKEN in the subject (so several runs against the same
mailbox never mix up their messages):
  - a German message: RFC 2047 subject "Grüße aus München", sender with umlauts, body with ä ö ü ß;
  - a message with a PDF-like attachment (RFC 2231 filename "Bericht-März.pdf");
  - the hostile HTML message: <script>, onerror=, a remote image on 127.0.0.1:9, a <form>;
  - three plain messages for the UI delete tests ("Zum Löschen TOKEN #1..#3"), delivered first;
  - two HTML messages for the painted-pixel test ("Farbprobe TOKEN rot" / "... blau"): a large block
    in one known colour (PAINT_COLOURS) with dark text on white around it;
  - a message whose From display name looks like another address ('"boss@mail.test" <mallory@...>').
With --api-url it then polls GET /api/v1/messages (HTTP Basic) until all of them are listed.

Prints KEY=VALUE lines (UTF-8, one per line) for tests/e2e.sh:
  UMLAUT_SUBJECT, ATTACHMENT_SUBJECT, ATTACHMENT_SHA256, ATTACHMENT_FILENAME,
  HOSTILE_SUBJECT, DELETE_SUBJECT (the common part of the three delete subjects), TOKEN,
  PAINT_SUBJECT (the common part of the two colour messages),
  SPOOF_SUBJECT (From: "boss@mail.test" <mallory@mail.test>: a display name posing as an address),
  PREVIEW_SUBJECT (HTML with an inline cid: logo "inline-logo.png", attachments "foto.png" 120x80
  and "notiz.txt")
"""

import argparse
import base64
import hashlib
import json
import os
import smtplib
import struct
import sys
import time
import urllib.request
import uuid
import zlib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

DOMAIN = "mail.test"

HOSTILE_HTML = """<!DOCTYPE html>
<html><head><title>Angebot</title></head>
<body>
<h1>Ihr Angebot wartet</h1>
<script>window.parent.pwned=1; window.top.pwned=1;</script>
<p>Ein Bild, das nicht existiert: <img src=x onerror="window.parent.pwned=1"></p>
<p>Ein entferntes Bild: <img src="http://127.0.0.1:9/remote.png" alt="remote" width="40" height="40"></p>
<form action="http://127.0.0.1:9/steal" method="post">
  <input name="password" type="password" placeholder="Passwort">
  <button type="submit">Absenden</button>
</form>
<p><a href="javascript:window.parent.pwned=1">Klick mich</a></p>
</body></html>
"""


# The painted-pixel test looks for these colours in a screenshot of the reading pane.
PAINT_COLOURS = {"rot": "#c8102e", "blau": "#0b5fff"}
PAINT_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Farbprobe</title></head>
<body style="margin:0;background:#ffffff;color:#111111;font:18px/1.4 sans-serif">
<p style="margin:12px">Farbprobe {name}: dieser Text und der Block darunter müssen zu sehen sein.</p>
<div style="background:{colour};color:#ffffff;height:240px;margin:12px;font-size:32px;padding:16px">{name}</div>
<p style="margin:12px">Grüße, Ihr Test.</p>
</body></html>
"""


PREVIEW_TEXT = "Zeile eins der Notiz.\nZeile zwei: Grüße & <b>kein HTML</b>.\n"


def png(width, height, colour):
    """A solid-colour PNG (stdlib only)."""
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def base_message(sender, to, subject):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(idstring="e2e", domain=DOMAIN)
    return msg


def build(to, token):
    # Oldest first: the list shows newest first, so the interesting ones end up on top.
    messages = []
    delete_subject = f"Zum Löschen {token}"
    for i in (1, 2, 3):
        doomed = base_message("Dave <dave@mail.test>", to, f"{delete_subject} #{i}")
        doomed.set_content(f"Diese Nachricht wird vom Browser-Test gelöscht ({i}).\n", charset="utf-8")
        messages.append(doomed)

    umlaut_subject = f"Grüße aus München – {token}"
    german = base_message("Jürgen Weiß <juergen@mail.test>", to, umlaut_subject)
    german.set_content(
        "Hallo Carol,\n\n"
        "viele Grüße aus München! Die Straße vor dem Büro ist gesperrt,\n"
        "aber das Frühstück war großartig: Brötchen, Käse und süßer Senf.\n\n"
        "Umlaute zum Prüfen: ä ö ü Ä Ö Ü ß\n\n"
        "Bis bald,\nJürgen\n",
        charset="utf-8", cte="quoted-printable")
    messages.append(german)

    attachment_subject = f"Rechnung mit Anhang – {token}"
    payload = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
               + os.urandom(20000) + b"\n%%EOF\n")
    filename = "Bericht-März.pdf"
    with_attachment = base_message("Buchhaltung <buchhaltung@mail.test>", to, attachment_subject)
    with_attachment.set_content("Anbei die Rechnung als PDF.\n", charset="utf-8")
    with_attachment.add_attachment(payload, maintype="application", subtype="pdf", filename=filename)
    messages.append(with_attachment)

    hostile_subject = f"Ihr Paket wartet (hostile HTML) – {token}"
    hostile = base_message("Mallory <mallory@mail.test>", to, hostile_subject)
    hostile.set_content("Plain-text part of the hostile message.\n", charset="utf-8")
    hostile.add_alternative(HOSTILE_HTML, subtype="html", charset="utf-8")
    messages.append(hostile)
    # Newest on top in the list: the German message, then the attachment, then the hostile one.
    messages = messages[:3] + [hostile, with_attachment, german]

    preview_subject = f"Vorschau {token}"
    preview = base_message("Fotograf <foto@mail.test>", to, preview_subject)
    preview.set_content("Bilder und Notizen (Textteil).\n", charset="utf-8")
    logo_cid = make_msgid(idstring="logo", domain=DOMAIN)
    preview.add_alternative(f'<p>Unser Logo: <img src="cid:{logo_cid[1:-1]}" alt="Logo"></p>', subtype="html", charset="utf-8")
    preview.get_payload()[1].add_related(png(24, 24, (47, 91, 234)), maintype="image", subtype="png",
                                         cid=logo_cid, filename="inline-logo.png")
    preview.add_attachment(png(120, 80, (0x1A, 0x9E, 0x55)), maintype="image", subtype="png", filename="foto.png")
    preview.add_attachment(PREVIEW_TEXT, subtype="plain", charset="utf-8", filename="notiz.txt")
    messages.insert(3, preview)

    spoof_subject = f"Dringende Überweisung – {token}"
    spoof = base_message('"boss@mail.test" <mallory@mail.test>', to, spoof_subject)
    spoof.set_content("Bitte sofort überweisen.\n", charset="utf-8")
    messages.insert(3, spoof)

    paint_subject = f"Farbprobe {token}"
    for name, colour in PAINT_COLOURS.items():
        painted = base_message("Grafik <grafik@mail.test>", to, f"{paint_subject} {name}")
        painted.set_content(f"Farbprobe {name} (Textteil).\n", charset="utf-8")
        painted.add_alternative(PAINT_HTML.format(name=name, colour=colour), subtype="html", charset="utf-8")
        messages.insert(3, painted)

    info = {
        "TOKEN": token,
        "UMLAUT_SUBJECT": umlaut_subject,
        "ATTACHMENT_SUBJECT": attachment_subject,
        "ATTACHMENT_SHA256": hashlib.sha256(payload).hexdigest(),
        "ATTACHMENT_FILENAME": filename,
        "HOSTILE_SUBJECT": hostile_subject,
        "DELETE_SUBJECT": delete_subject,
        "PAINT_SUBJECT": paint_subject,
        "SPOOF_SUBJECT": spoof_subject,
        "PREVIEW_SUBJECT": preview_subject,
    }
    return messages, info


def deliver(port, to, messages):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo("e2e.mail.test")
        for msg in messages:
            refused = smtp.send_message(msg, from_addr=f"e2e-fixtures@{DOMAIN}", to_addrs=[to])
            if refused:
                raise SystemExit(f"e2e-fixtures: recipients refused: {refused}")


def wait_listed(api_url, user, password, subjects, timeout):
    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    deadline = time.monotonic() + timeout
    missing = set(subjects)
    while True:
        request = urllib.request.Request(api_url.rstrip("/") + "/api/v1/messages?limit=200",
                                         headers={"Authorization": auth, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                page = json.load(response)
            listed = {m.get("subject") for m in page.get("messages", [])}
            missing = {s for s in subjects if s not in listed}
            if not missing:
                return
        except OSError as err:  # includes HTTPError (e.g. a briefly locked mailbox)
            print(f"e2e-fixtures: waiting for the API: {err}", file=sys.stderr)
        if time.monotonic() > deadline:
            raise SystemExit(f"e2e-fixtures: not listed after {timeout}s: {sorted(missing)}")
        time.sleep(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("--token", default=uuid.uuid4().hex[:8])
    parser.add_argument("--api-url")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    messages, info = build(args.to, args.token)
    deliver(args.smtp_port, args.to, messages)
    if args.api_url:
        wait_listed(args.api_url, args.user, args.password, [str(m["Subject"]) for m in messages], args.timeout)
    sys.stdout.reconfigure(encoding="utf-8")
    for key, value in info.items():
        print(f"{key}={value}")


if __name__ == "__main__":
    main()
