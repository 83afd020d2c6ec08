#!/usr/bin/env bash
# Peak memory of the Postillon server while it parses and serves a message with a large
# attachment (issue target: peak RSS growth under 64 MB for a 20 MB attachment).
#
#   Deploy/mailservers.sh start /tmp/ms --base-port 24600
#   swift build -c release --product postillon
#   Tests/Benchmarks/mime-rss.sh /tmp/ms/env            # 20 MiB attachment, user dave
#   SIZE_MB=40 Tests/Benchmarks/mime-rss.sh /tmp/ms/env
#
# Runs the release binary as its own process against the mail servers of ENV (loopback only),
# writes one generated message into the user's Maildir, warms the server up with a small
# message, resets the peak (/proc/PID/clear_refs), then GETs the parsed message and downloads the
# attachment (checking its SHA-256) and reads VmHWM/VmRSS from /proc/PID/status. Deletes the
# message and stops the server (by its PID) at the end.
# Messages over the server's --max-parse-bytes (50 MB) are refused with 413: keep SIZE_MB <= 36.
# Env: SIZE_MB (20), USER_NAME (dave), PORT (18480), LIMIT_MB (64), KEEP_WORK=1 keeps the work dir.
# Exit status: 0 within the limit, 1 over it or a wrong download, 2 setup error.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ENV_FILE="${1:-${POSTILLON_TEST_ENV:-}}"
SIZE_MB="${SIZE_MB:-20}"
USER_NAME="${USER_NAME:-dave}"
PORT="${PORT:-18480}"
LIMIT_MB="${LIMIT_MB:-64}"
BIN="$REPO/.build/release/postillon"

die() { echo "error: $*" >&2; exit 2; }
[[ -n $ENV_FILE && -r $ENV_FILE ]] || die "usage: $0 MAILSERVERS_ENV_FILE (from Deploy/mailservers.sh)"
[[ -x $BIN ]] || die "$BIN missing: swift build -c release --product postillon"
command -v curl >/dev/null || die "curl not found"
# shellcheck disable=SC1090
source "$ENV_FILE"
PASSWORD="$USER_NAME$PASSWORD_SUFFIX"
MAILDIR="$MAIL_ROOT/$USER_NAME/Maildir"
BASE="http://127.0.0.1:$PORT/api/v1"

WORK="$(mktemp -d /tmp/postillon-mime-rss.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -9 "$SERVER_PID" 2>/dev/null
    fi
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kb() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$SERVER_PID/status"; }
api() { curl -sS --fail-with-body -u "$USER_NAME:$PASSWORD" --max-time 300 "$@"; }

# The message: a text part and SIZE_MB MiB of random bytes as a base64 attachment, CRLF.
TOKEN="rss-$(date +%s)-$$"
python3 - "$WORK" "$SIZE_MB" "$TOKEN" <<'EOF' || die "cannot generate the message"
import base64, hashlib, os, sys
work, size_mb, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = os.urandom(size_mb * 1024 * 1024)
open(os.path.join(work, "attachment.sha256"), "w").write(hashlib.sha256(data).hexdigest())
head = (f"From: Big <big@example.net>\r\nTo: dave@mail.test\r\nSubject: RSS {size_mb} MiB\r\n"
        f"Date: Sun, 15 Mar 2026 15:15:15 +0000\r\nMessage-ID: <{token}@bench.postillon.test>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "A large attachment follows.\r\n--big\r\nContent-Type: application/octet-stream\r\n"
        "Content-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
with open(os.path.join(work, "message.eml"), "wb") as out:
    out.write(head.encode())
    for offset in range(0, len(data), 57 * 1000):
        out.write(base64.encodebytes(data[offset:offset + 57 * 1000]).replace(b"\n", b"\r\n"))
    out.write(b"--big--\r\n")
EOF
NAME="$(date +%s).M$$P$$.mime-rss"
install -o 5000 -g 5000 -m 600 "$WORK/message.eml" "$MAILDIR/tmp/$NAME" && mv "$MAILDIR/tmp/$NAME" "$MAILDIR/new/$NAME" \
    || die "cannot write into $MAILDIR"
echo "message: $(stat -c %s "$WORK/message.eml") bytes, attachment $SIZE_MB MiB"

"$BIN" --listen "127.0.0.1:$PORT" --pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" \
    --ca-file "$CA_FILE" --public-dir "$REPO/Public" --mail-domain mail.test --log-level warning --access-log false \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/health" >/dev/null || { cat "$WORK/server.log" >&2; die "server did not start"; }

# Find the message (newest first) and a small one for the warm-up.
api "$BASE/messages?limit=50" >"$WORK/list.json" || die "list failed"
read -r ID SMALL < <(python3 - "$WORK/list.json" "$TOKEN" <<'EOF'
import json, sys
messages = json.load(open(sys.argv[1]))["messages"]
big = next(m["id"] for m in messages if m.get("messageId") == f"<{sys.argv[2]}@bench.postillon.test>")
small = next((m["id"] for m in messages if m["size"] < 100000), big)
print(big, small)
EOF
) || die "message not listed"

# Warm-up: the first parse and download initialise GMime, TLS and the worker threads.
api "$BASE/messages/$SMALL" -o /dev/null || die "warm-up parse failed"
api "$BASE/messages/$SMALL/raw" -o /dev/null || die "warm-up raw failed"
BEFORE_RSS=$(kb VmRSS)
BEFORE_HWM=$(kb VmHWM)
echo 5 >"/proc/$SERVER_PID/clear_refs" || die "cannot reset the peak (clear_refs)"
RESET_HWM=$(kb VmHWM)

# A second witness besides the kernel's VmHWM: VmRSS sampled every 10 ms during the requests.
( while kill -0 "$SERVER_PID" 2>/dev/null; do awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVER_PID/status"; sleep 0.01; done ) \
    >"$WORK/samples" 2>/dev/null &
SAMPLER_PID=$!
START=$(date +%s.%N)
api "$BASE/messages/$ID" -o "$WORK/parsed.json" || die "parse failed"
PARSED=$(date +%s.%N)
api "$BASE/messages/$ID/attachments/2" -o "$WORK/attachment.bin" || die "download failed"
DONE=$(date +%s.%N)
AFTER_RSS=$(kb VmRSS)
AFTER_HWM=$(kb VmHWM)
kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null
SAMPLED_MAX=$(sort -n "$WORK/samples" | tail -1)

STATUS=0
if [[ "$(sha256sum "$WORK/attachment.bin" | cut -d' ' -f1)" == "$(cat "$WORK/attachment.sha256")" ]]; then
    echo "download: SHA-256 matches ($(stat -c %s "$WORK/attachment.bin") bytes)"
else
    echo "download: SHA-256 DIFFERS"; STATUS=1
fi
echo "parsed JSON: $(stat -c %s "$WORK/parsed.json") bytes"
api -X DELETE "$BASE/messages/$ID" -o /dev/null || echo "note: could not delete the test message"

GROWTH_KB=$((AFTER_HWM - BEFORE_RSS))
GROWTH=$((GROWTH_KB / 1024))
printf 'before: VmRSS %d KiB (VmHWM %d KiB, reset to %d KiB)\n' "$BEFORE_RSS" "$BEFORE_HWM" "$RESET_HWM"
printf 'after:  VmRSS %d KiB, VmHWM %d KiB (largest VmRSS sampled: %d KiB in %d samples)\n' "$AFTER_RSS" "$AFTER_HWM" "$SAMPLED_MAX" "$(wc -l <"$WORK/samples")"
awk -v a="$START" -v b="$PARSED" -v c="$DONE" 'BEGIN { printf "time:   parse %.2f s, download %.2f s\n", b - a, c - b }' 
printf 'peak RSS growth while parsing and downloading %d MiB: %d KiB = %d MiB (limit %d MiB)\n' "$SIZE_MB" "$GROWTH_KB" "$GROWTH" "$LIMIT_MB"
((GROWTH < LIMIT_MB)) || STATUS=1
exit $STATUS
