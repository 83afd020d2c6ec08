#!/usr/bin/env python3
"""Helpers for http-bench.sh.

  wrkstats.py parse FILE           -> "REQS_PER_SEC P99_MS NON2XX SOCKET_ERRORS" from one wrk --latency output
  wrkstats.py median V1 V2 ...     -> median of the numbers
"""
import re
import statistics
import sys

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse(path):
    text = open(path, errors="replace").read()
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    rps = float(m.group(1)) if m else 0.0
    m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    p99 = float(m.group(1)) * UNIT_MS[m.group(2)] if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    non2xx = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    sock = sum(int(x) for x in m.groups()) if m else 0
    print(f"{rps:.1f} {p99:.3f} {non2xx} {sock}")


def main(argv):
    if argv[1] == "parse":
        parse(argv[2])
    elif argv[1] == "median":
        vals = [float(v) for v in argv[2:]]
        print(f"{statistics.median(vals):.3f}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
