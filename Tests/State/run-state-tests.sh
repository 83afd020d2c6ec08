#!/usr/bin/env bash
# The state store for real: a private PostgreSQL cluster on loopback (initdb/pg_ctl under a scratch
# directory, as the unprivileged `postgres` user, no systemd) with three Postillon processes on it,
# then one Postillon on SQLite; each runs Tests/State/state-checks.py, is restarted, and checked
# again. Finally the stored rows are counted, and the SQLite file and a pg_dump are searched for
# passwords and raw tokens.
# Usage: Tests/State/run-state-tests.sh BINARY MAIL_ENV WORKDIR BASE_PORT
#   BASE_PORT..BASE_PORT+3: PostgreSQL and three Postillon listeners.
set -euo pipefail
BIN=$1 MAIL_ENV=$2 WORK=$3 BASE=$4
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck disable=SC1090
source "$MAIL_ENV"
mkdir -p "$WORK"
chmod 755 "$WORK"
PIDS=()
PG_PORT=$BASE
# shellcheck source=../Scripts/pg-cluster.sh
source "$ROOT/Tests/Scripts/pg-cluster.sh"
stop_postillons() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_postillons
  pg_cluster_stop "$WORK/pg"
}
trap cleanup EXIT

# start_postillons STATE_URL KEY_FILE COUNT: COUNT processes on BASE+1.. (logs in WORK/postillon-N.log)
start_postillons() {
  local state=$1 key=$2 count=$3 i port
  URLS=()
  for ((i = 1; i <= count; i++)); do
    port=$((BASE + i))
    "$BIN" --listen "127.0.0.1:$port" --pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" \
      --ca-file "$CA_FILE" --mail-domain "$DOMAIN" --public-dir "$ROOT/Public" --state "$state" \
      --trusted-proxies 127.0.0.1 ${key:+--secret-key-file "$key"} --log-level notice >>"$WORK/postillon-$i.log" 2>&1 &
    PIDS+=($!)
    URLS+=("http://127.0.0.1:$port")
  done
  for url in "${URLS[@]}"; do
    for _ in $(seq 100); do curl -fsS "$url/api/v1/health" >/dev/null 2>&1 && continue 2; sleep 0.1; done
    echo "state tests: $url did not come up" >&2; tail -20 "$WORK"/postillon-*.log >&2; exit 1
  done
}

# secrets_absent FILE: no user's password and no token from the checks appears in FILE.
secrets_absent() {
  local file=$1 user
  for user in ${USERS//,/ }; do
    if strings "$file" | grep -qF "$user$PASSWORD_SUFFIX"; then echo "FAIL password of $user found in $file" >&2; return 1; fi
  done
  local token
  token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$WORK/checks.json")
  if strings "$file" | grep -qF "$token"; then echo "FAIL a raw session token found in $file" >&2; return 1; fi
  echo "ok   no password and no raw token in $(basename "$file") ($(wc -c <"$file") bytes)"
}

echo "== PostgreSQL: private cluster on 127.0.0.1:$PG_PORT, three Postillon processes"
pg_cluster_start "$WORK/pg" "$PG_PORT" postillon fsync=off
PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postillon"
new_secret_key "$WORK/secret.key"
start_postillons "$PG_URL" "$WORK/secret.key" 3
python3 "$HERE/state-checks.py" before "$WORK/checks.json" "$MAIL_ENV" "${URLS[@]}"
stop_postillons
start_postillons "$PG_URL" "$WORK/secret.key" 3
python3 "$HERE/state-checks.py" after "$WORK/checks.json" "$MAIL_ENV" "${URLS[@]}"
stop_postillons
psql_count() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postillon -Atc "$1"; }
echo "rows: sessions=$(psql_count 'SELECT COUNT(*) FROM sessions') idempotency_records=$(psql_count 'SELECT COUNT(*) FROM idempotency_records')" \
  "login_windows=$(psql_count 'SELECT COUNT(*) FROM login_windows') message_flags=$(psql_count 'SELECT COUNT(*) FROM message_flags')" \
  "schema_version=$(psql_count 'SELECT MAX(version) FROM schema_migrations')"
"$PG_BIN/pg_dump" -h 127.0.0.1 -p "$PG_PORT" -U postgres postillon >"$WORK/pg_dump.sql"
secrets_absent "$WORK/pg_dump.sql"
echo "== the state-store contract tests against this PostgreSQL"
(cd "$ROOT" && POSTILLON_TEST_POSTGRES_URL="$PG_URL" swift test --skip-build --filter 'StateStoreTests|SearchQueryTests')

echo "== SQLite: one Postillon process, restarted"
mkdir -p "$WORK/sqlite"
start_postillons "sqlite:$WORK/sqlite/state.db" "" 1
python3 "$HERE/state-checks.py" before "$WORK/checks.json" "$MAIL_ENV" "${URLS[@]}"
stop_postillons
start_postillons "sqlite:$WORK/sqlite/state.db" "" 1
python3 "$HERE/state-checks.py" after "$WORK/checks.json" "$MAIL_ENV" "${URLS[@]}"
stop_postillons
[[ $(stat -c %a "$WORK/sqlite/secret.key") == 600 ]] && echo "ok   generated secret.key has mode 0600" || { echo "FAIL secret.key mode" >&2; exit 1; }
if command -v sqlite3 >/dev/null; then
  count() { sqlite3 "$WORK/sqlite/state.db" "SELECT COUNT(*) FROM $1"; }
  echo "rows: sessions=$(count sessions) idempotency_records=$(count idempotency_records)" \
    "login_windows=$(count login_windows) message_flags=$(count message_flags) schema_version=$(count schema_migrations)"
fi
for file in "$WORK/sqlite/state.db" "$WORK/sqlite/state.db-wal"; do [[ -s $file ]] && secrets_absent "$file"; done
echo "state tests: all passed"
