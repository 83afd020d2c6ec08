#!/usr/bin/env bash
# Search benchmark (issue #16 item 4): a 10,000-message mailbox in the test Dovecot
# (Tests/Scripts/seed-mailbox.py --varied: varied subjects, senders, dates, attachments),
# Postillon as shipped (release build, SQLite state, log level info, access log on, default
# --index-jobs 2), and Tests/Benchmarks/search_bench.py as the client: the first search (which
# starts the background indexer), how long indexing took (the indexer's own log line, and when a
# user polling once a second sees `index.complete`), the first query after the index is complete,
# and p50/p99 of 100 queries with varied terms.
#
#   Tests/Benchmarks/search-bench.sh                  # MESSAGES=10000 QUERIES=100
#   MESSAGES=2000 Tests/Benchmarks/search-bench.sh    # quicker
#
# Env: MESSAGES (10000), QUERIES (100), POLL (seconds between completion polls, 1.0),
#      BASE_PORT (mail servers, 24600; uses BASE_PORT..+5), HTTP_PORT (18600),
#      POSTILLON_BIN (.build/release/postillon), KEEP_WORK=1 keeps $WORK.
# Needs root (Deploy/mailservers.sh), curl, python3. Every process it starts is stopped by its PID
# on exit. Exit status is non-zero only when setup fails or a response is wrong.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
MESSAGES="${MESSAGES:-10000}"
QUERIES="${QUERIES:-100}"
POLL="${POLL:-1.0}"
BASE_PORT="${BASE_PORT:-24600}"
HTTP_PORT="${HTTP_PORT:-18600}"
BIN="${POSTILLON_BIN:-$REPO/.build/release/postillon}"
USER_NAME=alice
PASS=alice-secret

WORK="$(mktemp -d /tmp/search-bench.XXXXXX)"
chmod 755 "$WORK"  # the mail servers run as other users
MS_DIR="$WORK/mail"
SERVER_PID=

# shellcheck source=../Scripts/stop-pid.sh
source "$REPO/Tests/Scripts/stop-pid.sh"

cleanup() {
    [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID"
    [[ -f $MS_DIR/env ]] && "$REPO/Deploy/mailservers.sh" stop "$MS_DIR" >/dev/null 2>&1
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "error: $*" >&2; exit 2; }
command -v curl >/dev/null || die "curl not found"
[[ -x $BIN ]] || die "$BIN missing: swift build -c release --product postillon"
(exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT") 2>/dev/null && die "port $HTTP_PORT is in use"

echo "== mail servers (base port $BASE_PORT) in $MS_DIR"
"$REPO/Deploy/mailservers.sh" start "$MS_DIR" --base-port "$BASE_PORT" >"$WORK/mailservers.log" 2>&1 ||
    { cat "$WORK/mailservers.log" >&2; die "mailservers.sh start failed"; }
# shellcheck disable=SC1091
source "$MS_DIR/env"
seeded=$(date +%s.%N)
python3 "$REPO/Tests/Scripts/seed-mailbox.py" "$MAIL_ROOT/$USER_NAME/Maildir" "$MESSAGES" --prefix Bench --varied >/dev/null ||
    die "seeding failed"
echo "seeded $MESSAGES messages into $USER_NAME's Maildir in $(awk -v a="$seeded" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); postillon $($BIN --version 2>/dev/null || echo '?')," \
     "commit $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"

LOG="$WORK/postillon.log"
# Shipped defaults (log level info, access log on), with the test servers and a private state file.
"$BIN" --listen "127.0.0.1:$HTTP_PORT" --pop3-url "pop3://127.0.0.1:$POP3_PORT" --ca-file "$CA_FILE" \
    --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" --mail-domain "$DOMAIN" --public-dir "$REPO/Public" \
    --state "sqlite:$WORK/state/state.db" >>"$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 200); do
    kill -0 "$SERVER_PID" 2>/dev/null || die "postillon exited: $(tail -5 "$LOG")"
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP_PORT/api/v1/health" 2>/dev/null && break
    sleep 0.05
done

echo "== search"
python3 "$HERE/search_bench.py" "http://127.0.0.1:$HTTP_PORT" "$USER_NAME" "$PASS" "$LOG" --queries "$QUERIES" --poll "$POLL"
status=$?
echo "state database: $(du -sh "$WORK/state" | cut -f1) (SQLite, WAL included), postillon RSS $(awk '/VmRSS/{print $2 " " $3}' "/proc/$SERVER_PID/status")"
echo "Dovecot logins of $USER_NAME during the run: $(grep -c "Login: user=<$USER_NAME>" "$DOVECOT_LOG" 2>/dev/null || echo "?")"
warnings=$(grep -ciE 'level=(warning|error)|\b(warning|error|critical)\b' "$LOG")
echo "postillon log: $(wc -l <"$LOG") lines, $warnings warning/error lines"
exit $status
