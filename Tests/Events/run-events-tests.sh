#!/usr/bin/env bash
# New-mail events end to end: Postillon (SQLite state) watching an API-key account on the test
# Dovecot, a local webhook receiver (receiver.py), mail sent through the test Postfix. Checks
# (events-checks.py): SSRF refusals, message.new within the poll interval + 2 s verified with the
# `standardwebhooks` PyPI library, a receiver answering 500 twice gets the event on the 3rd attempt
# once, message.deleted, and SIGKILL between poll and delivery -> delivered after restart with the
# same webhook-id. Then the live event stream (sse-checks.py, read with the `httpx-sse` library):
# message.new, resumption with Last-Event-ID without loss or duplicates, flags.changed, 401/429.
# Usage: Tests/Events/run-events-tests.sh BINARY MAIL_ENV WORKDIR BASE_PORT
# Then three replicas on a private PostgreSQL cluster: every event delivered exactly once, and a
# stream on one replica gets flags.changed made through another.
#   BASE_PORT: the receiver; BASE_PORT+1: Postillon; BASE_PORT+2: PostgreSQL; +3..+5: the replicas.
set -euo pipefail
BIN=$1 MAIL_ENV=$2 WORK=$3 BASE=$4
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck disable=SC1090
source "$MAIL_ENV"
mkdir -p "$WORK"
INTERVAL=2
RECEIVER_PORT=$BASE
API_PORT=$((BASE + 1))
PIDS=()
POSTILLON_PID=""
cleanup() {
  local pid
  [[ -n $POSTILLON_PID ]] && kill -TERM "$POSTILLON_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_cluster_stop "$WORK/pg"
}
# shellcheck source=../Scripts/pg-cluster.sh
source "$ROOT/Tests/Scripts/pg-cluster.sh"
trap cleanup EXIT

# The checks need `standardwebhooks`: into a private venv (Debian's Python is externally managed).
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/postillon-events-venv"
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet 'standardwebhooks==1.0.*' 'httpx-sse==0.4.*'
PY="$VENV/bin/python"

KEY="events-test-key-$RANDOM$RANDOM"
CONFIGURED_SECRET="whsec_$(head -c 24 /dev/urandom | base64)"
export CONFIGURED_SECRET
cat >"$WORK/accounts.json" <<JSON
[{"name": "events", "keySha256": "$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)", "username": "frank",
  "password": "frank$PASSWORD_SUFFIX", "address": "frank@$DOMAIN", "watch": true, "pollInterval": $INTERVAL,
  "webhooks": [{"url": "http://127.0.0.1:$RECEIVER_PORT/configured", "events": ["message.new"], "secret": "$CONFIGURED_SECRET",
                "description": "declared by the operator"}]}]
JSON

"$PY" "$HERE/receiver.py" "$RECEIVER_PORT" "$WORK/received.jsonl" &
PIDS+=($!)

start_postillon() {
  "$BIN" --listen "127.0.0.1:$API_PORT" --pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" \
    --ca-file "$CA_FILE" --mail-domain "$DOMAIN" --public-dir "$ROOT/Public" --state "sqlite:$WORK/state.db" \
    --accounts-file "$WORK/accounts.json" --poll-interval 60 --session-poll-interval "$INTERVAL" --webhook-allow-http --webhook-allow-networks 127.0.0.1/32 \
    --webhook-retry-schedule 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,60 \
    --events-heartbeat 5 --events-max-streams-per-account 3 --log-level notice >>"$WORK/postillon.log" 2>&1 &
  POSTILLON_PID=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$API_PORT/api/v1/health" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "events tests: Postillon did not come up" >&2; tail -20 "$WORK/postillon.log" >&2; exit 1
}

CHECK=("$PY" "$HERE/events-checks.py")
ARGS=("$WORK/checks.json" "$MAIL_ENV" "http://127.0.0.1:$API_PORT" "http://127.0.0.1:$RECEIVER_PORT" "$WORK/received.jsonl" "$INTERVAL")
start_postillon
"${CHECK[@]}" setup "${ARGS[@]}"
sleep $((INTERVAL * 2 + 1)) # the baseline poll (first poll within the first interval) records the mailbox as it is
"${CHECK[@]}" deliver "${ARGS[@]}"
"${CHECK[@]}" configured "${ARGS[@]}"
"${CHECK[@]}" indexed "${ARGS[@]}"
"${CHECK[@]}" sent "${ARGS[@]}"
"${CHECK[@]}" signedin "${ARGS[@]}"
"${CHECK[@]}" prekill "${ARGS[@]}"
kill -KILL "$POSTILLON_PID"
wait "$POSTILLON_PID" 2>/dev/null || true
POSTILLON_PID=""
start_postillon
"${CHECK[@]}" postkill "${ARGS[@]}"
"$PY" "$HERE/sse-checks.py" single "$MAIL_ENV" "$KEY" "$INTERVAL" "http://127.0.0.1:$API_PORT"
kill -TERM "$POSTILLON_PID"
wait "$POSTILLON_PID" 2>/dev/null || true
POSTILLON_PID=""

echo "== three replicas on a private PostgreSQL (127.0.0.1:$((BASE + 2)))"
pg_cluster_start "$WORK/pg" "$((BASE + 2))" postillon fsync=off
new_secret_key "$WORK/secret.key"
REPLICAS=()
for i in 1 2 3; do
  port=$((BASE + 2 + i))
  "$BIN" --listen "127.0.0.1:$port" --pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" \
    --ca-file "$CA_FILE" --mail-domain "$DOMAIN" --public-dir "$ROOT/Public" \
    --state "postgres://postgres@127.0.0.1:$((BASE + 2))/postillon" --secret-key-file "$WORK/secret.key" \
    --accounts-file "$WORK/accounts.json" --webhook-allow-http --webhook-allow-networks 127.0.0.1/32 \
    --webhook-retry-schedule 1,1,1,1,1,60 --log-level notice >>"$WORK/replica-$i.log" 2>&1 &
  PIDS+=($!)
  REPLICAS+=("http://127.0.0.1:$port")
done
for url in "${REPLICAS[@]}"; do
  for _ in $(seq 100); do curl -fsS "$url/api/v1/health" >/dev/null 2>&1 && continue 2; sleep 0.1; done
  echo "events tests: replica $url did not come up" >&2; tail -20 "$WORK"/replica-*.log >&2; exit 1
done
ARGS=("$WORK/replicas.json" "$MAIL_ENV" "${REPLICAS[1]}" "http://127.0.0.1:$RECEIVER_PORT" "$WORK/received.jsonl" "$INTERVAL")
: >"$WORK/received.jsonl"
"${CHECK[@]}" setup "${ARGS[@]}"
sleep $((INTERVAL * 2 + 1))
: >"$WORK/received.jsonl"
"${CHECK[@]}" replicas "${ARGS[@]}"
"$PY" "$HERE/sse-checks.py" replicas "$MAIL_ENV" "$KEY" "$INTERVAL" "${REPLICAS[0]}" "${REPLICAS[2]}"
echo "events tests: all passed"
