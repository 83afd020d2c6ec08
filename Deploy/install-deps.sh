#!/usr/bin/env bash
# Install the system packages Postillon needs (Debian 12). Idempotent.
# Usage: Deploy/install-deps.sh [--test]
#   --test  also install the tools used by the test suite (wrk, python3, ...)
set -euo pipefail

BUILD_PKGS=(libcurl4-openssl-dev libgmime-3.0-dev libsqlite3-dev libpq-dev pkg-config ca-certificates openssl)
# python3 seeds the demo mailboxes (Deploy/run.sh) and drives the test scripts.
SERVER_PKGS=(dovecot-core dovecot-pop3d postfix python3)
TEST_PKGS=(wrk python3 python3-venv procps)
# The state-store tests run a private PostgreSQL cluster (initdb/pg_ctl, no systemd) and count rows.
TEST_PKGS+=(postgresql sqlite3 binutils)

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "install-deps: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# True if the package is fully installed.
is_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

# Print the packages from "$@" that are not installed yet.
missing_of() {
  local p
  for p in "$@"; do is_installed "$p" || echo "$p"; done
}

wanted=("${BUILD_PKGS[@]}" "${SERVER_PKGS[@]}")
if ((with_test)); then wanted+=("${TEST_PKGS[@]}"); fi
mapfile -t missing < <(missing_of "${wanted[@]}")

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#wanted[@]} packages already installed"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"

# Postfix must not ask questions nor write /etc/postfix/main.cf.
if ! is_installed postfix; then
  echo "install-deps: preseeding debconf for postfix (No configuration)"
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi

# PIDs of running system mail daemons (matched by executable, not by name).
daemon_pids() {
  local exe
  for exe in /proc/[0-9]*/exe; do
    case "$(readlink "$exe" 2>/dev/null || true)" in
      /usr/sbin/dovecot|/usr/lib/postfix/sbin/master)
        exe=${exe#/proc/}; echo "${exe%/exe}" ;;
    esac
  done
}
running_before=$(daemon_pids)

# Tell invoke-rc.d not to start services while we install (unless a policy exists).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

echo "install-deps: apt-get update"
apt-get update -qq

echo "install-deps: apt-get install ${missing[*]}"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Belt and braces: stop any mail daemon that appeared during the install.
for pid in $(daemon_pids); do
  if ! grep -qx "$pid" <<<"$running_before"; then
    echo "install-deps: stopping auto-started $(ps -o comm= -p "$pid" || echo '?') (pid $pid)"
    kill "$pid" 2>/dev/null || true
  fi
done
echo "install-deps: no mail daemon left running by the install"

mapfile -t still < <(missing_of "${wanted[@]}")
if ((${#still[@]} > 0)); then
  echo "install-deps: failed to install: ${still[*]}" >&2
  exit 1
fi
echo "install-deps: done"
