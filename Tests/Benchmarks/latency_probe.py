#!/usr/bin/env python3
"""Helper of sse-idle.sh: the latency one client sees, without load of its own.

Usage: latency_probe.py URL COUNT [HEADER]
Sends COUNT sequential GETs on one keep-alive connection (after 50 unmeasured) and prints
"p50 p99 max" in milliseconds. Unlike a saturating wrk run, this measures what a request costs
when the server is not queueing: with idle event streams open, the loops still answer at once.
"""
import http.client
import sys
import time
from urllib.parse import urlsplit

URL, COUNT = sys.argv[1], int(sys.argv[2])
HEADERS = dict([sys.argv[3].split(": ", 1)]) if len(sys.argv) > 3 else {}
parts = urlsplit(URL)
conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
samples = []
for index in range(COUNT + 50):
    started = time.perf_counter()
    conn.request("GET", parts.path, headers=HEADERS)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"latency_probe: {URL} answered {response.status}")
    if index >= 50:
        samples.append((time.perf_counter() - started) * 1000)
samples.sort()
print(f"{samples[len(samples) // 2]:.3f} {samples[int(len(samples) * 0.99) - 1]:.3f} {samples[-1]:.3f}")
