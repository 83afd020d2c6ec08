#!/usr/bin/env bash
# Runs Postillon on a fresh Debian 12 machine. By default it installs what it needs, starts a
# local demo Dovecot (POP3) + Postfix (SMTP) on loopback with demo mailboxes, builds Postillon
# and runs it against them. Point it at your own servers with POSTILLON_* variables instead:
#   POSTILLON_POP3_URL=pop3s://mail.example.org:995 POSTILLON_SMTP_URL=smtp://mail.example.org:587 Deploy/run.sh
# Extra arguments go to postillon (see `postillon --help`). Stop with Ctrl-C.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEMO_DIR="${POSTILLON_DEMO_DIR:-/tmp/postillon-demo}"
DEMO_BASE_PORT="${POSTILLON_DEMO_BASE_PORT:-24000}"

"$ROOT/Deploy/install-deps.sh"

echo "==> building postillon (release)"
swift build -c release --product postillon
BINARY="$(swift build -c release --show-bin-path)/postillon"

ARGS=()
if [[ -z "${POSTILLON_POP3_URL:-}" && -z "${POSTILLON_SMTP_URL:-}" ]]; then
  echo "==> starting the demo mail servers in $DEMO_DIR"
  "$ROOT/Deploy/mailservers.sh" start "$DEMO_DIR" --base-port "$DEMO_BASE_PORT"
  # shellcheck disable=SC1091
  source "$DEMO_DIR/env"
  if [[ ! -e "$DEMO_DIR/.seeded" ]]; then
    python3 "$ROOT/Tests/Scripts/seed-mailbox.py" "$MAIL_ROOT/alice/Maildir" 25 --prefix Demo
    touch "$DEMO_DIR/.seeded"
  fi
  trap '"$ROOT/Deploy/mailservers.sh" stop "$DEMO_DIR" >/dev/null 2>&1 || true' EXIT
  ARGS+=(--pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT"
         --ca-file "$CA_FILE" --mail-domain "$DOMAIN")
  echo
  echo "Demo mailboxes: alice, bob, carol, dave, erin, frank (password: <name>-secret, e.g. alice / alice-secret)"
fi

# State (sessions, idempotency records, login limits, flags) survives restarts in a SQLite file
# under the user's state directory unless POSTILLON_STATE says otherwise.
if [[ -z "${POSTILLON_STATE:-}" ]]; then
  STATE_DIR="${XDG_STATE_HOME:-$HOME/.local/state}/postillon"
  mkdir -p "$STATE_DIR" && chmod 700 "$STATE_DIR"
  ARGS+=(--state "sqlite:$STATE_DIR/state.db")
fi

LISTEN="${POSTILLON_LISTEN:-127.0.0.1:8080}"
echo "Postillon: http://$LISTEN/   (API: http://$LISTEN/api/v1/health)"
echo
"$BINARY" --listen "$LISTEN" --public-dir "$ROOT/Public" "${ARGS[@]}" "$@"
