#!/usr/bin/env bash
# End-to-end tests of the running service against real Dovecot + Postfix:
#   a. the browser test (headless Chromium + Selenium, Tests/Browser/test_ui.py),
#   b. the OpenAPI response validation (Tests/API/validate_responses.py),
#   c. a Python client generated from Public/openapi.json with openapi-python-client, used for
#      sign-in, list, read, raw, attachment and send (Tests/API/generated_client.py).
#
# Needs: POSTILLON_TEST_ENV = the env file of running mail servers
#        (Deploy/mailservers.sh start DIR --base-port N writes DIR/env). They are left running.
# Optional: E2E_PORT (default 18780), ARTIFACTS (default <repo>/artifacts), PYTHON (default python3),
#           POSTILLON_BIN (use this binary instead of building), E2E_USER (default carol),
#           E2E_PYTEST_K (a pytest -k expression: run only those browser tests).
#
# Installs what it needs (apt: chromium chromium-driver; pip: selenium pytest jsonschema
# openapi-python-client), builds
# `swift build -c release --product postillon`, starts it on 127.0.0.1:$E2E_PORT, delivers fixture
# messages through Postfix's plain SMTP port, runs a and b, stops the service, prints a summary,
# exits non-zero if a, b or c failed. Screenshots: $ARTIFACTS/inbox.png, reader.png, hostile.png, search.png.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${E2E_PORT:-18780}"
ARTIFACTS="${ARTIFACTS:-$ROOT/artifacts}"
PYTHON="${PYTHON:-python3}"
E2E_USER="${E2E_USER:-carol}"
export PYTHONDONTWRITEBYTECODE=1

step() { echo "==> e2e: $*"; }
die() { echo "e2e: $*" >&2; exit 2; }

# ---------------------------------------------------------------- preconditions

[[ -n "${POSTILLON_TEST_ENV:-}" ]] || die "set POSTILLON_TEST_ENV to the env file of running mail servers (Deploy/mailservers.sh start DIR --base-port N)"
[[ -r "$POSTILLON_TEST_ENV" ]] || die "cannot read POSTILLON_TEST_ENV=$POSTILLON_TEST_ENV"
# shellcheck disable=SC1090
source "$POSTILLON_TEST_ENV"
for key in POP3_PORT SUBMISSION_PORT SMTP_PORT CA_FILE MAIL_ROOT; do
  [[ -n "${!key:-}" ]] || die "$POSTILLON_TEST_ENV has no $key"
done
DOMAIN="${DOMAIN:-mail.test}"
E2E_PASSWORD="$E2E_USER${PASSWORD_SUFFIX:--secret}"
BASE_URL="http://127.0.0.1:$PORT"
# A page on a second origin (the next port) calls the API cross-origin; Postillon allows exactly it.
CORS_PORT=$((PORT + 1))
CORS_ORIGIN="http://127.0.0.1:$CORS_PORT"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "127.0.0.1:$PORT is already in use (set E2E_PORT)"
fi

# ---------------------------------------------------------------- dependencies

step "checking dependencies"
missing_debs=()
for pkg in chromium chromium-driver; do
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true) == installed ]] || missing_debs+=("$pkg")
done
if ((${#missing_debs[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing_debs[*]}; run as root or: apt-get install ${missing_debs[*]}"
  step "apt-get install ${missing_debs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing_debs[@]}" >/dev/null
fi

PIP_PACKAGES=(selenium pytest jsonschema openapi-python-client==0.29.1)
has_python_modules() {
  "$1" -c 'import selenium, pytest, jsonschema, referencing, openapi_python_client, httpx' >/dev/null 2>&1
}
if ! has_python_modules "$PYTHON"; then
  step "pip install ${PIP_PACKAGES[*]} (into $PYTHON)"
  if ! "$PYTHON" -m pip install --quiet "${PIP_PACKAGES[@]}"; then
    # An externally managed Python (PEP 668, e.g. Debian's): use a private venv instead.
    VENV="${XDG_CACHE_HOME:-$HOME/.cache}/postillon-e2e-venv"
    step "pip refused; using the venv $VENV"
    [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet "${PIP_PACKAGES[@]}"
    PYTHON="$VENV/bin/python"
  fi
fi
has_python_modules "$PYTHON" || die "$PYTHON still cannot import selenium, pytest, jsonschema, referencing, openapi_python_client"

# ---------------------------------------------------------------- build and start

if [[ -n "${POSTILLON_BIN:-}" ]]; then
  BIN="$POSTILLON_BIN"
else
  step "swift build -c release --product postillon"
  swift build -c release --product postillon 2>&1 | tail -n 3
  BIN="$(swift build -c release --show-bin-path)/postillon"
fi
[[ -x "$BIN" ]] || die "no postillon binary at $BIN"

mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS"/{inbox,reader,hostile}.png "$ARTIFACTS"/browser-junit.xml "$ARTIFACTS"/api-validation.txt \
  "$ARTIFACTS"/generated-client.txt
SERVER_LOG="$ARTIFACTS/postillon-e2e.log"
SERVER_PID=""
PAGE_PID=""
stop_server() {
  if [[ -n "$PAGE_PID" ]]; then kill "$PAGE_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT

step "starting $BIN on $BASE_URL (log: $SERVER_LOG)"
# An operator token (through the environment, as the README advises) so /metrics on the public
# port can be validated too.
OPERATOR_TOKEN="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')"
export POSTILLON_E2E_OPERATOR_TOKEN="$OPERATOR_TOKEN"
POSTILLON_OPERATOR_TOKEN="$OPERATOR_TOKEN" "$BIN" --listen "127.0.0.1:$PORT" \
  --pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" \
  --ca-file "$CA_FILE" --mail-domain "$DOMAIN" --public-dir "$ROOT/Public" \
  --state "sqlite:$(mktemp -d /tmp/postillon-e2e-state.XXXXXX)/state.db" --cors-origins "$CORS_ORIGIN" --webhook-allow-networks 127.0.0.0/8 \
  --session-poll-interval 2 >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
"$PYTHON" -m http.server "$CORS_PORT" --bind 127.0.0.1 --directory "$ROOT/Tests/Browser/cors-page" \
  >"$ARTIFACTS/cors-page.log" 2>&1 &
PAGE_PID=$!
healthy() { "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$BASE_URL/api/v1/health" >/dev/null 2>&1; }
for _ in $(seq 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$SERVER_LOG" >&2; die "postillon exited at start"; }
  healthy && break
  sleep 0.2
done
healthy || { tail -n 20 "$SERVER_LOG" >&2; die "postillon did not answer on $BASE_URL/api/v1/health"; }

# ---------------------------------------------------------------- fixtures

step "delivering fixture messages to $E2E_USER@$DOMAIN through SMTP port $SMTP_PORT"
FIXTURES="$("$PYTHON" "$ROOT/Tests/Scripts/e2e-fixtures.py" --smtp-port "$SMTP_PORT" --to "$E2E_USER@$DOMAIN" \
  --api-url "$BASE_URL" --user "$E2E_USER" --password "$E2E_PASSWORD")"
declare -A FX=()
while IFS='=' read -r key value; do
  [[ -n "$key" ]] && FX[$key]="$value"
done <<<"$FIXTURES"
for key in UMLAUT_SUBJECT ATTACHMENT_SUBJECT ATTACHMENT_SHA256 HOSTILE_SUBJECT DELETE_SUBJECT PAINT_SUBJECT SPOOF_SUBJECT PREVIEW_SUBJECT; do
  [[ -n "${FX[$key]:-}" ]] || die "the fixture script printed no $key"
done
echo "   umlauts: ${FX[UMLAUT_SUBJECT]} | attachment: ${FX[ATTACHMENT_SUBJECT]} (sha256 ${FX[ATTACHMENT_SHA256]:0:16}…)"
echo "   hostile: ${FX[HOSTILE_SUBJECT]} | to delete: ${FX[DELETE_SUBJECT]} #1..#3"

# ---------------------------------------------------------------- a. browser test

step "a. browser test (headless Chromium, Selenium)"
set +e
POSTILLON_URL="$BASE_URL" \
POSTILLON_TEST_USER="$E2E_USER" \
POSTILLON_TEST_PASSWORD="$E2E_PASSWORD" \
POSTILLON_TEST_ADDRESS="$E2E_USER@$DOMAIN" \
POSTILLON_TEST_UMLAUT_SUBJECT="${FX[UMLAUT_SUBJECT]}" \
POSTILLON_TEST_ATTACHMENT_SUBJECT="${FX[ATTACHMENT_SUBJECT]}" \
POSTILLON_TEST_ATTACHMENT_SHA256="${FX[ATTACHMENT_SHA256]}" \
POSTILLON_TEST_HOSTILE_SUBJECT="${FX[HOSTILE_SUBJECT]}" \
POSTILLON_TEST_DELETE_SUBJECT="${FX[DELETE_SUBJECT]}" \
POSTILLON_TEST_PAINT_SUBJECT="${FX[PAINT_SUBJECT]}" \
POSTILLON_TEST_SPOOF_SUBJECT="${FX[SPOOF_SUBJECT]}" \
POSTILLON_TEST_PREVIEW_SUBJECT="${FX[PREVIEW_SUBJECT]}" \
POSTILLON_TEST_CORS_PAGE="$CORS_ORIGIN/" \
POSTILLON_TEST_CORS_OTHER_PAGE="http://localhost:$CORS_PORT/" \
POSTILLON_ARTIFACTS="$ARTIFACTS" \
  "$PYTHON" -m pytest -p no:cacheprovider -q -rs --tb=short --junitxml="$ARTIFACTS/browser-junit.xml" \
  ${E2E_PYTEST_K:+-k "$E2E_PYTEST_K"} "$ROOT/Tests/Browser/test_ui.py" 2>&1 | tee "$ARTIFACTS/browser-test.txt"
BROWSER_RC=${PIPESTATUS[0]}
set -e

# ---------------------------------------------------------------- b. API validation

step "b. OpenAPI response validation"
set +e
"$PYTHON" "$ROOT/Tests/API/validate_responses.py" --base-url "$BASE_URL" --user "$E2E_USER" \
  --password "$E2E_PASSWORD" --smtp-port "$SMTP_PORT" --domain "$DOMAIN" 2>&1 | tee "$ARTIFACTS/api-validation.txt"
API_RC=${PIPESTATUS[0]}
set -e

# ---------------------------------------------------------------- c. generated client

step "c. a Python client generated with openapi-python-client"
set +e
"$PYTHON" "$ROOT/Tests/API/generated_client.py" --base-url "$BASE_URL" --user "$E2E_USER" --password "$E2E_PASSWORD" \
  --address "$E2E_USER@$DOMAIN" --attachment-subject "${FX[ATTACHMENT_SUBJECT]}" \
  --attachment-sha256 "${FX[ATTACHMENT_SHA256]}" 2>&1 | tee "$ARTIFACTS/generated-client.txt"
CLIENT_RC=${PIPESTATUS[0]}
set -e

# ---------------------------------------------------------------- summary

stop_server
trap - EXIT
verdict() { if [[ $1 -eq 0 ]]; then echo "PASS"; else echo "FAIL (exit $1)"; fi; }
echo "==> e2e summary"
echo "   a. browser test:      $(verdict "$BROWSER_RC") — $(grep -E '(passed|failed|error)' "$ARTIFACTS/browser-test.txt" | tail -n 1 | tr -d '=' | xargs)"
grep -E '^SKIPPED .*SKIP ' "$ARTIFACTS/browser-test.txt" | sed -E 's/^SKIPPED \[[0-9]+\] [^ ]+ /      /' || true
echo "   b. API validation:    $(verdict "$API_RC") — $(tail -n 1 "$ARTIFACTS/api-validation.txt")"
grep -E '^FAIL ' "$ARTIFACTS/api-validation.txt" | sed 's/^/      /' || true
echo "   c. generated client:  $(verdict "$CLIENT_RC") — $(tail -n 1 "$ARTIFACTS/generated-client.txt")"
grep -E '^FAIL ' "$ARTIFACTS/generated-client.txt" | sed 's/^/      /' || true
shots=()
for shot in inbox reader hostile search; do [[ -s "$ARTIFACTS/$shot.png" ]] && shots+=("$ARTIFACTS/$shot.png"); done
echo "   screenshots:          ${shots[*]:-none}"
echo "   logs:                 $SERVER_LOG, $ARTIFACTS/browser-test.txt, $ARTIFACTS/api-validation.txt"
if [[ $BROWSER_RC -ne 0 || $API_RC -ne 0 || $CLIENT_RC -ne 0 ]]; then
  echo "==> e2e: FAILED"
  exit 1
fi
echo "==> e2e: OK"
