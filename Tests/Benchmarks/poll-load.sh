#!/usr/bin/env bash
# New-mail poller load (issue 15): N watched mailboxes (API-key accounts, shipped defaults: SQLite
# state, access log on, --poll-interval 60) on one Postillon against a private test Dovecot on
# loopback. Reports how evenly the logins are spread (per-second counts from Dovecot's log over the
# steady window, after the first interval), whether every mailbox was polled once per interval, and
# Postillon's CPU and RSS, as ratios against a baseline run of the same process with the same
# accounts not watched, in the same invocation.
#
#   Tests/Benchmarks/poll-load.sh                       # MAILBOXES=1000 DURATION=240 BASELINE=30
#   MAILBOXES=200 DURATION=90 INTERVAL=20 Tests/Benchmarks/poll-load.sh
#
# Env: MAILBOXES (1000), INTERVAL (60 s), DURATION (s watched, 240), BASELINE (s, 30),
#      BASE (26100: mail servers BASE..BASE+9, Postillon BASE+20), POSTILLON_BIN
#      (.build/release/postillon; built if missing), KEEP_WORK=1 keeps the work directory.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
BASE="${BASE:-26100}"
BIN="${POSTILLON_BIN:-$REPO/.build/release/postillon}"
if [[ ! -x $BIN ]]; then (cd "$REPO" && swift build -c release >/dev/null); fi
WORK="$(mktemp -d /tmp/postillon-poll-load.XXXXXX)"
chmod 755 "$WORK"
cleanup() {
  "$REPO/Deploy/mailservers.sh" stop "$WORK/mail" >/dev/null 2>&1 || true
  [[ ${KEEP_WORK:-0} == 1 ]] && echo "work kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
"$REPO/Deploy/mailservers.sh" start "$WORK/mail" --base-port "$BASE" >/dev/null
python3 "$HERE/poll_load.py" --bin "$BIN" --env "$WORK/mail/env" --work "$WORK" --port "$((BASE + 20))" \
  --mailboxes "${MAILBOXES:-1000}" --interval "${INTERVAL:-60}" --duration "${DURATION:-240}" --baseline "${BASELINE:-30}"
