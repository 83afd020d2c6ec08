#!/usr/bin/env bash
# The metrics check (check-metrics.py): installs prometheus_client from PyPI (its text-format parser),
# into a private venv when the system Python refuses pip (PEP 668), then runs the check against the
# running mail servers. Needs POSTILLON_TEST_ENV and a built binary (POSTILLON_BIN, default
# .build/debug/postillon). Exit status: the check's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import prometheus_client' >/dev/null 2>&1; then
  echo "==> metrics: pip install prometheus_client (into $PYTHON)"
  if ! "$PYTHON" -m pip install --quiet prometheus_client; then
    VENV="${XDG_CACHE_HOME:-$HOME/.cache}/postillon-metrics-venv"
    echo "==> metrics: pip refused; using the venv $VENV"
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet prometheus_client
    PYTHON="$VENV/bin/python"
  fi
fi
export POSTILLON_BIN="${POSTILLON_BIN:-$ROOT/.build/debug/postillon}"
exec "$PYTHON" "$ROOT/Tests/Metrics/check-metrics.py"
