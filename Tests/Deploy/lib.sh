# shellcheck shell=bash
# Shared helpers for Tests/Deploy/check-*.sh (sourced, bash). Needs root (apt, chroot, mail servers).
#
# Environment (all optional):
#   POSTILLON_BIN   release binary (default: REPO/.build/release/postillon, built if missing)
#   DEPLOY_TMP      scratch directory (default: /tmp/postillon-deploy-tests)
#   MS_DIR          mail servers' directory (default: DEPLOY_TMP/ms); reused if already running
#   MS_BASE_PORT    mail servers' first port (default: 24500; uses 6 ports)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEPLOY_TMP=${DEPLOY_TMP:-/tmp/postillon-deploy-tests}
MS_DIR=${MS_DIR:-$DEPLOY_TMP/ms}
MS_BASE_PORT=${MS_BASE_PORT:-24500}
POSTILLON_BIN=${POSTILLON_BIN:-$REPO/.build/release/postillon}
CHECK=${CHECK:-deploy}
MS_OWNED=0
BG_PIDS=()
CLEANUP_HOOKS=()

say() { echo "[$CHECK] $*"; }
fail() {
  echo "[$CHECK] FAIL: $*" >&2
  exit 1
}
ok() { echo "[$CHECK] ok: $*"; }

[[ $(id -u) -eq 0 ]] || fail "must run as root (apt, chroot, mail servers)"

# ensure_apt PKG...: install the packages that are missing, never starting their services.
ensure_apt() {
  local p missing=()
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true) == installed ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "apt: installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    # A package like nginx must not start its distro service (port 80) on install.
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  local rc=0
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >"$DEPLOY_TMP/apt-$CHECK.log" 2>&1 || rc=$?
  ((own_policy)) && rm -f "$policy"
  ((rc == 0)) || { tail -20 "$DEPLOY_TMP/apt-$CHECK.log" >&2; fail "apt-get install ${missing[*]} failed"; }
}

# ensure_pip PKG==VER...: install Python packages into a private venv; sets PY to its python.
ensure_pip() {
  local venv=$DEPLOY_TMP/venv
  ensure_apt python3 python3-venv
  [[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
  PY=$venv/bin/python
  if ! "$PY" -m pip show -q "${@%%[=<>]*}" >/dev/null 2>&1; then
    say "pip: installing $*"
    "$PY" -m pip install -q --disable-pip-version-check "$@" >"$DEPLOY_TMP/pip-$CHECK.log" 2>&1 ||
      { tail -20 "$DEPLOY_TMP/pip-$CHECK.log" >&2; return 1; }
  fi
}

# ensure_binary: the release binary, built with the project's one release build command if missing.
ensure_binary() {
  if [[ ! -x $POSTILLON_BIN ]]; then
    say "building the release binary"
    "$REPO/Deploy/install-deps.sh" >/dev/null
    (cd "$REPO" && swift build -c release --product postillon) >"$DEPLOY_TMP/build.log" 2>&1 ||
      { tail -30 "$DEPLOY_TMP/build.log" >&2; fail "swift build failed"; }
  fi
  "$POSTILLON_BIN" --version >/dev/null || fail "$POSTILLON_BIN does not run"
}

# ms_start: Dovecot + Postfix on loopback (reused when MS_DIR's are already running); sources their env.
ms_start() {
  if [[ -f $MS_DIR/env ]] && "$REPO/Deploy/mailservers.sh" status "$MS_DIR" >/dev/null 2>&1; then
    MS_OWNED=0
  else
    "$REPO/Deploy/install-deps.sh" >/dev/null
    local attempt
    for attempt in 1 2; do
      if "$REPO/Deploy/mailservers.sh" start "$MS_DIR" --base-port "$MS_BASE_PORT" >"$DEPLOY_TMP/ms-$CHECK.log" 2>&1; then
        MS_OWNED=1
        break
      fi
      ((attempt == 2)) && { cat "$DEPLOY_TMP/ms-$CHECK.log" >&2; fail "mail servers did not start"; }
      sleep 1
    done
  fi
  # shellcheck disable=SC1091
  source "$MS_DIR/env"
  seed_mailbox alice 5
  seed_attachment_message
}

ms_stop() {
  if ((MS_OWNED)); then "$REPO/Deploy/mailservers.sh" stop "$MS_DIR" >/dev/null 2>&1 || true; fi
  MS_OWNED=0
}

# seed_mailbox USER N: make sure USER's Maildir holds at least N messages.
seed_mailbox() {
  local maildir=$MAIL_ROOT/$1/Maildir have
  have=$(find "$maildir/new" "$maildir/cur" -type f 2>/dev/null | wc -l)
  if ((have < $2)); then
    python3 "$REPO/Tests/Scripts/seed-mailbox.py" "$maildir" $(($2 - have)) --prefix deploy >/dev/null
  fi
}

# seed_attachment_message: dave gets one multipart message with a 192 KiB binary attachment
# named "résumé.bin" (RFC 2231); its bytes are in DEPLOY_TMP/attachment.bin for comparisons.
seed_attachment_message() {
  python3 - "$MAIL_ROOT/dave/Maildir" "$DEPLOY_TMP/attachment.bin" <<'PY'
import base64, os, sys, time
maildir, expected = sys.argv[1], sys.argv[2]
data = bytes((i * 7 + 3) % 256 for i in range(192 * 1024))
with open(expected, "wb") as f:
    f.write(data)
if any(".attach" in n for sub in ("new", "cur") for n in os.listdir(os.path.join(maildir, sub))):
    sys.exit(0)
encoded = base64.encodebytes(data).decode()
text = ("From: Deploy <deploy@mail.test>\nTo: dave@mail.test\nSubject: deploy attachment check\n"
        "Message-ID: <deploy-attachment@mail.test>\nDate: Thu, 26 Nov 2026 12:00:00 +0000\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"deploy-b1\"\n\n"
        "--deploy-b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        "Gr\u00fc\u00dfe aus dem Deploy-Test.\n"
        "--deploy-b1\nContent-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.bin\n"
        "Content-Transfer-Encoding: base64\n\n" + encoded + "--deploy-b1--\n")
name = "%d.M2P%dQ1.attach" % (int(time.time()), os.getpid())
tmp, new = os.path.join(maildir, "tmp", name), os.path.join(maildir, "new", name)
with open(tmp, "wb") as f:
    f.write(text.encode("utf-8"))  # LF line ends, as Postfix's virtual(8) stores mail
os.chown(tmp, 5000, 5000)
os.rename(tmp, new)
PY
}

# parsed_check BASE_URL [CURL ARGS...]: GET /api/v1/messages/{id} (GMime) on dave's attachment
# message and download the attachment. Returns 0 if right, 2 if this build has no parsed routes,
# 1 (with a message on stderr) if wrong. Sets PARSED_NOTE.
parsed_check() {
  local base=$1 id code part
  shift
  id=$(curl -sf "$@" -u dave:dave-secret "$base/api/v1/messages?limit=50" |
    python3 -c 'import json,sys; print(next(m["id"] for m in json.load(sys.stdin)["messages"] if m["subject"]=="deploy attachment check"))') ||
    { echo "parsed_check: listing dave's mailbox failed" >&2; return 1; }
  code=$(curl -s "$@" -u dave:dave-secret -o "$DEPLOY_TMP/parsed.json" -w '%{http_code}' "$base/api/v1/messages/$id")
  if [[ $code == 405 ]] || { [[ $code == 404 ]] && ! grep -q message "$DEPLOY_TMP/parsed.json"; }; then
    PARSED_NOTE="GET /api/v1/messages/{id} not in this build ($code)"
    return 2
  fi
  [[ $code == 200 ]] || { echo "parsed_check: GET /messages/{id} -> $code $(head -c 300 "$DEPLOY_TMP/parsed.json")" >&2; return 1; }
  part=$(python3 - "$DEPLOY_TMP/parsed.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert "Grüße aus dem Deploy-Test." in (m.get("text") or ""), "text part: %r" % m.get("text")
a = [x for x in m["attachments"] if x.get("filename") == "résumé.bin"]
assert a, "attachments: %r" % m["attachments"]
print(a[0]["partId"])
PY
  ) || { echo "parsed_check: unexpected parsed message $(head -c 400 "$DEPLOY_TMP/parsed.json")" >&2; return 1; }
  curl -sf "$@" -u dave:dave-secret -D "$DEPLOY_TMP/attachment.h" -o "$DEPLOY_TMP/attachment.got" \
    "$base/api/v1/messages/$id/attachments/$part" || { echo "parsed_check: attachment download failed" >&2; return 1; }
  cmp -s "$DEPLOY_TMP/attachment.bin" "$DEPLOY_TMP/attachment.got" || { echo "parsed_check: attachment bytes differ" >&2; return 1; }
  grep -qi "^content-disposition: attachment;.*r%C3%A9sum%C3%A9.bin" "$DEPLOY_TMP/attachment.h" ||
    { echo "parsed_check: $(grep -i content-disposition "$DEPLOY_TMP/attachment.h")" >&2; return 1; }
  PARSED_NOTE="parsed message (GMime) + 192 KiB attachment (part $part) byte-identical, RFC 6266 filename"
  return 0
}

# run_parsed_check NAME BASE_URL [CURL ARGS...]: parsed_check, reported as ok/SKIP or fail.
run_parsed_check() {
  local name=$1 rc=0
  shift
  parsed_check "$@" || rc=$?
  case $rc in
    0) ok "$name: $PARSED_NOTE" ;;
    2) say "SKIP: $name: $PARSED_NOTE" ;;
    *) fail "$name: parsed message / attachment" ;;
  esac
}

# wait_http URL SECONDS [EXPECTED_STATUS]: poll until URL answers (with that status, default 200).
wait_http() {
  local url=$1 deadline=$((SECONDS + $2)) want=${3:-200} code
  while ((SECONDS < deadline)); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [[ $code == "$want" ]] && return 0
    sleep 0.2
  done
  return 1
}

# ports_free PORT...: fail if something already listens on one of them on loopback.
ports_free() {
  local p
  for p in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then fail "port $p on 127.0.0.1 is already in use"; fi
  done
}

# bg CMD...: start a background process and remember its PID (stopped by cleanup). Sets BG_PID.
bg() {
  "$@" &
  BG_PID=$!
  BG_PIDS+=("$BG_PID")
}

# stop_pid PID [SECONDS]: SIGTERM, wait, SIGKILL if still there; returns the exit status.
stop_pid() {
  local pid=$1 limit=${2:-30} i rc=0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || rc=$?; return $rc; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid ignored SIGTERM for ${limit}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${BG_PIDS[i]}" 10 >/dev/null 2>&1 || true; done
  for ((i = ${#CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do eval "${CLEANUP_HOOKS[i]}" || true; done
  ms_stop
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# first_message_id URL USER:PASS: the newest message's id from GET /api/v1/messages.
first_message_id() {
  curl -sf -u "$2" "$1/api/v1/messages?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["id"])'
}

mkdir -p "$DEPLOY_TMP"
