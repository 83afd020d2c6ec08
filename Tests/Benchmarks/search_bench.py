#!/usr/bin/env python3
"""The search benchmark's client (stdlib only); search-bench.sh starts the servers and runs it.

Usage: search_bench.py BASE_URL USER PASSWORD SERVER_LOG [--queries 100] [--poll 1.0]

Signs in (POST /api/v1/sessions, so every request is a Bearer request as from the web UI), lists
the first page once (Dovecot's own first session on the fresh maildir), then:
  1. the first search (the index is empty: it starts the background indexer);
  2. waits for the index to complete, polling one search every --poll seconds (each poll is a real
     request that competes with the indexer for the mailbox, as a user waiting would), and reads
     the indexer's own duration from the server log line "summary index complete";
  3. the first query after the index is complete (a term not searched before);
  4. --queries queries with varied terms (words, prefixes, sender, subject, dates, attachments),
     one after another, and their p50/p90/p99/max; for scale, 20 plain list requests too.
Prints a summary; exits non-zero when a response is wrong. Timings are reported, never asserted.
"""

import argparse
import base64
import json
import re
import statistics
import sys
import time
import urllib.parse
import urllib.request

TERMS = [
    {"q": "invoice"}, {"q": "meet"}, {"q": "quarterly report"}, {"q": "lunch alpha"}, {"q": "release"},
    {"q": "travel"}, {"q": "budget"}, {"q": "news"}, {"q": "ticket"}, {"q": "password"}, {"q": "conf"},
    {"q": "offsite"}, {"q": "contract"}, {"q": "ship"}, {"q": "digest"}, {"q": "cafe"}, {"q": "grace"},
    {"q": "knuth"}, {"q": "turing"}, {"q": "müller"}, {"from": "ada"}, {"from": "linus@kernel.test"},
    {"subject": "bravo"}, {"subject": "tango"}, {"q": "echo", "hasAttachments": "true"},
    {"q": "nr 4242"}, {"q": "9999"}, {"q": "zzznomatch"}, {"q": "victor whiskey"},
    {"since": "DAYS_AGO_30"}, {"since": "DAYS_AGO_200", "before": "DAYS_AGO_100"},
    {"q": "report", "since": "DAYS_AGO_60"}, {"hasAttachments": "true", "from": "hopper"},
]


def days_ago(n):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() - n * 86400))


def concrete(term):
    out = {}
    for key, value in term.items():
        m = re.fullmatch(r"DAYS_AGO_(\d+)", value)
        out[key] = days_ago(int(m.group(1))) if m else value
    return out


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None

    def call(self, method, path, body=None, basic=None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if basic:
            headers["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
        elif self.token:
            headers["Authorization"] = "Bearer " + self.token
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            payload = error.read()
            status = error.code
        elapsed = (time.perf_counter() - started) * 1000
        return status, (json.loads(payload) if payload else {}), elapsed

    def search(self, params, limit=50):
        query = urllib.parse.urlencode({**params, "limit": str(limit)})
        status, page, ms = self.call("GET", "/api/v1/messages?" + query)
        if status != 200 or "index" not in page:
            raise SystemExit(f"search {params} answered {status}: {page}")
        return page, ms


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("log")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--poll", type=float, default=1.0)
    args = ap.parse_args()
    client = Client(args.base)
    status, session, _ = client.call("POST", "/api/v1/sessions", {"username": args.user, "password": args.password})
    if status != 201 and status != 200:
        raise SystemExit(f"sign-in answered {status}: {session}")
    client.token = session["token"]

    # Dovecot's first session on 10,000 fresh maildir files is slow by itself (it builds its index
    # and counts sizes): a plain list goes first, so the first search is not charged for it.
    status, body, cold_ms = client.call("GET", "/api/v1/messages?limit=50")
    if status != 200:
        raise SystemExit(f"list answered {status}: {body}")
    print(f"first plain list (Dovecot's first session on the fresh maildir): {cold_ms:.1f} ms")
    time.sleep(1.2)  # past the parked session's list window: the search logs in afresh
    started = time.perf_counter()
    page, first_ms = client.search({"q": "bench"})
    index = page["index"]
    print(f"first search (index empty, starts indexing): {first_ms:.1f} ms; index {index['indexed']} of {index['total']}, "
          f"{page['total']} matches so far")
    total = index["total"]
    polls = []
    while not index["complete"]:
        time.sleep(args.poll)
        page, ms = client.search({"q": "bench"}, limit=1)
        polls.append(ms)
        index = page["index"]
        if time.perf_counter() - started > 1800:
            raise SystemExit("the index did not complete within 30 minutes")
    wall = time.perf_counter() - started
    logged = None
    for line in open(args.log, errors="replace"):
        if "summary index complete" in line:
            m = re.search(r"millis=(\d+)", line)
            if m:
                logged = int(m.group(1))
    print(f"index complete: {total} messages; seen complete by polling after {wall:.1f} s "
          f"({len(polls)} polls, poll latency p50 {statistics.median(polls) if polls else 0:.1f} ms); "
          f"indexer's own time (server log): {logged / 1000 if logged is not None else float('nan'):.1f} s"
          + (f" = {total / (logged / 1000):.0f} messages/s" if logged else ""))
    if page["total"] != total:
        raise SystemExit(f"q=bench should match all {total} messages, got {page['total']}")

    page, after_ms = client.search({"q": "weekly"})
    print(f"first query after the index is complete (q=weekly, {page['total']} matches): {after_ms:.1f} ms")

    latencies = []
    by_term = {}
    for i in range(args.queries):
        params = concrete(TERMS[i % len(TERMS)])
        page, ms = client.search(params)
        if not page["index"]["complete"]:
            raise SystemExit("the index became incomplete")
        latencies.append(ms)
        by_term.setdefault(urllib.parse.urlencode(params), []).append((ms, page["total"]))
    print(f"{len(latencies)} queries (varied terms, 50 per page): p50 {percentile(latencies, 50):.1f} ms, "
          f"p90 {percentile(latencies, 90):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms, "
          f"mean {statistics.fmean(latencies):.1f} ms")
    slowest = sorted(by_term.items(), key=lambda item: -statistics.median(ms for ms, _ in item[1]))[:5]
    print("slowest terms by median: " + "; ".join(
        f"{term} ({values[0][1]} matches) {statistics.median(ms for ms, _ in values):.1f} ms" for term, values in slowest))
    plain = []
    for _ in range(20):
        status, body, ms = client.call("GET", "/api/v1/messages?limit=50")
        if status != 200:
            raise SystemExit(f"list answered {status}: {body}")
        plain.append(ms)
    print(f"for scale, 20 plain list pages (limit=50, no search): p50 {percentile(plain, 50):.1f} ms, max {max(plain):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
