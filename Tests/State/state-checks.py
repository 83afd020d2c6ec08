#!/usr/bin/env python3
"""Cross-replica (or single-process) checks of Postillon's state store, against real servers.

Usage: state-checks.py before|after|limits STATE_JSON MAIL_ENV URL [URL ...]
  before  sign-in on A / use on B / sign-out on C; one delivery for a key sent to all at once;
          failed logins share one limit (counted in Dovecot's log); a flag set on A is seen on C;
          leaves a live session token and a flagged message in STATE_JSON for `after`.
  after   (after every process restarted) the session and the flag are still there.
  limits  only the login-limit checks (they also run in `before`).
The processes must trust X-Forwarded-For from 127.0.0.1 (--trusted-proxies 127.0.0.1): the
lock-out check plays clients at two addresses.
With one URL every check runs against the same process.
"""
import base64, json, os, sys, threading, time, urllib.error, urllib.request, uuid

phase, state_path, env_path, urls = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
env = dict(line.strip().split("=", 1) for line in open(env_path) if "=" in line)
def password(user): return user + env["PASSWORD_SUFFIX"]
A, B, C = (urls * 3)[:3]
failures = []

def call(base, method, path, body=None, headers=None, token=None, basic=None):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: request.add_header("Content-Type", "application/json")
    if token: request.add_header("Authorization", "Bearer " + token)
    if basic: request.add_header("Authorization", "Basic " + base64.b64encode(basic.encode()).decode())
    for name, value in (headers or {}).items(): request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read()
            return response.status, dict(response.headers), (json.loads(raw) if raw[:1] in (b"{", b"[") else raw)
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), (json.loads(raw) if raw[:1] == b"{" else raw)

def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition: failures.append(what)

def sign_in(base, user):
    status, _, body = call(base, "POST", "/api/v1/sessions", {"username": user, "password": password(user)})
    check(status == 201, f"sign in {user} on {base} -> {status}")
    return body["token"]

def maildir_count(user, needle):
    count = 0
    root = os.path.join(env["MAIL_ROOT"], user, "Maildir")
    for sub in ("new", "cur"):
        folder = os.path.join(root, sub)
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            with open(os.path.join(folder, name), "rb") as handle:
                if needle.encode() in handle.read(): count += 1
    return count

def limit_checks():
    # Failed logins spread over A, B, C share one limit: 10 per (client, user) per window, and at
    # most that many reach the mail server (counted in Dovecot's log).
    log = env.get("DOVECOT_LOG")
    offset = os.path.getsize(log) if log and os.path.exists(log) else 0
    statuses = []
    lock = threading.Lock()
    def guess(index):
        status = call(urls[index % len(urls)], "POST", "/api/v1/sessions", {"username": "frank", "password": "wrong-%d" % index})[0]
        with lock: statuses.append(status)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(60)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    refused, limited = statuses.count(401), statuses.count(429)
    check(refused == 10 and limited == 50, f"60 parallel bad logins over {len(urls)} process(es): {refused} x 401, {limited} x 429")
    if log and os.path.exists(log):
        time.sleep(1)
        with open(log, "rb") as handle:
            handle.seek(offset)
            upstream = sum(1 for line in handle.read().decode(errors="replace").splitlines()
                           if "user=<frank>" in line and "auth failed" in line)
        check(upstream <= 10, f"{upstream} bad logins reached Dovecot (limit 10)")
    # A stranger guessing at bob's password from another address cannot lock bob out.
    stranger = {"X-Forwarded-For": "203.0.113.7"}
    for index in range(12):
        call(urls[index % len(urls)], "POST", "/api/v1/sessions", {"username": "bob", "password": "guess"}, stranger)
    status = call(C, "POST", "/api/v1/sessions", {"username": "bob", "password": password("bob")}, {"X-Forwarded-For": "198.51.100.9"})[0]
    check(status == 201, f"bob signs in from his own address after 12 guesses from a stranger's -> {status}")
    status = call(A, "POST", "/api/v1/sessions", {"username": "bob", "password": password("bob")}, stranger)[0]
    check(status == 429, f"the stranger's address is blocked for bob -> {status}")

if phase == "limits":
    limit_checks()
elif phase == "before":
    # 1. Sessions are shared: sign in on A, use on B, sign out on C -> 401 on A and B.
    token = sign_in(A, "carol")
    check(call(B, "GET", "/api/v1/mailbox", token=token)[0] == 200, "token from A works on B")
    check(call(C, "DELETE", "/api/v1/sessions/current", token=token)[0] == 204, "sign out on C")
    check(call(A, "GET", "/api/v1/mailbox", token=token)[0] == 401, "signed-out token refused on A")
    check(call(B, "GET", "/api/v1/mailbox", token=token)[0] == 401, "signed-out token refused on B")

    # 2. One Idempotency-Key sent to A, B and C at once -> one delivery, two replays.
    marker = "state-" + uuid.uuid4().hex
    message = {"to": ["dave@" + env["DOMAIN"]], "subject": marker, "text": "once " + marker}
    key = uuid.uuid4().hex
    results = [None] * 3
    def send(index, base):
        results[index] = call(base, "POST", "/api/v1/send", message, {"Idempotency-Key": key}, basic="alice:" + password("alice"))
    threads = [threading.Thread(target=send, args=(i, base)) for i, base in enumerate([A, B, C])]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    statuses = [r[0] for r in results]
    replayed = sum(1 for r in results if r[1].get("Idempotent-Replayed") == "true")
    check(statuses == [200, 200, 200], f"concurrent keyed sends answered {statuses}")
    check(replayed == 2, f"{replayed} of 3 were replays")
    deadline = time.time() + 20
    while maildir_count("dave", marker) < 1 and time.time() < deadline: time.sleep(0.2)
    time.sleep(1.5)
    delivered = maildir_count("dave", marker)
    check(delivered == 1, f"delivered {delivered} time(s) (maildir count)")

    # 3. Login limits, shared by every process.
    limit_checks()

    # 4. A flag set on A is seen on C; the token that stays signed in is kept for `after`.
    token = sign_in(A, "erin")
    status, _, page = call(A, "GET", "/api/v1/messages?limit=3", token=token)
    check(status == 200 and len(page["messages"]) >= 2, "list on A")
    first, second = page["messages"][0]["id"], page["messages"][1]["id"]
    status, _, body = call(A, "PATCH", "/api/v1/messages/" + first, {"flagged": True, "seen": True}, token=token)
    check(status == 200 and body == {"id": first, "seen": True, "flagged": True}, f"PATCH flags on A -> {status} {body}")
    status, _, body = call(B, "POST", "/api/v1/messages/flags", {"ids": [second, "bm9uZQ"], "seen": True}, token=token)
    check(status == 200 and body["notFound"] == ["bm9uZQ"] and body["updated"][0]["seen"], f"bulk flags on B -> {status}")
    status, _, page = call(C, "GET", "/api/v1/messages?flagged=true", token=token)
    check(status == 200 and [m["id"] for m in page["messages"]] == [first] and page["total"] == 1, "flag from A seen on C (filter)")
    status, _, page = call(C, "GET", "/api/v1/messages?seen=false&limit=200", token=token)
    check(status == 200 and first not in [m["id"] for m in page["messages"]] and second not in [m["id"] for m in page["messages"]],
          "seen=false leaves out the read ones")
    status, _, message = call(C, "GET", "/api/v1/messages/" + first, token=token)
    check(status == 200 and message["flagged"] is True and message["seen"] is True, "message view carries the flags")
    json.dump({"token": token, "flagged": first}, open(state_path, "w"))
else:
    saved = json.load(open(state_path))
    for base in urls:
        status, _, page = call(base, "GET", "/api/v1/messages?flagged=true", token=saved["token"])
        check(status == 200, f"session survived the restart on {base} -> {status}")
        check(status == 200 and [m["id"] for m in page["messages"]] == [saved["flagged"]], f"flag survived the restart on {base}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
