#!/usr/bin/env python3
"""Load for one Postillon (StateBench) instance: prints one JSON line of measurements.
Usage: state-bench.py BASE_URL USER PASSWORD [--prefill N] [--requests N]
  1. sign in, warm up, then N token-authenticated GET /api/v1/mailbox one after another (keep-alive);
  2. N unkeyed sends and N sends each with a new Idempotency-Key (4 clients), before and after
     PREFILL keys are stored."""
import http.client, json, statistics, sys, threading, time, urllib.parse, uuid

base, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
options = dict(zip(sys.argv[4::2], sys.argv[5::2]))
prefill, requests = int(options.get("--prefill", 10000)), int(options.get("--requests", 1000))
host = urllib.parse.urlsplit(base)

def connection(): return http.client.HTTPConnection(host.hostname, host.port, timeout=60)

def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return response.status, data

conn = connection()
status, data = call(conn, "POST", "/api/v1/sessions", {"username": user, "password": password}, {"Content-Type": "application/json"})
assert status == 201, (status, data)
token = json.loads(data)["token"]
auth = {"Authorization": "Bearer " + token}

def percentiles(samples):
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"p50_ms": round(pick(0.50) * 1000, 3), "p90_ms": round(pick(0.90) * 1000, 3), "p99_ms": round(pick(0.99) * 1000, 3)}

for _ in range(20): call(conn, "GET", "/api/v1/mailbox", headers=auth)
latencies = []
for _ in range(requests):
    started = time.perf_counter()
    status, _ = call(conn, "GET", "/api/v1/mailbox", headers=auth)
    latencies.append(time.perf_counter() - started)
    assert status == 200, status
result = {"mailbox": percentiles(latencies)}

message = {"to": ["sink@bench.test"], "subject": "bench", "text": "x" * 200}
def sends(count, keyed, clients=4):
    per_client = count // clients
    samples, errors = [], []
    lock = threading.Lock()
    def run():
        c = connection()
        mine = []
        for _ in range(per_client):
            headers = dict(auth, **{"Content-Type": "application/json"})
            if keyed: headers["Idempotency-Key"] = uuid.uuid4().hex
            started = time.perf_counter()
            status, data = call(c, "POST", "/api/v1/send", message, headers)
            mine.append(time.perf_counter() - started)
            if status != 200: errors.append((status, data[:200]))
        with lock: samples.extend(mine)
    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.perf_counter() - started
    assert not errors, errors[:3]
    return dict(percentiles(samples), per_second=round(len(samples) / elapsed, 1))

sends(100, False)  # warm
result["send_unkeyed"] = sends(requests, False)
result["send_keyed_empty"] = sends(requests, True)
if prefill:
    sends(prefill, True, clients=8)
result["stored_keys"] = prefill + requests
result["send_unkeyed_after"] = sends(requests, False)
result["send_keyed_full"] = sends(requests, True)
print(json.dumps(result))
