#!/usr/bin/env python3
"""Generates a Python client from Public/openapi.json with openapi-python-client and uses it
against a running Postillon: sign in, list, read, raw, attachment, send (JSON and raw), a
problem answer, sign out. Issue 16: the document must generate a clean client.

Usage: generated_client.py --base-url URL --user U --password P --address A
                           --attachment-subject S --attachment-sha256 HEX [--generator CMD...]
Exit status 0 when every step passed; prints one line per step.
"""

import argparse
import hashlib
import importlib
import io
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[2]
failures = []


def check(label, condition, detail=""):
    print(("PASS " if condition else "FAIL ") + label + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(label)
    return condition


def generate(generator, out):
    result = subprocess.run([*generator, "generate", "--path", str(ROOT / "Public/openapi.json"), "--output-path", str(out),
                             "--meta", "none", "--config", str(ROOT / "Tests/API/openapi-python-client.yaml")],
                            capture_output=True, text=True)
    output = result.stdout + result.stderr
    check("the generator succeeds", result.returncode == 0, output[-2000:])
    check("the generator prints no warning", "warning" not in output.lower(), output[-3000:])
    models = sorted(p.stem for p in (out / "models").glob("*.py") if p.stem != "__init__")
    per_status = [m for m in models if re.search(r"response_[45]\d\d", m)]
    check("no per-operation error classes", not per_status, str(per_status))
    check("one Problem model for every error", "problem" in models, str(models))
    print(f"     {len(models)} models: {', '.join(models)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--address", required=True)
    ap.add_argument("--attachment-subject", required=True)
    ap.add_argument("--attachment-sha256", required=True)
    ap.add_argument("--generator", nargs="+", default=[sys.executable, "-m", "openapi_python_client"],
                    help="the generator command (default: this Python's openapi_python_client module)")
    args = ap.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="postillon-client-"))
    package = work / "postillon_client"
    generate(args.generator, package)
    if failures:
        return 1
    sys.path.insert(0, str(work))
    pc = importlib.import_module("postillon_client")
    api = lambda name: importlib.import_module(f"postillon_client.api.{name}")  # noqa: E731
    models = importlib.import_module("postillon_client.models")
    types = importlib.import_module("postillon_client.types")

    anonymous = pc.Client(base_url=args.base_url, timeout=60)
    health = api("service.get_health").sync(client=anonymous)
    check("health", isinstance(health, models.Health) and health.status == "ok", repr(health))

    bad = api("sessions.create_session").sync_detailed(
        client=anonymous, body=models.SessionRequest(username=args.user, password="wrong-" + uuid.uuid4().hex))
    check("a refused sign-in is a Problem with code auth_failed",
          bad.status_code == 401 and isinstance(bad.parsed, models.Problem) and bad.parsed.code == "auth_failed"
          and bad.parsed.type_ == "urn:postillon:problem:auth_failed", f"{bad.status_code} {bad.parsed!r}")

    signed = api("sessions.create_session").sync_detailed(
        client=anonymous, body=models.SessionRequest(username=args.user, password=args.password))
    if not check("sign in", signed.status_code == 201 and isinstance(signed.parsed, models.Session),
                 f"{signed.status_code} {signed.content[:300]!r}"):
        return 1
    client = pc.AuthenticatedClient(base_url=args.base_url, token=signed.parsed.token, timeout=60)

    page = api("messages.list_messages").sync(client=client, limit=200)
    check("list", isinstance(page, models.MessageList) and page.messages, repr(page)[:300])
    target = next((m for m in page.messages if args.attachment_subject in (m.subject or "")), None)
    if not check("the attachment message is listed", target is not None):
        return 1

    message = api("messages.get_message").sync(target.id, client=client)
    check("read", isinstance(message, models.Message) and message.id == target.id and message.attachments,
          repr(message)[:300])
    raw = api("messages.get_raw_message").sync(target.id, client=client)
    raw_bytes = raw.payload.read() if isinstance(raw, types.File) else b""
    check("raw", b"\r\nSubject: " in raw_bytes and b"\r\n\r\n" in raw_bytes, repr(raw)[:200])

    digests = {}
    for part in message.attachments:
        body = api("messages.get_attachment").sync(target.id, part.part_id, client=client)
        if isinstance(body, types.File):
            digests[part.part_id] = hashlib.sha256(body.payload.read()).hexdigest()
    check("attachment bytes", args.attachment_sha256 in digests.values(), str(digests))

    missing = api("messages.get_message").sync_detailed("no-such-message-" + uuid.uuid4().hex[:8], client=client)
    check("an unknown id is a Problem with code message_not_found",
          missing.status_code == 404 and isinstance(missing.parsed, models.Problem)
          and missing.parsed.code == "message_not_found", f"{missing.status_code} {missing.parsed!r}")

    token = uuid.uuid4().hex[:10]
    sent = api("send.send_message").sync(client=client, idempotency_key=f"client-{token}", body=models.SendRequest(
        to=[models.Address(address=args.address, name="Generated Client")], subject=f"Generated client {token} – Grüße",
        text="Sent by the generated Python client.\n"))
    check("send (JSON)", isinstance(sent, models.SendResult) and args.address.lower() in [a.lower() for a in sent.accepted],
          repr(sent)[:300])
    raw_message = (f"From: {args.address}\r\nTo: {args.address}\r\nSubject: Generated client raw {token}\r\n\r\n"
                   "Raw body.\r\n").encode()
    sent_raw = api("send.send_message").sync(client=client, body=types.File(payload=io.BytesIO(raw_message)))
    check("send (raw message/rfc822)", isinstance(sent_raw, models.SendResult) and sent_raw.accepted, repr(sent_raw)[:300])

    deadline = time.monotonic() + 60
    subjects = set()
    while time.monotonic() < deadline:
        page = api("messages.list_messages").sync(client=client, limit=50)
        subjects = {m.subject for m in page.messages} if isinstance(page, models.MessageList) else set()
        if {f"Generated client {token} – Grüße", f"Generated client raw {token}"} <= subjects:
            break
        time.sleep(0.5)
    check("both sent messages arrived", f"Generated client raw {token}" in subjects
          and f"Generated client {token} – Grüße" in subjects, str(sorted(s for s in subjects if s)[:10]))

    out = api("sessions.delete_session").sync_detailed(client=client)
    check("sign out", out.status_code == 204, str(out.status_code))
    after = api("messages.get_mailbox").sync_detailed(client=client)
    check("the token no longer works", after.status_code == 401, str(after.status_code))

    print(f"generated client: {'FAILED ' + ', '.join(failures) if failures else 'all steps passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
