#!/usr/bin/env python3
"""The store's cost with the disk's and the machine's noise spread evenly: three StateBench
instances (memory, SQLite, PostgreSQL) run at once, and the load visits them in turn, round after
round (the order rotates), so a slow moment of the disk or the CPU falls on all three alike.
Prints per store the pooled p50 of GET /api/v1/mailbox, unkeyed and keyed sends, and what SQLite
and PostgreSQL add over memory against the issue's budgets (1 ms and 2 ms).
Usage: state-bench-rounds.py USER PASSWORD NAME=URL... [--rounds N] [--requests N]"""
import argparse, http.client, json, statistics, threading, time, urllib.parse, uuid

parser = argparse.ArgumentParser()
parser.add_argument("user")
parser.add_argument("password")
parser.add_argument("stores", nargs="+", help="NAME=URL, e.g. memory=http://127.0.0.1:26208")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--requests", type=int, default=200)
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


def mailbox(name, url, count):
    conn, samples = connection(url), []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = call(conn, "GET", "/api/v1/mailbox", headers=auth[name])
        samples.append(time.perf_counter() - started)
        assert status == 200, status
    return samples


def sends(name, url, count, keyed, clients=4):
    samples, errors, lock = [], [], threading.Lock()

    def run():
        conn, mine = connection(url), []
        for _ in range(count // clients):
            headers = dict(auth[name], **{"Content-Type": "application/json"})
            if keyed:
                headers["Idempotency-Key"] = uuid.uuid4().hex
            started = time.perf_counter()
            status, data = call(conn, "POST", "/api/v1/send", message, headers)
            mine.append(time.perf_counter() - started)
            if status != 200:
                errors.append((status, data[:200]))
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
for r in range(rounds):
    order = stores[r % len(stores):] + stores[:r % len(stores)]
    for name, url in order:
        pooled[name]["mailbox"] += mailbox(name, url, requests)
        pooled[name]["unkeyed"] += sends(name, url, requests, False)
        pooled[name]["keyed"] += sends(name, url, requests, True)

p50 = {name: {kind: statistics.median(v) * 1000 for kind, v in kinds.items()} for name, kinds in pooled.items()}
print(f"interleaved: {rounds} rounds x {requests} requests per kind and store, order rotating; pooled p50 (ms)")
print(f"{'store':10} {'mailbox':>9} {'unkeyed send':>13} {'keyed send':>11}")
for name, values in p50.items():
    print(f"{name:10} {values['mailbox']:9.3f} {values['unkeyed']:13.3f} {values['keyed']:11.3f}")
for name, budget in (("sqlite", 1.0), ("postgres", 2.0)):
    if name not in p50 or "memory" not in p50:
        continue
    for kind, what in (("mailbox", "GET /mailbox"), ("keyed", "idempotent send")):
        added = p50[name][kind] - p50["memory"][kind]
        print(f"{name}: adds {added:+.3f} ms p50 per {what} over memory (budget {budget} ms) -> {'ok' if added <= budget else 'OVER'}")
