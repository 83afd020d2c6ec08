#!/usr/bin/env python3
"""Validate real Postillon responses against its OpenAPI 3.1 document.

Usage: validate_responses.py --base-url URL --user USER --password PASSWORD --smtp-port N [--domain mail.test]

Makes real requests against a running service (with real mail servers behind it) for every
route in the document it serves at /api/v1/openapi.json: success cases and the error cases
401, 404 (not_found, message_not_found, attachment_not_found), 405, 400 (invalid_parameter,
invalid_cursor, unknown_field, invalid_json), 413, 415, 422. For each response it checks the
status code, that the document lists that status for the path and method, the Content-Type
against the documented media types, and the JSON body against the documented schema with
jsonschema (Draft 2020-12; `$ref`s resolved within the document through a `referencing`
Registry). Problems must also carry the HTTP status and the X-Request-Id. Routes the router
answers outside any path (unknown route, wrong method) are checked against the Problem schema.

It delivers its own disposable messages to USER@DOMAIN through the plain SMTP port (one with
an attachment, four to delete) and deletes what it created. POST /api/v1/send is probed first:
while the server answers 404/405 for it, its checks print SKIP.

Prints one line per check and a final "N passed, M failed[, K skipped]" line; exits 1 on any failure.
Needs: jsonschema >= 4.18 and referencing (pip install jsonschema).
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import smtplib
import socket
import sys
import time
import uuid
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC_URI = "urn:postillon:openapi"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


# ------------------------------------------------------------------ HTTP

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def media_type(self):
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Client:
    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")

    def request(self, method, path, body=None, headers=None, json_body=None):
        headers = dict(headers or {})
        headers.setdefault("Accept", "application/json")
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, self.prefix + path, body=body, headers=headers)
            raw = conn.getresponse()
            return Response(raw.status, raw.getheaders(), raw.read())
        finally:
            conn.close()

    def stream_start(self, path, headers=None):
        """GET of an endless stream: the head and the first piece of the body, then the connection is closed."""
        headers = dict(headers or {})
        headers.setdefault("Accept", "text/event-stream")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("GET", self.prefix + path, headers=headers)
            raw = conn.getresponse()
            return Response(raw.status, raw.getheaders(), raw.read1(65536) if raw.status == 200 else raw.read())
        finally:
            conn.close()

    def oversized(self, method, path, length, headers):
        """Sends only a request head announcing `length` body bytes and reads the answer."""
        lines = [f"{method} {self.prefix + path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {length}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        with socket.create_connection((self.host, self.port), timeout=30) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            data = b""
            while True:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                data += chunk
                head, sep, rest = data.partition(b"\r\n\r\n")
                if sep:
                    hdrs = [line.split(":", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ":" in line]
                    size = next((int(v) for k, v in hdrs if k.strip().lower() == "content-length"), None)
                    if size is not None and len(rest) >= size:
                        break
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        hdrs = [(k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in header_lines if ":" in line)]
        return Response(status, hdrs, rest)


# ------------------------------------------------------------------ OpenAPI

def pointer_escape(token):
    return token.replace("~", "~0").replace("/", "~1")


class Document:
    def __init__(self, doc):
        self.doc = doc
        resource = Resource.from_contents(doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOC_URI, resource)
        checker = FormatChecker()

        @checker.checks("date-time", raises=ValueError)
        def _date_time(value):
            if not isinstance(value, str):
                return True
            if "T" not in value.upper():
                raise ValueError("not an RFC 3339 date-time")
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            return True

        self.format_checker = checker

    def resolve(self, obj, pointer):
        """Follows a chain of local $refs; returns (object, its JSON pointer)."""
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"non-local $ref {ref}")
            pointer = ref[1:]
            obj = self.doc
            for token in ref[2:].split("/"):
                obj = obj[token.replace("~1", "/").replace("~0", "~")]
        return obj, pointer

    def operations(self):
        return {(path, method) for path, item in self.doc["paths"].items() for method in item if method in METHODS}

    def response(self, path, method, status):
        """The documented response object and its pointer, or (None, None)."""
        operation = self.doc["paths"].get(path, {}).get(method.lower())
        if operation is None:
            return None, None
        responses = operation.get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                pointer = f"/paths/{pointer_escape(path)}/{method.lower()}/responses/{key}"
                return self.resolve(responses[key], pointer)
        return None, None

    def validator(self, pointer):
        schema = {"$ref": f"{DOC_URI}#{pointer}"}
        return Draft202012Validator(schema, registry=self.registry, format_checker=self.format_checker)


# ------------------------------------------------------------------ checks

class Report:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.covered = set()   # (path, method) with a documented 2xx checked

    def result(self, name, problems, info=""):
        if problems:
            self.failed += 1
            print(f"FAIL  {name}: " + "; ".join(problems), flush=True)
        else:
            self.passed += 1
            print(f"PASS  {name}" + (f"  [{info}]" if info else ""), flush=True)
        return not problems

    def skip(self, name, why):
        self.skipped += 1
        print(f"SKIP  {name}: {why}", flush=True)


class Checker:
    def __init__(self, client, document, report):
        self.client = client
        self.doc = document
        self.report = report

    def check(self, label, method, template, response, status, code=None, undocumented=False, extra=None):
        """Validates `response` for `method template` against the document; returns the parsed body or None."""
        name = f"{method} {template} -> {status}" + (f" {code}" if code else "") + (f" ({label})" if label else "")
        problems = []
        body = None
        if response.status != status:
            problems.append(f"status {response.status}, expected {status}; body: {response.body[:300]!r}")
            self.report.result(name, problems)
            return None

        media = response.media_type
        schema_pointer = None
        if undocumented:
            # Answered by the router itself (no route / wrong method): a problem document.
            if media != "application/problem+json":
                problems.append(f"Content-Type {media!r}, expected application/problem+json")
            schema_pointer = "/components/schemas/Problem"
            info = "Problem schema (router answer, not a documented operation)"
        else:
            documented, pointer = self.doc.response(template, method, status)
            if documented is None:
                problems.append(f"status {status} is not documented for {method} {template}")
                self.report.result(name, problems)
                return None
            content = documented.get("content")
            if not content:
                if response.body:
                    problems.append(f"documented without content but has a {len(response.body)}-byte body")
                info = "no content"
            else:
                key = media if media in content else ("*/*" if "*/*" in content else None)
                if key is None:
                    problems.append(f"Content-Type {media!r} not among documented {sorted(content)}")
                elif "schema" in content[key] and (key.endswith("json") or media.endswith("json")):
                    schema_pointer = f"{pointer}/content/{pointer_escape(key)}/schema"
                info = f"{media or 'no content type'} vs {pointer}"

        if schema_pointer and not problems:
            try:
                body = response.json()
            except (ValueError, UnicodeDecodeError) as err:
                problems.append(f"body is not JSON: {err}")
            else:
                errors = sorted(self.doc.validator(schema_pointer).iter_errors(body), key=lambda e: list(e.path))
                for err in errors[:5]:
                    where = "/".join(str(p) for p in err.absolute_path) or "(root)"
                    problems.append(f"schema: {where}: {err.message[:200]}")
                if isinstance(body, dict) and media == "application/problem+json":
                    if body.get("status") != response.status:
                        problems.append(f"problem status {body.get('status')} != HTTP {response.status}")
                    if response.header("x-request-id") and body.get("requestId") != response.header("x-request-id"):
                        problems.append("problem requestId differs from X-Request-Id")
                    if code and body.get("code") != code:
                        problems.append(f"code {body.get('code')!r}, expected {code!r}")
        if extra and not problems:
            problems += [p for p in extra(response, body) if p]
        ok = self.report.result(name, problems, info)
        if ok and 200 <= status < 300 and not undocumented:
            self.report.covered.add((template, method.lower()))
        return body if ok else None


# ------------------------------------------------------------------ fixtures

def deliver(smtp_port, to, token):
    """Delivers one message with an attachment and four plain ones; returns their subjects and the PDF bytes."""
    payload = b"%PDF-1.4\n" + os.urandom(4096) + b"\n%%EOF\n"
    subjects = {"attachment": f"API check attachment {token}"}
    messages = []
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = f"API Check <apicheck@{to.split('@')[1]}>", to, subjects["attachment"]
    msg["Date"], msg["Message-ID"] = formatdate(localtime=True), make_msgid(domain="mail.test")
    msg.set_content("Prüfnachricht mit Anhang.\n", charset="utf-8")
    msg.add_attachment(payload, maintype="application", subtype="pdf", filename="prüfung.pdf")
    messages.append(msg)
    for i in range(1, 5):
        subjects[f"delete{i}"] = f"API check delete {token} #{i}"
        doomed = EmailMessage()
        doomed["From"], doomed["To"], doomed["Subject"] = f"apicheck@{to.split('@')[1]}", to, subjects[f"delete{i}"]
        doomed["Date"], doomed["Message-ID"] = formatdate(localtime=True), make_msgid(domain="mail.test")
        doomed.set_content(f"Wegwerfnachricht {i}.\n", charset="utf-8")
        messages.append(doomed)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        for message in messages:
            smtp.send_message(message, from_addr=f"apicheck@{to.split('@')[1]}", to_addrs=[to])
    return subjects, payload


def wait_for(client, auth, subjects, timeout=60):
    """Polls the list until every subject is there; returns {subject: id}."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.request("GET", "/api/v1/messages?limit=200", headers=auth)
        if response.status == 200:
            found = {m["subject"]: m["id"] for m in response.json()["messages"] if m.get("subject") in subjects}
            if len(found) == len(subjects):
                return found
        if time.monotonic() > deadline:
            raise SystemExit(f"validate_responses: fixture messages not listed after {timeout}s")
        time.sleep(0.5)


# ------------------------------------------------------------------ main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--domain", default="mail.test")
    args = parser.parse_args()
    sys.stdout.reconfigure(encoding="utf-8", line_buffering=True)

    client = Client(args.base_url)
    report = Report()
    address = f"{args.user}@{args.domain}"

    # The document, from the server itself.
    response = client.request("GET", "/api/v1/openapi.json")
    if response.status != 200:
        print(f"FAIL  GET /api/v1/openapi.json -> {response.status}")
        print("0 passed, 1 failed")
        return 1
    document = Document(response.json())
    c = Checker(client, document, report)

    def extra_openapi(resp, body):
        yield None if str(body.get("openapi", "")).startswith("3.1") else f"openapi is {body.get('openapi')!r}"
        yield None if body.get("paths") else "no paths"
    c.check("", "GET", "/api/v1/openapi.json", response, 200, extra=extra_openapi)
    local = os.path.join(os.path.dirname(__file__), "..", "..", "Public", "openapi.json")
    if os.path.exists(local):
        with open(local, encoding="utf-8") as fh:
            same = json.load(fh) == document.doc
        report.result("served openapi.json equals Public/openapi.json", [] if same else ["they differ"])

    # Health.
    c.check("", "GET", "/api/v1/health", client.request("GET", "/api/v1/health"), 200)
    c.check("", "GET", "/api/v1/ready", client.request("GET", "/api/v1/ready"), 200,
            extra=lambda r, b: [None if b["status"] == "ready" else f"status {b['status']}"])

    # Metrics on the public listener: only with the operator token (e2e.sh configures one).
    operator = os.environ.get("POSTILLON_E2E_OPERATOR_TOKEN")
    if operator:
        c.check("no operator token", "GET", "/metrics", client.request("GET", "/metrics"), 401, "unauthorized")
        c.check("operator token", "GET", "/metrics", client.request("GET", "/metrics", headers={"Authorization": "Bearer " + operator}), 200,
                extra=lambda r, b: [None if b"postillon_http_requests_total" in r.body else "no postillon_http_requests_total family"])

    # Fixtures (delivered through Postfix, read back through POP3).
    token = uuid.uuid4().hex[:8]
    basic = {"Authorization": "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()}
    subjects, payload = deliver(args.smtp_port, address, token)
    ids = wait_for(client, basic, set(subjects.values()))
    ids = {key: ids[subject] for key, subject in subjects.items()}

    # Sessions.
    sessions = "/api/v1/sessions"
    session = c.check("sign in", "POST", sessions,
                      client.request("POST", sessions, json_body={"username": args.user, "password": args.password}), 201,
                      extra=lambda r, b: [None if b["address"] == address else f"address {b['address']!r}"])
    if session is None:
        print(f"{report.passed} passed, {report.failed + 1} failed (no session, cannot go on)")
        return 1
    bearer = {"Authorization": f"Bearer {session['token']}"}
    c.check("wrong password", "POST", sessions,
            client.request("POST", sessions, json_body={"username": args.user, "password": "wrong-" + token}),
            401, "auth_failed", extra=lambda r, b: [None if r.header("www-authenticate") else "no WWW-Authenticate"])
    c.check("broken JSON", "POST", sessions,
            client.request("POST", sessions, body=b'{"username": "x",', headers={"Content-Type": "application/json"}),
            400, "invalid_json")
    c.check("extra field", "POST", sessions,
            client.request("POST", sessions, json_body={"username": args.user, "password": "x", "remember": True}),
            400, "unknown_field")
    c.check("missing password", "POST", sessions,
            client.request("POST", sessions, json_body={"username": args.user}), 422, "validation_failed")
    c.check("text/plain body", "POST", sessions,
            client.request("POST", sessions, body=b"user=x", headers={"Content-Type": "text/plain"}),
            415, "unsupported_media_type")
    # With plausible credentials the route's own limit answers 413; without any, a body over the
    # small pre-authentication limit is refused with 401 before it is read (issue 11).
    c.check("body over --max-body-bytes", "POST", sessions,
            client.oversized("POST", sessions, 64 * 1024 * 1024,
                             {"Content-Type": "application/json",
                              "Authorization": "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()}),
            413, "payload_too_large")
    c.check("large body without credentials", "POST", sessions,
            client.oversized("POST", sessions, 64 * 1024 * 1024, {"Content-Type": "application/json"}), 401, "unauthorized")

    # Mailbox and auth errors.
    c.check("bearer", "GET", "/api/v1/mailbox", client.request("GET", "/api/v1/mailbox", headers=bearer), 200)
    c.check("basic", "GET", "/api/v1/mailbox", client.request("GET", "/api/v1/mailbox", headers=basic), 200)
    c.check("no credentials", "GET", "/api/v1/mailbox", client.request("GET", "/api/v1/mailbox"), 401, "unauthorized",
            extra=lambda r, b: [None if r.header("www-authenticate") else "no WWW-Authenticate"])
    c.check("unknown token", "GET", "/api/v1/mailbox",
            client.request("GET", "/api/v1/mailbox", headers={"Authorization": "Bearer nope" + token}), 401, "unauthorized")

    # List with cursor.
    listing = "/api/v1/messages"
    page1 = c.check("limit=2", "GET", listing, client.request("GET", listing + "?limit=2", headers=bearer), 200,
                    extra=lambda r, b: [None if len(b["messages"]) == 2 and b["nextCursor"] else "no full first page",
                                        None if all(str(m["messageId"]).startswith("<") for m in b["messages"]
                                                    if m["messageId"]) else "messageId without <>"])
    if page1 and page1.get("nextCursor"):
        first_ids = {m["id"] for m in page1["messages"]}
        c.check("cursor page", "GET", listing,
                client.request("GET", f"{listing}?limit=2&cursor={quote(page1['nextCursor'])}", headers=bearer), 200,
                extra=lambda r, b: [None if b["messages"] and not first_ids & {m["id"] for m in b["messages"]}
                                    else "second page empty or overlapping"])
    c.check("limit=0", "GET", listing, client.request("GET", listing + "?limit=0", headers=bearer), 400, "invalid_parameter")
    c.check("limit=abc", "GET", listing, client.request("GET", listing + "?limit=abc", headers=bearer), 400, "invalid_parameter")
    c.check("bad cursor", "GET", listing, client.request("GET", listing + "?cursor=garbage", headers=bearer), 400, "invalid_cursor")
    c.check("no credentials", "GET", listing, client.request("GET", listing), 401, "unauthorized")

    # Postillon's own flags (the state store): one message, then in bulk, then reset.
    if page1 and page1.get("messages"):
        flag_id = page1["messages"][0]["id"]
        one_flags = f"/api/v1/messages/{flag_id}"
        c.check("flag one", "PATCH", "/api/v1/messages/{id}",
                client.request("PATCH", one_flags, headers=bearer, json_body={"flagged": True}), 200,
                extra=lambda r, b: [None if b.get("flagged") is True else "flag not set"])
        c.check("flags in bulk", "POST", "/api/v1/messages/flags",
                client.request("POST", "/api/v1/messages/flags", headers=bearer, json_body={"ids": [flag_id], "flagged": False}), 200)

    # Webhook subscriptions (the e2e server allow-lists loopback for webhook targets).
    hooks = "/api/v1/webhooks"
    created = c.check("create webhook", "POST", hooks,
                      client.request("POST", hooks, headers=bearer,
                                     json_body={"url": "https://127.0.0.1:9/postillon-e2e", "events": ["message.new"]}), 201)
    if created and created.get("id"):
        hook = f"{hooks}/{created['id']}"
        c.check("list webhooks", "GET", hooks, client.request("GET", hooks, headers=bearer), 200)
        c.check("get webhook", "GET", "/api/v1/webhooks/{id}", client.request("GET", hook, headers=bearer), 200)
        c.check("disable webhook", "PATCH", "/api/v1/webhooks/{id}",
                client.request("PATCH", hook, headers=bearer, json_body={"enabled": False}), 200)
        c.check("deliveries", "GET", "/api/v1/webhooks/{id}/deliveries", client.request("GET", hook + "/deliveries", headers=bearer), 200)
        c.check("retry unknown delivery", "POST", "/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
                client.request("POST", hook + "/deliveries/dl_unknown/retry", headers=bearer), 404)
        c.check("delete webhook", "DELETE", "/api/v1/webhooks/{id}", client.request("DELETE", hook, headers=bearer), 204)

    # The live event stream: the head and its first frame (the retry hint), then hang up.
    events = "/api/v1/events"
    c.check("event stream", "GET", events, client.stream_start(events, headers=bearer), 200,
            extra=lambda r, b: [None if r.body.startswith(b"retry: ") else f"first frame {r.body[:60]!r}",
                                None if r.header("cache-control") == "no-cache" else "no Cache-Control: no-cache"])
    c.check("event stream, bad Last-Event-ID", "GET", events,
            client.stream_start(events, headers={**bearer, "Last-Event-ID": "x1"}), 400, "invalid_last_event_id")
    c.check("event stream, no credentials", "GET", events, client.stream_start(events), 401, "unauthorized")

    # One message: parsed, raw, attachment.
    one = "/api/v1/messages/{id}"
    att_id = ids["attachment"]
    message = c.check("parsed, with attachment", "GET", one, client.request("GET", f"/api/v1/messages/{att_id}", headers=bearer), 200,
                      extra=lambda r, b: [None if b["subject"] == subjects["attachment"] else f"subject {b['subject']!r}",
                                          None if b["attachments"] else "no attachments",
                                          None if "ü" in (b["text"] or "") else "text not decoded"])
    c.check("unknown id", "GET", one, client.request("GET", "/api/v1/messages/NoSuchMessage0", headers=bearer), 404, "message_not_found")
    c.check("no credentials", "GET", one, client.request("GET", f"/api/v1/messages/{att_id}"), 401, "unauthorized")

    raw = "/api/v1/messages/{id}/raw"
    c.check("", "GET", raw, client.request("GET", f"/api/v1/messages/{att_id}/raw", headers=bearer), 200,
            extra=lambda r, b: [None if subjects["attachment"].encode() in r.body or b"Subject:" in r.body else "not the message"])
    c.check("unknown id", "GET", raw, client.request("GET", "/api/v1/messages/NoSuchMessage0/raw", headers=bearer), 404, "message_not_found")

    part_route = "/api/v1/messages/{id}/attachments/{partId}"
    if message and message.get("attachments"):
        part = message["attachments"][0]
        url = f"/api/v1/messages/{att_id}/attachments/{quote(part['partId'], safe='')}"
        digest = hashlib.sha256(payload).hexdigest()
        c.check("bytes", "GET", part_route, client.request("GET", url, headers=bearer), 200,
                extra=lambda r, b: [None if hashlib.sha256(r.body).hexdigest() == digest else "bytes differ",
                                    None if r.media_type == part["contentType"] else f"Content-Type {r.media_type!r}",
                                    None if "attachment" in (r.header("content-disposition") or "") else "no Content-Disposition"])
        # inline=1 is honoured for raster images only: a PDF stays an attachment.
        c.check("inline=1 on a PDF", "GET", part_route, client.request("GET", url + "?inline=1", headers=bearer), 200,
                extra=lambda r, b: [None if (r.header("content-disposition") or "").startswith("attachment")
                                    else f"Content-Disposition {r.header('content-disposition')!r}"])
        # The document allows 400 invalid_parameter for a bad value; the server may also ignore it (200).
        odd = client.request("GET", url + "?inline=maybe", headers=bearer)
        if odd.status == 200:
            c.check("inline=maybe, ignored by the server", "GET", part_route, odd, 200)
        else:
            c.check("inline=maybe", "GET", part_route, odd, 400, "invalid_parameter")
    else:
        report.result(f"GET {part_route} -> 200", ["no attachment in the parsed message"])
    c.check("unknown part", "GET", part_route,
            client.request("GET", f"/api/v1/messages/{att_id}/attachments/99", headers=bearer), 404, "attachment_not_found")
    c.check("unknown message", "GET", part_route,
            client.request("GET", "/api/v1/messages/NoSuchMessage0/attachments/2", headers=bearer), 404, "message_not_found")

    # Router answers: unknown route, wrong method.
    c.check("unknown route", "GET", "/api/v1/no-such-route", client.request("GET", "/api/v1/no-such-route", headers=bearer),
            404, "not_found", undocumented=True)
    c.check("wrong method", "PUT", "/api/v1/mailbox", client.request("PUT", "/api/v1/mailbox", headers=bearer),
            405, "method_not_allowed", undocumented=True,
            extra=lambda r, b: [None if "GET" in (r.header("allow") or "") else f"Allow {r.header('allow')!r}"])

    # Delete one.
    c.check("", "DELETE", one, client.request("DELETE", f"/api/v1/messages/{ids['delete1']}", headers=bearer), 204)
    c.check("already deleted", "DELETE", one,
            client.request("DELETE", f"/api/v1/messages/{ids['delete1']}", headers=bearer), 404, "message_not_found")

    # Bulk delete with Idempotency-Key replay.
    bulk = "/api/v1/messages/delete"
    key = f"api-check-{token}"
    request_ids = [ids["delete2"], ids["delete3"], "NoSuchMessage0"]
    expected = {"deleted": [ids["delete2"], ids["delete3"]], "notFound": ["NoSuchMessage0"]}
    first = c.check("with Idempotency-Key", "POST", bulk,
                    client.request("POST", bulk, json_body={"ids": request_ids}, headers={**bearer, "Idempotency-Key": key}), 200,
                    extra=lambda r, b: [None if sorted(b["deleted"]) == sorted(expected["deleted"]) and b["notFound"] == expected["notFound"]
                                        else f"result {b}"])
    c.check("replay, same key and body", "POST", bulk,
            client.request("POST", bulk, json_body={"ids": request_ids}, headers={**bearer, "Idempotency-Key": key}), 200,
            extra=lambda r, b: [None if r.header("idempotent-replayed") == "true" else "no Idempotent-Replayed: true",
                                None if b == first else f"replay differs: {b} vs {first}"])
    c.check("same key, other body", "POST", bulk,
            client.request("POST", bulk, json_body={"ids": [ids["delete4"]]}, headers={**bearer, "Idempotency-Key": key}),
            422, "idempotency_key_reused")
    c.check("broken JSON", "POST", bulk,
            client.request("POST", bulk, body=b"{", headers={**bearer, "Content-Type": "application/json"}), 400, "invalid_json")
    c.check("extra field", "POST", bulk,
            client.request("POST", bulk, json_body={"ids": [ids["delete4"]], "force": True}, headers=bearer), 400, "unknown_field")
    c.check("empty ids", "POST", bulk, client.request("POST", bulk, json_body={"ids": []}, headers=bearer), 422, "validation_failed")
    c.check("text/plain body", "POST", bulk,
            client.request("POST", bulk, body=b"ids", headers={**bearer, "Content-Type": "text/plain"}), 415, "unsupported_media_type")
    c.check("body over --max-body-bytes", "POST", bulk,
            client.oversized("POST", bulk, 64 * 1024 * 1024, {**bearer, "Content-Type": "application/json"}), 413, "payload_too_large")
    c.check("no credentials", "POST", bulk, client.request("POST", bulk, json_body={"ids": ["x"]}), 401, "unauthorized")
    c.check("without key, the rest", "POST", bulk,
            client.request("POST", bulk, json_body={"ids": [ids["delete4"], att_id]}, headers=bearer), 200,
            extra=lambda r, b: [None if sorted(b["deleted"]) == sorted([ids["delete4"], att_id]) else f"result {b}"])

    # Send (being merged from another branch).
    send = "/api/v1/send"
    probe = client.request("POST", send, json_body={})
    send_names = ["200 with attachment", "Idempotency-Key replay", "422 idempotency_key_reused", "422 validation_failed",
                  "400 unknown_field", "400 invalid_base64", "400 invalid_json", "415", "413", "401"]
    if probe.status in (404, 405):
        for name in send_names:
            report.skip(f"POST {send} {name}", f"the server answers {probe.status} for POST {send} (route not in this build yet)")
    else:
        c.check("no credentials", "POST", send, probe, 401, "unauthorized")
        send_key = f"api-send-{token}"
        attachment = base64.b64encode(b"Gr\xc3\xbc\xc3\x9fe " + os.urandom(64)).decode()
        body = {"to": [address], "subject": f"API check send {token} – Grüße", "text": "Grüße aus dem Test.\n",
                "attachments": [{"filename": "grüße.bin", "contentType": "application/octet-stream", "content": attachment}]}
        sent = c.check("with attachment", "POST", send,
                       client.request("POST", send, json_body=body, headers={**bearer, "Idempotency-Key": send_key}), 200,
                       extra=lambda r, b: [None if address in [a.lower() for a in b["accepted"]] else f"accepted {b['accepted']}",
                                           None if str(b["messageId"]).startswith("<") else "messageId without <>"])
        c.check("replay, same key and body", "POST", send,
                client.request("POST", send, json_body=body, headers={**bearer, "Idempotency-Key": send_key}), 200,
                extra=lambda r, b: [None if r.header("idempotent-replayed") == "true" else "no Idempotent-Replayed: true",
                                    None if b == sent else "replay differs"])
        c.check("same key, other body", "POST", send,
                client.request("POST", send, json_body={**body, "subject": "other"}, headers={**bearer, "Idempotency-Key": send_key}),
                422, "idempotency_key_reused")
        c.check("no recipient", "POST", send,
                client.request("POST", send, json_body={"subject": "x", "text": "y"}, headers=bearer), 422, "validation_failed")
        c.check("extra field", "POST", send,
                client.request("POST", send, json_body={"to": [address], "priority": "high"}, headers=bearer), 400, "unknown_field")
        c.check("bad base64", "POST", send,
                client.request("POST", send, json_body={"to": [address], "text": "x",
                                                        "attachments": [{"filename": "a.bin", "content": "!!not base64!!"}]},
                               headers=bearer), 400, "invalid_base64")
        c.check("broken JSON", "POST", send,
                client.request("POST", send, body=b'{"to":', headers={**bearer, "Content-Type": "application/json"}), 400, "invalid_json")
        c.check("text/plain body", "POST", send,
                client.request("POST", send, body=b"hello", headers={**bearer, "Content-Type": "text/plain"}), 415, "unsupported_media_type")
        c.check("body over --max-send-bytes", "POST", send,
                client.oversized("POST", send, 1024 * 1024 * 1024, {**bearer, "Content-Type": "application/json"}), 413, "payload_too_large")
        if sent:
            # Tidy up: the sent message arrives in the same mailbox.
            subject = body["subject"]
            try:
                found = wait_for(client, bearer, {subject}, timeout=30)
                client.request("DELETE", f"/api/v1/messages/{found[subject]}", headers=bearer)
            except SystemExit:
                print(f"note: the sent message {subject!r} did not arrive within 30 s (not a check)")

    # Sign out: 204, then the token is dead.
    current = "/api/v1/sessions/current"
    c.check("sign out", "DELETE", current, client.request("DELETE", current, headers=bearer), 204)
    c.check("token after sign-out", "GET", "/api/v1/mailbox", client.request("GET", "/api/v1/mailbox", headers=bearer), 401, "unauthorized")
    c.check("no credentials", "DELETE", current, client.request("DELETE", current), 401, "unauthorized")

    # Coverage: every documented operation got a checked success response.
    for path, method in sorted(document.operations()):
        name = f"coverage {method.upper()} {path}"
        if path == send and probe.status in (404, 405):
            report.skip(name, "send route not in this build yet")
        elif (path, method) == ("/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry", "post"):
            # A retry needs a failed delivery, which needs a watched (API-key) mailbox and a
            # receiver: Tests/Events checks it; here only its 404 is validated.
            report.skip(name, "success checked by Tests/Events")
        else:
            report.result(name, [] if (path, method) in report.covered else ["no success response was checked"])

    summary = f"{report.passed} passed, {report.failed} failed" + (f", {report.skipped} skipped" if report.skipped else "")
    print(summary)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
