#!/usr/bin/env python3
"""The store's cost with the disk's and the machine's noise spread evenly: three StateBench
instances (memory, SQLite, PostgreSQL) run at once, and the load visits them in turn, round after
round (the order rotates), so a slow moment of the disk or the CPU falls on all three alike.
Prints per store the pooled p50 of GET /api/v1/mailbox, unkeyed and keyed sends, and what SQLite
and PostgreSQL add over memory against the issue's budgets (1 ms and 2 ms).
With --per-request, one client visits the stores in turn request by request (rounds x requests of
each kind), so each request of one store has a neighbour of every other store made at nearly the
same moment: the p50 cost per request without queueing behind other clients, and the median of
those paired differences.
Usage: state-bench-rounds.py USER PASSWORD NAME=URL... [--rounds N] [--requests N] [--per-request]"""
import argparse, http.client, json, statistics, threading, time, urllib.parse, uuid

parser = argparse.ArgumentParser()
parser.add_argument("user")
parser.add_argument("password")
parser.add_argument("stores", nargs="+", help="NAME=URL, e.g. memory=http://127.0.0.1:26208")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--requests", type=int, default=200)
parser.add_argument("--per-request", action="store_true")
cli = parser.parse_args()
rounds, requests, user, password = cli.rounds, cli.requests, cli.user, cli.password
stores = [tuple(s.split("=", 1)) for s in cli.stores]

def connection(url):
    host = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(host.hostname, host.port, timeout=60)


def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read()


auth = {}
for name, url in stores:
    status, data = call(connection(url), "POST", "/api/v1/sessions", {"username": user, "password": password},
                        {"Content-Type": "application/json"})
    assert status == 201, (name, status, data)
    auth[name] = {"Authorization": "Bearer " + json.loads(data)["token"]}

message = {"to": ["sink@bench.test"], "subject": "bench", "text": "x" * 200}


def one(name, conn, kind):
    """One request of `kind` (mailbox, unkeyed, keyed) on an open connection; its latency."""
    headers = dict(auth[name])
    if kind != "mailbox":
        headers["Content-Type"] = "application/json"
    if kind == "keyed":
        headers["Idempotency-Key"] = uuid.uuid4().hex
    started = time.perf_counter()
    if kind == "mailbox":
        status, data = call(conn, "GET", "/api/v1/mailbox", headers=headers)
    else:
        status, data = call(conn, "POST", "/api/v1/send", message, headers)
    elapsed = time.perf_counter() - started
    assert status == 200, (name, kind, status, data[:200])
    return elapsed


def mailbox(name, url, count):
    conn = connection(url)
    return [one(name, conn, "mailbox") for _ in range(count)]


def sends(name, url, count, keyed, clients=4):
    samples, errors, lock = [], [], threading.Lock()

    def run():
        conn, mine = connection(url), []
        for _ in range(count // clients):
            try:
                mine.append(one(name, conn, "keyed" if keyed else "unkeyed"))
            except AssertionError as error:
                errors.append(error)
        with lock:
            samples.extend(mine)
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    return samples


pooled = {name: {"mailbox": [], "unkeyed": [], "keyed": []} for name, _ in stores}
for name, url in stores:  # warm-up, not measured
    mailbox(name, url, 20)
    sends(name, url, 40, False)
    sends(name, url, 40, True)
if cli.per_request:
    conns = {name: connection(url) for name, url in stores}
    for kind in ("mailbox", "unkeyed", "keyed"):
        for i in range(rounds * requests):
            for name, _ in stores[i % len(stores):] + stores[:i % len(stores)]:
                pooled[name][kind].append(one(name, conns[name], kind))
    how = f"per request: one client, {rounds * requests} requests per kind and store, stores in turn request by request"
else:
    for r in range(rounds):
        order = stores[r % len(stores):] + stores[:r % len(stores)]
        for name, url in order:
            pooled[name]["mailbox"] += mailbox(name, url, requests)
            pooled[name]["unkeyed"] += sends(name, url, requests, False)
            pooled[name]["keyed"] += sends(name, url, requests, True)
    how = f"interleaved: 4 clients for sends, {rounds} rounds x {requests} requests per kind and store, order rotating"

p50 = {name: {kind: statistics.median(v) * 1000 for kind, v in kinds.items()} for name, kinds in pooled.items()}
print(f"{how}; pooled p50 (ms)")
print(f"{'store':10} {'mailbox':>9} {'unkeyed send':>13} {'keyed send':>11}")
for name, values in p50.items():
    print(f"{name:10} {values['mailbox']:9.3f} {values['unkeyed']:13.3f} {values['keyed']:11.3f}")
if cli.per_request and "memory" in pooled:
    for name in pooled:
        if name != "memory":
            paired = {kind: statistics.median(a - b for a, b in zip(pooled[name][kind], pooled["memory"][kind])) * 1000
                      for kind in pooled[name]}
            print(f"{name}: median paired difference over memory: mailbox {paired['mailbox']:+.3f}, "
                  f"unkeyed send {paired['unkeyed']:+.3f}, keyed send {paired['keyed']:+.3f} ms")
for name, budget in (("sqlite", 1.0), ("postgres", 2.0)):
    if name not in p50 or "memory" not in p50:
        continue
    for kind, what in (("mailbox", "GET /mailbox"), ("keyed", "idempotent send")):
        added = p50[name][kind] - p50["memory"][kind]
        if cli.per_request or kind == "mailbox":
            print(f"{name}: adds {added:+.3f} ms p50 per {what} over memory (budget {budget} ms) -> {'ok' if added <= budget else 'OVER'}")
        else:
            print(f"{name}: adds {added:+.3f} ms p50 per {what} over memory, 4 clients (queueing included) -> "
                  f"{'within' if added <= budget else 'over'} {budget} ms")
