#!/usr/bin/env python3
"""Scrapes Postillon's /metrics before and after real requests and checks, with prometheus_client's
text-format parser, that every named family is well-formed and moves.

Needs running mail servers (POSTILLON_TEST_ENV = the env file of Deploy/mailservers.sh, mailboxes seeded
as Tests/run.sh does) and a built binary (POSTILLON_BIN, default .build/debug/postillon). Starts the
binary itself on free loopback ports with --metrics-listen and an operator token, stops it at the end.
Prints one line per check and 'N passed, N failed'; exits 1 on any failure.
"""

import base64
import concurrent.futures
import http.client
import json
import re
import os
import socket
import subprocess
import shutil
import sys
import tempfile
import time

from prometheus_client.parser import text_string_to_metric_families

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "metrics-check-operator-token-0123456789"
results = {"passed": 0, "failed": 0}


def check(ok, what):
    results["passed" if ok else "failed"] += 1
    print(f"[metrics] {'ok' if ok else 'FAIL'}: {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def scrape(port, path="/metrics", headers=None):
    status, response_headers, body = request(port, "GET", path, headers)
    assert status == 200, f"GET {path} on {port}: {status} {body[:200]!r}"
    text = body.decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, response_headers, samples


def total(samples, name, **labels):
    """Sum of the samples called `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def main():
    env = {}
    for line in open(os.environ["POSTILLON_TEST_ENV"]):
        if "=" in line:
            key, value = line.rstrip("\n").split("=", 1)
            env[key] = value
    binary = os.environ.get("POSTILLON_BIN", os.path.join(ROOT, ".build", "debug", "postillon"))
    port, metrics_port = free_port(), free_port()
    suffix = env.get("PASSWORD_SUFFIX", "-secret")
    process_env = {k: v for k, v in os.environ.items() if not k.startswith("POSTILLON_")}
    process_env["POSTILLON_OPERATOR_TOKEN"] = TOKEN
    state_dir = tempfile.mkdtemp(prefix="postillon-metrics-")
    server = subprocess.Popen([
        binary, "--listen", f"127.0.0.1:{port}", "--metrics-listen", f"127.0.0.1:{metrics_port}",
        "--pop3-url", f"pop3://127.0.0.1:{env['POP3_PORT']}", "--smtp-url", f"smtp://127.0.0.1:{env['SUBMISSION_PORT']}",
        "--ca-file", env["CA_FILE"], "--public-dir", os.path.join(ROOT, "Public"), "--mail-domain", env.get("DOMAIN", "mail.test"),
        "--ready-cache", "30", "--log-level", "warning",
        "--state", f"sqlite:{state_dir}/state.db"], env=process_env)
    try:
        for _ in range(100):
            try:
                if request(port, "GET", "/api/v1/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        before_text, headers, before = scrape(metrics_port)
        check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), "content type is the Prometheus text format 0.0.4")

        # Requests that every family should see.
        for _ in range(3):
            request(port, "GET", "/api/v1/health")
        request(port, "GET", "/api/v1/nonexistent")
        request(port, "GET", "/no-such-file.html")
        ready = [request(port, "GET", "/api/v1/ready")[0] for _ in range(100)]
        alice = basic("alice", "alice" + suffix)
        first = request(port, "GET", "/api/v1/messages?limit=5", alice)
        second = request(port, "GET", "/api/v1/messages?limit=5", alice)
        check(first[0] == 200 and second[0] == 200, f"listing alice's inbox twice: {first[0]}, {second[0]}")
        message_id = json.loads(first[2])["messages"][0]["id"]
        raws = [request(port, "GET", f"/api/v1/messages/{message_id}/raw", alice)[0] for _ in range(2)]
        check(raws == [200, 200], f"opening one message twice: {raws}")
        denied = request(port, "GET", "/api/v1/mailbox", basic("bob", "wrong"))
        check(denied[0] == 401, f"a wrong password is 401: {denied[0]}")
        send = request(port, "POST", "/api/v1/send", {**alice, "Content-Type": "application/json"},
                       json.dumps({"to": [f"bob@{env.get('DOMAIN', 'mail.test')}"], "subject": "metrics check", "text": "hello"}))
        check(send[0] == 200, f"a send is accepted: {send[0]} {send[2][:200]!r}")
        # 11+ failed logins of one user trip the failed-login limit (429).
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: request(port, "GET", "/api/v1/mailbox", basic("nosuchuser", "x"))[0], range(16)))
        statuses.append(request(port, "GET", "/api/v1/mailbox", basic("nosuchuser", "x"))[0])
        check(429 in statuses, f"repeated failed logins end in 429: {sorted(set(statuses))}")

        after_text, _, after = scrape(metrics_port)

        def moved(name, what, at_least=1, **labels):
            delta = total(after, name, **labels) - total(before, name, **labels)
            check(delta >= at_least, f"{what}: {name}{labels or ''} +{delta:g} (want >= {at_least})")

        moved("postillon_http_requests_total", "requests by route template, method, status class", 3,
              route="/api/v1/health", method="GET", status="2xx")
        moved("postillon_http_requests_total", "unknown API paths count under one label", 1, route="(unmatched)", status="4xx")
        moved("postillon_http_requests_total", "missing static files count under one label", 1, route="(static)", status="4xx")
        moved("postillon_http_request_duration_seconds_count", "request latency histogram", 3, route="/api/v1/health")
        moved("postillon_pop3_sessions_total", "POP3 sessions that went well", 2, outcome="ok")
        moved("postillon_pop3_sessions_total", "POP3 sessions refused at login", 1, outcome="auth_failed")
        for phase in ("connect", "tls", "login", "command"):
            moved("postillon_pop3_duration_seconds_count", f"POP3 {phase} latency", 1, phase=phase)
        moved("postillon_smtp_sessions_total", "SMTP submissions", 1, outcome="ok")
        moved("postillon_smtp_duration_seconds_count", "SMTP transaction latency", 1, phase="transaction")
        moved("postillon_upstream_errors_total", "upstream errors by problem code", 1, code="auth_failed")
        moved("postillon_cache_lookups_total", "summary cache hits (second page load)", 5, cache="summary", result="hit")
        moved("postillon_cache_lookups_total", "message cache hit (second open of one message)", 1, cache="message", result="hit")
        moved("postillon_login_rate_limited_total", "failed-login limit refusals", 1)
        moved("postillon_send_recipients_total", "accepted recipients", 1, result="accepted")
        probes = total(after, "postillon_readiness_probes_total") - total(before, "postillon_readiness_probes_total")
        check(all(s == 200 for s in ready) and 1 <= probes <= 2,
              f"100 /ready calls in a row: all 200, {probes:g} upstream probes (at most one per upstream per cache period)")
        for gauge in ("postillon_http_connections_open", "postillon_http_requests_in_flight",
                      "postillon_worker_pool_busy", "postillon_worker_pool_queued", "postillon_event_streams_open"):
            check(any(n == gauge for n, _ in after), f"gauge {gauge} is exported")

        labels = {value for (_, ls) in after for _, value in ls}
        leaked = [v for v in labels if "alice" in v or "nosuchuser" in v or "@" in v or "127.0.0.1" in v]
        check(not leaked, f"no label carries a user, address or host ({len(labels)} label values)")

        status = request(port, "GET", "/metrics")[0]
        check(status == 401, f"/metrics on the public port without the operator token: {status}")
        status = request(port, "GET", "/metrics", {"Authorization": f"Bearer {TOKEN}"})[0]
        check(status == 200, f"/metrics on the public port with the operator token: {status}")
        _, _, body = request(port, "GET", "/api/v1/ready")
        check(b"127.0.0.1:" in body, "/ready shows upstream hosts to a direct loopback caller")
        _, _, body = request(port, "GET", "/api/v1/ready", {"X-Forwarded-For": "203.0.113.9"})
        check(b"127.0.0.1:" not in body and b"upstream" not in body, "/ready hides upstream hosts from a forwarded caller")

        dashboard = json.load(open(os.path.join(ROOT, "Deploy", "grafana", "postillon-dashboard.json")))
        used = {re.sub(r"_(bucket|count|sum)$", "", name) for panel in dashboard["panels"] for target in panel["targets"]
                for name in re.findall(r"postillon_[a-z0-9_]+", target["expr"])}
        exported = {re.sub(r"_(bucket|count|sum)$", "", n) for n, _ in after}
        check(used <= exported, f"every family the Grafana dashboard plots is exported: missing {sorted(used - exported)}")

        excerpt = [line for line in after_text.splitlines() if line.startswith(("postillon_http_requests_total{", "postillon_pop3_sessions_total",
                                                                              "postillon_cache_lookups_total", "postillon_smtp_sessions_total"))]
        print("[metrics] excerpt:\n  " + "\n  ".join(excerpt[:16]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(state_dir, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
