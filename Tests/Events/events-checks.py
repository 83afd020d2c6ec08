#!/usr/bin/env python3
"""New-mail events end to end against real Dovecot/Postfix, a running Postillon and receiver.py.
Usage: events-checks.py PHASE STATE_JSON MAIL_ENV POSTILLON_URL RECEIVER_URL RECEIVER_LOG POLL_INTERVAL
Phases: setup (SSRF refusals, subscribe), deliver (message.new on first try within interval + 2 s,
signature verified with `standardwebhooks`; then 500 twice -> delivered on the 3rd attempt, once;
message.deleted), prekill (receiver failing, one attempt seen: records the webhook-id),
postkill (after SIGKILL and restart: delivered with that same webhook-id, once), signedin (a signed-in
user's mailbox is watched while the session lives: message.new to their own webhook; after sign-out no
more polls)."""
import base64
import os
import json
import smtplib
import sys
import time
import urllib.parse
import urllib.request
import uuid
from email.message import EmailMessage

from standardwebhooks import Webhook

PHASE, STATE, MAIL_ENV, API, RECEIVER, LOG, INTERVAL = sys.argv[1:8]
INTERVAL = float(INTERVAL)
ENV = dict(line.strip().split("=", 1) for line in open(MAIL_ENV) if "=" in line and not line.startswith("#"))
USER = "frank"
PASSWORD = USER + ENV.get("PASSWORD_SUFFIX", "-secret")
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def ok(text):
    print("ok  ", text, flush=True)


def fail(text):
    print("FAIL", text, file=sys.stderr, flush=True)
    sys.exit(1)


def call(method, path, body=None, base=API, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", AUTH)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        if value is None:
            request.remove_header(name)
        else:
            request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, (json.loads(raw) if raw else None)


def control(fail_count, status=500):
    request = urllib.request.Request(RECEIVER + "/control", data=json.dumps({"fail": fail_count, "status": status}).encode(),
                                     method="POST")
    urllib.request.urlopen(request, timeout=5).read()


def received():
    try:
        return [json.loads(line) for line in open(LOG)]
    except FileNotFoundError:
        return []


def send_mail(subject, user=USER):
    message = EmailMessage()
    message["From"] = "tester@example.org"
    message["To"] = f"{user}@{ENV['DOMAIN']}"
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@example.org>"
    message.set_content("event test\n")
    with smtplib.SMTP("127.0.0.1", int(ENV["SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(message)


def wait_for(predicate, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    fail(f"timed out after {seconds:.1f} s waiting for {what}")


def posts_about(subject, path="/hook"):
    found = []
    for post in received():
        if post["path"] != path:
            continue
        body = json.loads(post["body"])
        if ((body.get("data") or {}).get("summary") or {}).get("subject") == subject:
            found.append(post)
    return found


def verify(post, secret):
    try:
        return Webhook(secret).verify(post["body"], post["headers"])
    except Exception as error:  # noqa: BLE001 - any verification failure is a test failure
        fail(f"signature does not verify with standardwebhooks: {error}")


def polls_in_window(start, end):
    """Dovecot `Login: user=<frank>` lines stamped within [start, end] (1 s resolution)."""
    count = 0
    year = time.gmtime(start).tm_year
    for line in open(ENV["DOVECOT_LOG"], errors="replace"):
        if f"Login: user=<{USER}>" not in line:
            continue
        stamp = time.mktime(time.strptime(f"{year} {line[:15]}", "%Y %b %d %H:%M:%S"))
        if int(start) <= stamp <= end:
            count += 1
    return count


def load():
    return json.load(open(STATE))


def save(state):
    json.dump(state, open(STATE, "w"))


if PHASE == "setup":
    for url in ["http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data", "http://192.168.1.10/x",
                "http://127.0.0.2:9/not-allow-listed", "http://[::1]:9/x", "http://[::ffff:10.0.0.1]/x"]:
        status, body = call("POST", "/api/v1/webhooks", {"url": url, "events": ["message.new"]})
        if status != 422 or (body or {}).get("code") != "webhook_url_refused":
            fail(f"{url} was not refused: {status} {body}")
    ok("webhook URLs on private, link-local, metadata and non-allow-listed loopback addresses are refused (422 webhook_url_refused)")
    status, body = call("POST", "/api/v1/webhooks", {"url": RECEIVER + "/hook", "events": ["message.new", "message.deleted"],
                                                      "description": "events test"})
    if status != 201 or not body["secret"].startswith("whsec_"):
        fail(f"subscribe: {status} {body}")
    ok(f"subscribed {body['id']}")
    status, listed = call("GET", "/api/v1/webhooks")
    own = [w for w in listed["webhooks"] if "managedBy" not in w]
    if status != 200 or [w["id"] for w in own] != [body["id"]] or any("secret" in w for w in listed["webhooks"]):
        fail(f"list: {status} {listed}")
    ok("listed without the secret")
    status, _ = call("GET", "/api/v1/webhooks", headers={"Authorization": "Basic " + base64.b64encode(b"frank:wrong").decode()})
    if status != 401:
        fail(f"a wrong Basic password reached the webhooks: {status}")
    ok("a wrong Basic password is refused (401)")
    save({"id": body["id"], "secret": body["secret"]})

elif PHASE == "deliver":
    state = load()
    # 1. First try: within the poll interval (+10 % jitter) + 2 s.
    control(0)
    subject = f"event-new-{uuid.uuid4().hex[:8]}"
    sent = time.time()
    send_mail(subject)
    posts = wait_for(lambda: posts_about(subject), INTERVAL * 1.1 + 2, f"message.new for {subject}")
    elapsed = time.time() - sent
    payload = verify(posts[0], state["secret"])
    if payload["type"] != "message.new" or payload["data"]["account"] != USER:
        fail(f"unexpected payload {payload}")
    ok(f"message.new arrived {elapsed:.2f} s after the SMTP send (poll interval {INTERVAL:.0f} s) and verifies with standardwebhooks")
    # 2. 500 twice: delivered on the third attempt, once, with one webhook-id.
    control(2)
    subject = f"event-retry-{uuid.uuid4().hex[:8]}"
    send_mail(subject)
    wait_for(lambda: any(p["status"] == 200 for p in posts_about(subject)), INTERVAL * 1.1 + 15, f"retried {subject}")
    time.sleep(3)  # a fourth attempt would show up here
    posts = posts_about(subject)
    if [p["status"] for p in posts] != [500, 500, 200]:
        fail(f"attempts answered {[p['status'] for p in posts]}, expected [500, 500, 200]")
    if len({p["headers"]["webhook-id"] for p in posts}) != 1:
        fail("the webhook-id changed between attempts")
    for post in posts:
        verify(post, state["secret"])
    ok("after two 500 answers the event arrived on the third attempt, once, with one webhook-id")
    status, deliveries = call("GET", f"/api/v1/webhooks/{state['id']}/deliveries")
    retried = [d for d in deliveries["deliveries"] if d["webhookId"] == posts[0]["headers"]["webhook-id"]]
    if status != 200 or len(retried) != 1 or [a["statusCode"] for a in retried[0]["attempts"]] != [500, 500, 200] \
            or retried[0]["status"] != "delivered":
        fail(f"deliveries list: {status} {retried}")
    ok("GET /webhooks/{id}/deliveries lists the three attempts")
    # 3. Deleting the message through the API gives message.deleted.
    message_id = json.loads(posts[0]["body"])["data"]["id"]
    status, _ = call("DELETE", f"/api/v1/messages/{message_id}")
    if status != 204:
        fail(f"delete: {status}")
    def deleted():
        return [p for p in received() if json.loads(p["body"])["type"] == "message.deleted"
                and json.loads(p["body"])["data"]["id"] == message_id]
    post = wait_for(deleted, INTERVAL * 1.1 + 2, "message.deleted")[0]
    verify(post, state["secret"])
    ok("deleting the message produced a signed message.deleted")

elif PHASE == "configured":
    # The operator declared a webhook for frank in the accounts file (CONFIGURED_SECRET).
    secret = os.environ["CONFIGURED_SECRET"]
    status, listed = call("GET", "/api/v1/webhooks")
    configured = [w for w in listed["webhooks"] if w.get("managedBy") == "configuration"]
    if status != 200 or len(configured) != 1 or configured[0]["url"] != RECEIVER + "/configured" or "secret" in configured[0]:
        fail(f"the declared webhook is not listed as managed by configuration: {status} {listed}")
    hook_id = configured[0]["id"]
    for method, body in [("DELETE", None), ("PATCH", {"url": RECEIVER + "/elsewhere"}), ("PATCH", {"rotateSecret": True})]:
        status, problem = call(method, f"/api/v1/webhooks/{hook_id}", body)
        if status != 409 or (problem or {}).get("code") != "webhook_managed_by_configuration":
            fail(f"{method} {body} on a declared webhook: {status} {problem}")
    ok("a declared webhook is listed (managedBy: configuration) and cannot be deleted, moved or rotated through the API (409)")
    control(0)
    subject = f"event-configured-{uuid.uuid4().hex[:8]}"
    send_mail(subject)
    post = wait_for(lambda: posts_about(subject, "/configured"), INTERVAL * 1.1 + 2, f"declared webhook for {subject}")[0]
    verify(post, secret)
    ok("the declared webhook received message.new signed with the operator's secret")

elif PHASE == "indexed":
    # The poller keeps a watched mailbox's search index current: once complete, new mail is
    # searchable as soon as its message.new went out, without waiting for an indexing job.
    def index_complete():
        time.sleep(0.5)
        status, page = call("GET", "/api/v1/messages?q=zzzznothing&limit=1")
        return status == 200 and page["index"]["complete"]
    wait_for(index_complete, 60, "a complete search index for frank")
    control(0)
    subject = f"indexed {uuid.uuid4().hex[:8]}"
    send_mail(subject)
    wait_for(lambda: posts_about(subject), INTERVAL * 1.1 + 2, f"message.new for {subject}")
    status, page = call("GET", f"/api/v1/messages?subject={urllib.parse.quote(subject.split()[1])}")
    if status != 200 or not page["index"]["complete"] or [m["subject"] for m in page["messages"]] != [subject]:
        fail(f"new mail not searchable right after its event: {status} {page}")
    ok("new mail in a watched mailbox is searchable as soon as its message.new is out (the poller feeds the index)")

elif PHASE == "sent":
    # message.sent: a subscriber gets one event per accepted submission, none for a same-key replay.
    status, hook = call("POST", "/api/v1/webhooks", {"url": RECEIVER + "/sent", "events": ["message.sent"]})
    if status != 201:
        fail(f"subscribe to message.sent: {status} {hook}")
    control(0)
    subject = f"event-sent-{uuid.uuid4().hex[:8]}"
    message = {"to": [f"erin@{ENV['DOMAIN']}", f"nobody-{uuid.uuid4().hex[:6]}@{ENV['DOMAIN']}"], "subject": subject, "text": "hi"}
    key = {"Idempotency-Key": f"sent-{uuid.uuid4().hex}"}
    status, result = call("POST", "/api/v1/send", message, headers=key)
    if status != 200:
        fail(f"send: {status} {result}")
    status, replay = call("POST", "/api/v1/send", message, headers=key)
    if status != 200 or replay["messageId"] != result["messageId"]:
        fail(f"replay: {status} {replay}")
    status, plain = call("POST", "/api/v1/send", dict(message, subject=subject + "-unkeyed"))
    if status != 200:
        fail(f"unkeyed send: {status} {plain}")

    def sent_posts():
        return [p for p in received() if p["path"] == "/sent"]
    wait_for(lambda: len(sent_posts()) >= 2, 10, "two message.sent deliveries")
    time.sleep(2)  # a third (the replay) would show up here
    posts = sent_posts()
    payloads = [verify(p, hook["secret"]) for p in posts]
    by_id = {p["data"]["messageId"]: p for p in payloads}
    if len(posts) != 2 or set(by_id) != {result["messageId"], plain["messageId"]}:
        fail(f"message.sent deliveries: {[p['data'].get('messageId') for p in payloads]}")
    data = by_id[result["messageId"]]["data"]
    if data["summary"]["subject"] != subject or data["accepted"] != result["accepted"] or data["account"] != USER:
        fail(f"message.sent data: {data}")
    ok("message.sent: one signed event per accepted send (keyed and unkeyed), none for the same-key replay, "
       "with the accepted recipients and the subject")

elif PHASE == "signedin":
    # erin signs in (a session, no API key); her mailbox is watched while the session lives.
    erin_password = "erin" + ENV.get("PASSWORD_SUFFIX", "-secret")
    status, session = call("POST", "/api/v1/sessions", {"username": "erin", "password": erin_password},
                           headers={"Authorization": None})
    if status != 201:
        fail(f"sign-in: {status} {session}")
    bearer = {"Authorization": "Bearer " + session["token"]}
    status, hook = call("POST", "/api/v1/webhooks", {"url": RECEIVER + "/hook", "events": ["message.new"]}, headers=bearer)
    if status != 201:
        fail(f"subscribe as a signed-in user: {status} {hook}")
    control(0)
    # Watched within the 10 s refresh, baseline within the first interval, then one more interval.
    time.sleep(10 + INTERVAL * 2.2 + 1)
    subject = f"event-session-{uuid.uuid4().hex[:8]}"
    send_mail(subject, "erin")
    post = wait_for(lambda: posts_about(subject), INTERVAL * 1.1 + 2, f"message.new for erin's {subject}")[0]
    payload = verify(post, hook["secret"])
    if payload["data"]["account"] != "erin":
        fail(f"unexpected payload {payload}")
    ok("a signed-in user's mailbox is watched: message.new for erin arrived, signed with her subscription's secret")
    status, _ = call("DELETE", "/api/v1/sessions/current", headers=bearer)
    if status != 204:
        fail(f"sign-out: {status}")
    time.sleep(10 + 1)  # the next refresh forgets the mailbox
    subject = f"event-after-signout-{uuid.uuid4().hex[:8]}"
    send_mail(subject, "erin")
    time.sleep(INTERVAL * 2.2 + 2)
    if posts_about(subject):
        fail("erin's mailbox was still polled after her last session ended")
    ok("after sign-out the mailbox is no longer watched (no event for new mail)")

elif PHASE == "prekill":
    state = load()
    control(-1, 503)
    subject = f"event-kill-{uuid.uuid4().hex[:8]}"
    send_mail(subject)
    posts = wait_for(lambda: posts_about(subject), INTERVAL * 1.1 + 2, f"first attempt for {subject}")
    state["kill"] = {"subject": subject, "webhookId": posts[0]["headers"]["webhook-id"]}
    save(state)
    ok(f"the receiver refused {posts[0]['headers']['webhook-id']} (503); killing Postillon now")

elif PHASE == "postkill":
    state = load()
    control(0)
    subject, webhook_id = state["kill"]["subject"], state["kill"]["webhookId"]
    wait_for(lambda: any(p["status"] == 200 for p in posts_about(subject)), 45, f"redelivery of {subject} after restart")
    time.sleep(2)
    posts = posts_about(subject)
    if {p["headers"]["webhook-id"] for p in posts} != {webhook_id}:
        fail(f"webhook-ids after restart: {[p['headers']['webhook-id'] for p in posts]}")
    if sum(1 for p in posts if p["status"] == 200) != 1:
        fail("delivered more than once after restart")
    verify(posts[-1], state["secret"])
    ok(f"after SIGKILL and restart the event was delivered once with the same webhook-id {webhook_id}")
elif PHASE == "replicas":
    # Several Postillon replicas on one PostgreSQL watch the same mailbox: every event exactly once.
    state = load()
    control(0)
    subjects = [f"event-replica-{i}-{uuid.uuid4().hex[:6]}" for i in range(5)]
    for subject in subjects:
        send_mail(subject)
        time.sleep(0.3)
    wait_for(lambda: all(posts_about(s) for s in subjects), INTERVAL * 1.1 + 10, "every replica-run event")
    window_start = time.time()
    time.sleep(INTERVAL * 2 + 2)  # duplicates, if any, would arrive by now
    window = time.time() - window_start
    # Only the poller logs in as frank now: with one lease per mailbox that is one login per
    # interval across all replicas, not one per replica.
    logins = polls_in_window(window_start, window_start + window)
    most = int(window / (INTERVAL * 0.9)) + 1
    if logins > most:
        fail(f"{logins} POP3 logins as {USER} in {window:.0f} s across the replicas (interval {INTERVAL:.0f} s): "
             f"the mailbox was polled by more than one replica at a time")
    ok(f"{logins} POP3 logins as {USER} in {window:.0f} s across three replicas (at most {most} for one poller)")
    for subject in subjects:
        posts = posts_about(subject)
        if len(posts) != 1 or posts[0]["status"] != 200:
            fail(f"{subject}: {len(posts)} deliveries {[p['headers']['webhook-id'] for p in posts]}, expected exactly one")
        verify(posts[0], state["secret"])
    ids = [json.loads(p["body"])["data"]["id"] for p in received()
           if p["path"] == "/hook" and json.loads(p["body"])["type"] == "message.new"]
    if len(ids) != len(set(ids)):
        fail("a message produced more than one message.new event")
    ok(f"{len(subjects)} messages -> {len(subjects)} message.new deliveries, each exactly once, across the replicas")
else:
    fail(f"unknown phase {PHASE}")
