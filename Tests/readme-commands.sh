#!/usr/bin/env bash
# Runs the README's command blocks (those between `<!-- readme-commands:begin ... -->` and
# `<!-- readme-commands:end -->`) as written against a fresh demo started by Deploy/run.sh, and
# checks what they wrote. The only change made to the commands is the demo's address: the README
# says 127.0.0.1:8080, this test listens on README_PORT so it can run beside a real demo.
#
# Optional: README_PORT (default 24480), README_DEMO_BASE_PORT (default 24400: the demo mail
#           servers use it ..+5), POSTILLON_BIN (a postillon binary; default: a debug build).
# Exit status non-zero when a command fails (every command that writes a file uses curl -f) or a
# check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${README_PORT:-24480}"
DEMO_BASE_PORT="${README_DEMO_BASE_PORT:-24400}"

step() { echo "==> readme: $*"; }
die() { echo "readme: $*" >&2; exit 1; }

if [[ -z "${POSTILLON_BIN:-}" ]]; then
  step "swift build --product postillon"
  swift build --product postillon 2>&1 | tail -n 2
  POSTILLON_BIN="$(swift build --show-bin-path)/postillon"
fi
[[ -x "$POSTILLON_BIN" ]] || die "no postillon binary at $POSTILLON_BIN"

WORK="$(mktemp -d /tmp/postillon-readme.XXXXXX)"
chmod 755 "$WORK"
RUN_PID=""
cleanup() {
  if [[ -n "$RUN_PID" ]]; then
    # Stop the postillon that Deploy/run.sh started (its child); run.sh then stops the mail servers.
    for child in $(ps -o pid= --ppid "$RUN_PID" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    for _ in $(seq 100); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$RUN_PID" 2>/dev/null || true
  fi
  "$ROOT/Deploy/mailservers.sh" stop "$WORK/demo" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step "starting the demo (Deploy/run.sh) on 127.0.0.1:$PORT, mail servers on $DEMO_BASE_PORT-$((DEMO_BASE_PORT + 5))"
POSTILLON_BIN="$POSTILLON_BIN" POSTILLON_DEMO_DIR="$WORK/demo" POSTILLON_STATE="sqlite:$WORK/state.db" POSTILLON_DEMO_BASE_PORT="$DEMO_BASE_PORT" \
  POSTILLON_LISTEN="127.0.0.1:$PORT" "$ROOT/Deploy/run.sh" >"$WORK/demo.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 300); do
  kill -0 "$RUN_PID" 2>/dev/null || { cat "$WORK/demo.log" >&2; die "Deploy/run.sh exited"; }
  curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null || { cat "$WORK/demo.log" >&2; die "the demo did not start"; }

# The blocks, in README order, each run in the same working directory with bash -e.
python3 - "$ROOT/README.md" "$WORK/blocks" <<'EOF'
import pathlib, re, sys
text = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
out = pathlib.Path(sys.argv[2]); out.mkdir()
blocks = re.findall(r"<!-- readme-commands:begin (\w+)[^>]*-->\n```sh\n(.*?)```\n<!-- readme-commands:end -->", text, re.S)
if len(blocks) < 2:
    sys.exit(f"readme: expected at least 2 command blocks in README.md, found {len(blocks)}")
for n, (name, body) in enumerate(blocks, 1):
    (out / f"{n:02d}-{name}.sh").write_text(body, encoding="utf-8")
    print(f"readme: block {name}: {len(body.splitlines())} lines")
EOF

mkdir -p "$WORK/cwd"
for block in "$WORK"/blocks/*.sh; do
  step "running $(basename "$block")"
  sed -i "s/127\.0\.0\.1:8080/127.0.0.1:$PORT/g" "$block"
  (cd "$WORK/cwd" && bash -euo pipefail -x "$block") >"$block.out" 2>&1 || {
    tail -n 30 "$block.out" >&2
    die "$(basename "$block") failed"
  }
done

step "checking what the commands wrote"
cd "$WORK/cwd"
python3 -c 'import json,sys; d=json.load(open("openapi.json")); assert d["openapi"].startswith("3.1")' || die "openapi.json is not the document"
head -c 4 Rechnung-2026-117.pdf | grep -q '%PDF' || die "the attachment was not saved as Rechnung-2026-117.pdf"
grep -q '^Subject: ' message.eml || die "message.eml is not a message"
# The sent mail arrived: bob sees both messages (Postfix delivers asynchronously).
for _ in $(seq 60); do
  if curl -fs -u bob:bob-secret "http://127.0.0.1:$PORT/api/v1/messages?limit=50" \
     | python3 -c 'import json,sys; s={m["subject"] for m in json.load(sys.stdin)["messages"]}; sys.exit(0 if {"Grüße aus Köln","Raw hello"} <= s else 1)'; then
    step "OK: every README command ran; the attachment, raw message and both sends arrived"
    exit 0
  fi
  sleep 0.5
done
die "the sent messages did not reach bob"
