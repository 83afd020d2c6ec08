#!/usr/bin/env python3
"""Fill the demo mailboxes with varied, real-looking mail (stdlib only).

Usage: demo-mail.py MAIL_ROOT [--domain mail.test] [--owner 5000:5000]

MAIL_ROOT holds one USER/Maildir per demo user (Deploy/mailservers.sh makes them). Every user
gets a small inbox; alice's is the showcase:
  - an HTML newsletter with an inline (cid:) logo and a plain-text alternative,
  - a message with several attachments (PDF, PNG image, CSV, plain text) and a German subject,
  - non-ASCII mail: German (quoted-printable), Japanese (ISO-2022-JP), Greek and emoji (UTF-8),
  - a long thread ("Re: Umzug des Servers", 12 replies with In-Reply-To/References),
  - plus a few plain notes, so the list has more than one page at limit=20.
bob, carol, dave, erin and frank get a handful of messages each (one HTML, one attachment).
Messages are written to tmp/ and renamed into new/ with LF line endings, as a delivery agent
does; their times increase one minute per message, so the newest is on top.
"""

import argparse
import os
import struct
import sys
import time
import zlib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]
NAMES = {"alice": "Alice Liddell", "bob": "Bob Müller", "carol": "Carol Nguyễn", "dave": "Dave O'Brien",
         "erin": "Erin Ødegård", "frank": "Frank Łukasiewicz"}


def png(width, height, colour):
    """A small solid-colour PNG with a white diagonal stripe (a real image, made here)."""
    rows = b""
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes((255, 255, 255)) if abs(x - y) < 3 else bytes(colour)
        rows += bytes(row)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def pdf(text):
    """A minimal valid one-page PDF showing `text` (ASCII)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


class Mailbox:
    def __init__(self, root, user, domain, owner, start):
        self.dir = os.path.join(root, user, "Maildir")
        self.user, self.domain, self.owner, self.clock = user, domain, owner, start
        self.address = f"{user}@{domain}"
        for sub in ("tmp", "new", "cur"):
            path = os.path.join(self.dir, sub)
            if not os.path.isdir(path):
                os.makedirs(path, mode=0o700)
                os.chown(path, *owner)
        self.count = 0

    def message(self, sender, subject, **extra):
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = extra.pop("to", f"{NAMES[self.user]} <{self.address}>")
        if "cc" in extra:
            msg["Cc"] = extra.pop("cc")
        msg["Subject"] = subject
        self.clock += 60
        msg["Date"] = format_datetime(datetime.fromtimestamp(self.clock, timezone.utc).astimezone())
        msg["Message-ID"] = extra.pop("message_id", None) or make_msgid(domain=sender.split("@")[-1].strip(">"))
        for name, value in extra.items():
            msg[name.replace("_", "-")] = value
        return msg

    def deliver(self, msg):
        self.count += 1
        name = f"{self.clock}.M{self.count}P{os.getpid()}Q{self.count}.demo"
        tmp = os.path.join(self.dir, "tmp", name)
        data = msg.as_bytes().replace(b"\r\n", b"\n")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chown(tmp, *self.owner)
        os.utime(tmp, (self.clock, self.clock))
        os.rename(tmp, os.path.join(self.dir, "new", name))


NEWSLETTER_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Postillon News</title></head>
<body style="margin:0;background:#f3f5f9;font-family:Helvetica,Arial,sans-serif;color:#1b1f24">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px">
<tr><td style="padding:24px 28px;background:#2f5bea;border-radius:8px 8px 0 0">
  <img src="cid:{logo}" width="48" height="48" alt="Logo" style="vertical-align:middle">
  <span style="color:#fff;font-size:22px;font-weight:bold;margin-left:12px">Postillon News – Dezember</span>
</td></tr>
<tr><td style="padding:24px 28px;font-size:15px;line-height:1.6">
  <h2 style="margin-top:0">Neu in dieser Ausgabe</h2>
  <ul>
    <li><b>Schneller:</b> Listen laden jetzt in einer einzigen POP3-Sitzung.</li>
    <li><b>Sicherer:</b> HTML-Mail wird in einem abgeschotteten Rahmen angezeigt.</li>
    <li><b>Bunter:</b> Bilder aus dem Internet erst nach Klick auf „Bilder anzeigen“.</li>
  </ul>
  <p>Ein entferntes Bild (blockiert, bis Sie es erlauben):<br>
     <img src="https://example.org/tracker.png" width="120" height="30" alt="entferntes Bild"></p>
  <p style="margin-bottom:0"><a href="https://example.org/news" style="background:#2f5bea;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">Weiterlesen</a></p>
</td></tr>
<tr><td style="padding:16px 28px;font-size:12px;color:#5d6875">Sie erhalten diese Mail, weil Sie Postillon ausprobieren.</td></tr>
</table></td></tr></table>
</body></html>
"""

THREAD = [
    ("Bob Müller <bob@{d}>", "Wir ziehen den Mailserver am Samstag um. Wer kann helfen?"),
    ("Carol Nguyễn <carol@{d}>", "Ich kann ab 10 Uhr. Brauchen wir neue Zertifikate?"),
    ("Bob Müller <bob@{d}>", "Ja, die alten laufen im Januar ab. Ich beantrage sie."),
    ("Dave O'Brien <dave@{d}>", "Ich bringe Kaffee und Croissants mit. ☕"),
    ("Alice Liddell <alice@{d}>", "Ich übernehme die DNS-Einträge (MX, SPF, DKIM)."),
    ("Erin Ødegård <erin@{d}>", "Denkt an die TTL: am Freitag auf 300 Sekunden senken."),
    ("Bob Müller <bob@{d}>", "Gute Idee. TTL ist jetzt 300."),
    ("Carol Nguyễn <carol@{d}>", "Zertifikate sind da und liegen im Tresor."),
    ("Frank Łukasiewicz <frank@{d}>", "Ich teste danach POP3 und SMTP mit Postillon."),
    ("Dave O'Brien <dave@{d}>", "Umzug fertig um 14:20. Alles grün?"),
    ("Frank Łukasiewicz <frank@{d}>", "POP3 ok, SMTP ok, STARTTLS ok. 🎉"),
    ("Alice Liddell <alice@{d}>", "Danke euch allen! TTL setze ich morgen wieder hoch."),
]


def seed_alice(box, d):
    for i in range(1, 9):
        msg = box.message(f"Notizen <notes@{d}>", f"Notiz {i}: Einkaufsliste und Termine")
        msg.set_content(f"Notiz {i}\n\n- Brot\n- Käse\n- Termin beim Zahnarzt am {i + 3}. Dezember\n")
        box.deliver(msg)

    # A long thread: 12 messages with In-Reply-To and References.
    ids = []
    for n, (sender, text) in enumerate(THREAD):
        subject = "Umzug des Servers" if n == 0 else "Re: Umzug des Servers"
        extra = {"message_id": make_msgid(idstring=f"umzug{n}", domain=d)}
        if ids:
            extra["In_Reply_To"] = ids[-1]
            extra["References"] = " ".join(ids[-10:])
        msg = box.message(sender.format(d=d), subject, to=f"Team <team@{d}>", cc=f"Alice Liddell <alice@{d}>", **extra)
        quoted = "".join(f"> {line}\n" for line in THREAD[n - 1][1].splitlines()) if n else ""
        msg.set_content(f"{text}\n\n{quoted}")
        ids.append(extra["message_id"])
        box.deliver(msg)

    msg = box.message(f"Jürgen Weiß <juergen@{d}>", "Grüße aus München")
    msg.set_content("Hallo Alice,\n\nviele Grüße aus München! Die Straße vor dem Büro ist gesperrt,\n"
                    "aber das Frühstück war großartig: Brötchen, Käse und süßer Senf.\n\nBis bald,\nJürgen\n",
                    cte="quoted-printable")
    box.deliver(msg)

    msg = box.message(f"山田 太郎 <yamada@{d}>", "会議の議事録")
    msg.set_content("アリスさん\n\n本日の会議の議事録を送ります。\n次回は来週の火曜日です。\n\n山田\n", charset="iso-2022-jp")
    box.deliver(msg)

    msg = box.message(f"Νίκος Παπαδόπουλος <nikos@{d}>", "Καλά Χριστούγεννα! 🎄")
    msg.set_content("Γεια σου Alice,\n\nΚαλά Χριστούγεννα και ευτυχισμένο το νέο έτος! 🎄✨\n\nΝίκος\n")
    box.deliver(msg)

    msg = box.message(f"Buchhaltung <buchhaltung@{d}>", "Rechnung Nr. 2026-117 mit Anhängen")
    msg.set_content("Guten Tag,\n\nanbei die Rechnung als PDF, die Positionen als CSV, ein Foto der Lieferung\n"
                    "und unsere Hinweise als Textdatei.\n\nMit freundlichen Grüßen\nIhre Buchhaltung\n")
    msg.add_attachment(pdf("Rechnung 2026-117: 1.234,56 EUR"), maintype="application", subtype="pdf",
                       filename="Rechnung-2026-117.pdf")
    msg.add_attachment(png(160, 100, (230, 126, 34)), maintype="image", subtype="png", filename="Lieferung.png")
    msg.add_attachment("Position;Menge;Preis\nSchrauben M4;200;12,00\nDübel 6 mm;150;9,50\nMontage;1;1.213,06\n",
                       subtype="csv", filename="Positionen.csv")
    msg.add_attachment("Zahlbar innerhalb von 14 Tagen ohne Abzug.\nBankverbindung siehe Rechnung.\n",
                       filename="Hinweise für Sie.txt")
    box.deliver(msg)

    logo = make_msgid(idstring="logo", domain=d)
    msg = box.message(f"Postillon News <news@{d}>", "Postillon News – Dezember: schneller, sicherer, bunter",
                      List_Unsubscribe=f"<mailto:unsubscribe@{d}>")
    msg.set_content("Postillon News – Dezember\n\nNeu: schnellere Listen, abgeschottete HTML-Ansicht, "
                    "Bilder erst nach Klick.\n\nWeiterlesen: https://example.org/news\n")
    msg.add_alternative(NEWSLETTER_HTML.format(logo=logo[1:-1]), subtype="html")
    msg.get_payload()[1].add_related(png(48, 48, (47, 91, 234)), maintype="image", subtype="png", cid=logo,
                                     filename="logo.png")
    box.deliver(msg)


def seed_other(box, d):
    user = box.user
    msg = box.message(f"Alice Liddell <alice@{d}>", f"Hallo {NAMES[user].split()[0]}!")
    msg.set_content(f"Hallo {NAMES[user].split()[0]},\n\nwillkommen bei Postillon. Schöne Grüße!\n\nAlice\n")
    box.deliver(msg)
    msg = box.message(f"Kalender <calendar@{d}>", "Einladung: Teamfrühstück am Freitag")
    msg.set_content("Teamfrühstück, Freitag 9:00, Küche im 2. Stock.\n")
    msg.add_attachment("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Postillon demo//DE\r\nBEGIN:VEVENT\r\n"
                       "UID:fruehstueck@mail.test\r\nDTSTART:20261204T090000Z\r\nDTEND:20261204T100000Z\r\n"
                       "SUMMARY:Teamfrühstück\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", subtype="calendar", filename="einladung.ics")
    box.deliver(msg)
    msg = box.message(f"Postillon News <news@{d}>", "Postillon News: kurz und bündig")
    msg.set_content("Kurz und bündig: Postillon kann jetzt mehr.\n")
    msg.add_alternative("<p style='font-family:sans-serif'>Kurz und bündig: <b>Postillon</b> kann jetzt "
                        "<span style='color:#2f5bea'>mehr</span>.</p>", subtype="html")
    box.deliver(msg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mail_root")
    ap.add_argument("--domain", default="mail.test")
    ap.add_argument("--owner", default="5000:5000", help="UID:GID of the files")
    args = ap.parse_args()
    owner = tuple(int(x) for x in args.owner.split(":"))
    start = int(time.time()) - 3 * 24 * 3600
    for user in USERS:
        box = Mailbox(args.mail_root, user, args.domain, owner, start)
        (seed_alice if user == "alice" else seed_other)(box, args.domain)
        print(f"demo-mail: {box.count} messages for {box.address}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
