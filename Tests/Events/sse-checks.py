#!/usr/bin/env python3
"""The live event stream (GET /api/v1/events) end to end, read with a real SSE client library
(`httpx-sse`), against a running Postillon watching frank's mailbox on the test Dovecot.

Usage: sse-checks.py PHASE MAIL_ENV API_KEY POLL_INTERVAL URL [URL2]
Phases:
  single    (URL: one Postillon, --events-max-streams-per-account 3) 401 without or with a wrong login;
            400 for a bad Last-Event-ID; message.new after a mail to frank; disconnect, two more mails
            (seen by a second stream), reconnect with Last-Event-ID: exactly the missed events, in
            order, no duplicates; flags.changed after PATCH; a Basic caller's stream; the 4th stream
            of the account -> 429 too_many_event_streams.
  replicas  (URL, URL2: two replicas on one PostgreSQL) a stream on URL gets message.new (whichever
            replica polled) and flags.changed for a PATCH made through URL2 (another process).
"""
import base64
import json
import smtplib
import sys
import threading
import time
import uuid
from email.message import EmailMessage

import httpx
from httpx_sse import connect_sse

PHASE, MAIL_ENV, KEY, INTERVAL, API = sys.argv[1:6]
API2 = sys.argv[6] if len(sys.argv) > 6 else None
INTERVAL = float(INTERVAL)
ENV = dict(line.strip().split("=", 1) for line in open(MAIL_ENV) if "=" in line and not line.startswith("#"))
USER = "frank"
PASSWORD = USER + ENV.get("PASSWORD_SUFFIX", "-secret")
BEARER = {"Authorization": f"Bearer {KEY}"}
EVENTS = "/api/v1/events"
# A mail's message.new comes with the next poll: at most one interval, plus delivery and the hub's second.
EVENT_WAIT = INTERVAL * 2 + 8


def ok(text):
    print("ok  ", text, flush=True)


def fail(text):
    print("FAIL", text, file=sys.stderr, flush=True)
    sys.exit(1)


def send_mail(subject):
    message = EmailMessage()
    message["From"] = "tester@example.org"
    message["To"] = f"{USER}@{ENV['DOMAIN']}"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@example.org>"
    message.set_content("sse test\n")
    with smtplib.SMTP("127.0.0.1", int(ENV["SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(message)


class Stream:
    """One SSE connection read on its own thread by httpx-sse; events collect in `events`."""

    def __init__(self, base, headers, last_event_id=None):
        self.events = []
        self.error = None
        self.status = None
        self.retry = None
        self.opened = threading.Event()
        self.lock = threading.Lock()
        headers = dict(headers)
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.client = httpx.Client(base_url=base, timeout=httpx.Timeout(10, read=60))
        self.thread = threading.Thread(target=self.run, args=(headers,), daemon=True)
        self.thread.start()
        if not self.opened.wait(15):
            fail(f"event stream on {base} did not open")
        if self.status != 200:
            fail(f"event stream on {base}: status {self.status} ({self.error})")

    def run(self, headers):
        try:
            with connect_sse(self.client, "GET", EVENTS, headers=headers) as source:
                self.response = source.response
                self.status = source.response.status_code
                if self.status != 200:
                    self.error = source.response.read()[:300]
                    self.opened.set()
                    return
                self.opened.set()
                for sse in source.iter_sse():
                    if sse.retry is not None:
                        self.retry = sse.retry
                    if sse.event == "message" and not sse.data:
                        continue
                    with self.lock:
                        self.events.append({"id": sse.id, "type": sse.event, "body": json.loads(sse.data)})
        except Exception as error:  # the test closes the connection under the reader
            self.error = error
        finally:
            self.opened.set()

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def wait_for(self, predicate, seconds, what):
        deadline = time.time() + seconds
        while time.time() < deadline:
            found = [event for event in self.snapshot() if predicate(event)]
            if found:
                return found[0]
            time.sleep(0.1)
        fail(f"{what}: not received within {seconds:.0f} s; got {[(e['id'], e['type']) for e in self.snapshot()]}")

    def close(self):
        try:
            self.response.close()
        except Exception:
            pass
        self.client.close()
        self.thread.join(5)


def new_mail(stream, subject, what):
    return stream.wait_for(lambda e: e["type"] == "message.new"
                           and ((e["body"]["data"].get("summary") or {}).get("subject") == subject), EVENT_WAIT, what)


def problem(base, headers, expect_status, expect_code, what):
    response = httpx.get(base + EVENTS, headers=headers, timeout=30)
    body = response.json() if response.headers.get("content-type", "").startswith("application/problem+json") else {}
    if response.status_code != expect_status or body.get("code") != expect_code:
        fail(f"{what}: {response.status_code} {body.get('code')!r}, expected {expect_status} {expect_code}")
    ok(f"{what}: {expect_status} {expect_code}")


def patch_seen(base, message_id):
    response = httpx.patch(f"{base}/api/v1/messages/{message_id}", headers=BEARER, json={"seen": True}, timeout=60)
    if response.status_code != 200:
        fail(f"PATCH seen: {response.status_code} {response.text[:200]}")


def single():
    problem(API, {}, 401, "unauthorized", "no credentials")
    problem(API, {"Authorization": "Bearer not-a-key"}, 401, "unauthorized", "unknown bearer token")
    wrong = "Basic " + base64.b64encode(f"{USER}:wrong".encode()).decode()
    problem(API, {"Authorization": wrong}, 401, "auth_failed", "Basic with a wrong password (proven by a POP3 login)")
    problem(API, {**BEARER, "Last-Event-ID": "12abc"}, 400, "invalid_last_event_id", "a malformed Last-Event-ID")

    first = Stream(API, BEARER)
    deadline = time.time() + 5
    while first.retry is None and time.time() < deadline:
        time.sleep(0.05)
    if first.retry is None:
        fail("no retry: hint at the start of the stream")
    tag = uuid.uuid4().hex[:8]
    send_mail(f"sse-1 {tag}")
    event = new_mail(first, f"sse-1 {tag}", "message.new on a live stream")
    if not event["id"] or event["body"]["type"] != "message.new" or event["body"]["data"]["account"] != USER:
        fail(f"message.new frame: {event}")
    ok(f"message.new received (id {event['id']}, retry hint {first.retry} ms)")
    last_id = int(event["id"])

    # Disconnect; a second stream watches the events the first one misses.
    observer = Stream(API, BEARER)
    first.close()
    send_mail(f"sse-2 {tag}")
    send_mail(f"sse-3 {tag}")
    new_mail(observer, f"sse-2 {tag}", "observer: sse-2")
    new_mail(observer, f"sse-3 {tag}", "observer: sse-3")
    missed = [e for e in observer.snapshot() if int(e["id"]) > last_id]
    observer.close()

    resumed = Stream(API, BEARER, last_event_id=last_id)
    deadline = time.time() + 10
    while time.time() < deadline and len(resumed.snapshot()) < len(missed):
        time.sleep(0.1)
    time.sleep(1.5)  # anything extra (a duplicate) would come with the same read
    got = resumed.snapshot()
    if [e["id"] for e in got] != [e["id"] for e in missed] or [e["body"] for e in got] != [e["body"] for e in missed]:
        fail(f"resumed after {last_id}: got {[(e['id'], e['type']) for e in got]}, missed {[(e['id'], e['type']) for e in missed]}")
    ids = [int(e["id"]) for e in got]
    if ids != sorted(set(ids)) or not ids or ids[0] <= last_id:
        fail(f"resumed ids not strictly increasing after {last_id}: {ids}")
    ok(f"reconnected with Last-Event-ID {last_id}: exactly the {len(got)} missed events {ids}, no loss, no duplicates")

    message_id = next(e["body"]["data"]["id"] for e in got if e["type"] == "message.new"
                      and e["body"]["data"]["summary"]["subject"] == f"sse-2 {tag}")
    patch_seen(API, message_id)
    flags = resumed.wait_for(lambda e: e["type"] == "flags.changed" and e["body"]["data"]["ids"] == [message_id], 5,
                             "flags.changed after PATCH")
    if flags["body"]["data"].get("seen") is not True or "flagged" in flags["body"]["data"]:
        fail(f"flags.changed body: {flags['body']}")
    ok(f"flags.changed received after PATCH (id {flags['id']})")

    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    by_basic = Stream(API, {"Authorization": basic})
    ok("a Basic caller's stream opens after its POP3 login")
    third = Stream(API, BEARER)
    problem(API, BEARER, 429, "too_many_event_streams", "a 4th stream of the account (limit 3)")
    for stream in (resumed, by_basic, third):
        stream.close()
    time.sleep(0.5)
    again = Stream(API, BEARER)
    ok("closed streams free their places")
    again.close()


def replicas():
    stream = Stream(API, BEARER)
    tag = uuid.uuid4().hex[:8]
    send_mail(f"sse-replica {tag}")
    event = new_mail(stream, f"sse-replica {tag}", "message.new on a replica's stream")
    ok(f"message.new on {API} (id {event['id']})")
    patch_seen(API2, event["body"]["data"]["id"])
    stream.wait_for(lambda e: e["type"] == "flags.changed" and e["body"]["data"]["ids"] == [event["body"]["data"]["id"]], 5,
                    "flags.changed written by another replica")
    ok(f"flags.changed made through {API2} reached the stream on {API} (shared outbox, periodic read)")
    stream.close()


{"single": single, "replicas": replicas}[PHASE]()
