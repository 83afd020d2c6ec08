#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what the tests need, starts private
# Dovecot + Postfix on loopback, seeds mailboxes, runs `swift test` (unit and integration tests),
# checks the build has zero warnings, runs the browser test, the OpenAPI response validation and
# the deployment checks, stops what it started, exits non-zero on any failure.
#   Tests/run.sh            everything
#   Tests/run.sh --unit     unit tests only (no mail servers)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BASE_PORT="${POSTILLON_TEST_BASE_PORT:-24200}"
UNIT_ONLY=0
[[ "${1:-}" == "--unit" ]] && UNIT_ONLY=1

step() { echo "==> $*"; }

step "installing dependencies"
"$ROOT/Deploy/install-deps.sh" --test

step "building (warnings are errors for this check)"
BUILD_LOG="$(mktemp)"
swift build --build-tests 2>&1 | tee "$BUILD_LOG"
if grep -E "warning:" "$BUILD_LOG" | grep -v "^warning: 'main'" >/dev/null; then
  echo "the build printed warnings:" >&2
  grep -E "warning:" "$BUILD_LOG" >&2
  exit 1
fi
rm -f "$BUILD_LOG"

if ((UNIT_ONLY)); then
  step "unit tests"
  exec swift test --skip-build --filter PostillonTests
fi

WORK="$(mktemp -d /tmp/postillon-tests.XXXXXX)"
chmod 755 "$WORK"
# shellcheck source=Scripts/pg-cluster.sh
source "$ROOT/Tests/Scripts/pg-cluster.sh"
cleanup() {
  pg_cluster_stop "$WORK/pg"
  "$ROOT/Deploy/mailservers.sh" stop "$WORK/mail" >/dev/null 2>&1 || true
  "$ROOT/Tests/Scripts/mailutils-pop3d.sh" stop "$WORK/mailutils" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

step "starting Dovecot and Postfix on 127.0.0.1:$BASE_PORT-$((BASE_PORT + 5))"
"$ROOT/Deploy/mailservers.sh" start "$WORK/mail" --base-port "$BASE_PORT"
# shellcheck disable=SC1091
source "$WORK/mail/env"

step "seeding mailboxes"
python3 "$ROOT/Tests/Scripts/seed-mailbox.py" "$MAIL_ROOT/alice/Maildir" 210 --prefix Seed
for user in bob carol dave erin frank; do
  python3 "$ROOT/Tests/Scripts/seed-mailbox.py" "$MAIL_ROOT/$user/Maildir" 20 --prefix "$user"
done

step "starting a second POP3 server (GNU mailutils pop3d: APOP greeting, no SASL, LOGIN-DELAY) on $((BASE_PORT + 20))-$((BASE_PORT + 21))"
"$ROOT/Tests/Scripts/mailutils-pop3d.sh" start "$WORK/mailutils" --port "$((BASE_PORT + 20))" --tls-dir "$WORK/mail/tls"
cat "$WORK/mailutils/env" >>"$WORK/mail/env"
python3 "$ROOT/Tests/Scripts/seed-mailbox.py" "$WORK/mailutils/mail/alice/INBOX" 60 --prefix Second
for user in bob carol dave; do
  python3 "$ROOT/Tests/Scripts/seed-mailbox.py" "$WORK/mailutils/mail/$user/INBOX" 5 --prefix "$user"
done

step "starting a private PostgreSQL on 127.0.0.1:$((BASE_PORT + 60)) for the state-store tests' PostgreSQL variants"
pg_cluster_start "$WORK/pg" "$((BASE_PORT + 60))" postillon_test fsync=off
TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$((BASE_PORT + 60))/postillon_test"

step "swift test (unit + integration against real Dovecot/Postfix; state store also on PostgreSQL)"
export POSTILLON_TEST_ENV="$WORK/mail/env"
POSTILLON_TEST_POSTGRES_URL="$TEST_POSTGRES_URL" swift test --skip-build

step "state store: three replicas on a private PostgreSQL, one process on SQLite, restarts (Tests/State)"
"$ROOT/Tests/State/run-state-tests.sh" "$(swift build --show-bin-path)/postillon" "$WORK/mail/env" "$WORK/state" "$((BASE_PORT + 10))"

step "new-mail events: watched mailbox, signed webhooks, retries, SIGKILL + restart (Tests/Events)"
"$ROOT/Tests/Events/run-events-tests.sh" "$(swift build --show-bin-path)/postillon" "$WORK/mail/env" "$WORK/events" "$((BASE_PORT + 30))"
step "metrics: scrape /metrics around real requests, parse with prometheus_client (Tests/Metrics/run.sh)"
"$ROOT/Tests/Metrics/run.sh"

step "end to end: browser test (headless Chromium) and OpenAPI response validation"
"$ROOT/Tests/e2e.sh"

step "the README's commands, as written, against a fresh demo (Tests/readme-commands.sh)"
README_PORT="$((BASE_PORT + 90))" README_DEMO_BASE_PORT="$((BASE_PORT + 40))" "$ROOT/Tests/readme-commands.sh"

# Deployment artefacts: systemd-analyze verify, the container's runtime packages in a debootstrap
# root, the API through real nginx, and the Kubernetes YAML against the published schemas.
# POSTILLON_SKIP_DEPLOY_CHECKS=1 skips them for quick local runs (CI always runs them).
if [[ "${POSTILLON_SKIP_DEPLOY_CHECKS:-0}" != 1 ]]; then
  step "deployment checks (Tests/Deploy/run-all.sh)"
  "$ROOT/Tests/Deploy/run-all.sh"
fi
