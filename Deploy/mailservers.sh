#!/usr/bin/env bash
# Private Dovecot (POP3) + Postfix (SMTP) on 127.0.0.1 for tests; all files under DIR.
# Usage: mailservers.sh start DIR [--base-port N] | stop DIR | status DIR
# Ports: base+0 POP3 (STLS), +1 POP3S, +2 SMTP (no auth, mail.test only),
#        +3 submission (STARTTLS+AUTH), +4 SMTPS (AUTH), +5 POP3 with pop3_lock_session.
# Writes DIR/env (KEY=VALUE lines). No systemd, no /etc edits. Needs root.
set -euo pipefail

USERS=(alice bob carol dave erin frank)
DOMAIN=mail.test
VUID=5000
PASSWORD_SUFFIX=-secret
NPORTS=6

# On a failed start, stop whatever was already started.
die() {
  echo "mailservers: $*" >&2
  if ((STARTING)); then STARTING=0; do_stop >/dev/null 2>&1 || true; fi
  exit 1
}
STARTING=0
log() { echo "mailservers: $*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_ports open|closed SECONDS PORT...: poll until every port is in that state
# (a port already in that state is not probed again, to keep the server logs quiet).
wait_ports() {
  local want=$1 p deadline=$((SECONDS + $2)) pending
  shift 2
  while :; do
    pending=()
    for p in "$@"; do
      if port_open "$p"; then [[ $want == open ]] || pending+=("$p"); else [[ $want == closed ]] || pending+=("$p"); fi
    done
    set -- "${pending[@]}"
    (($# == 0)) && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# Print the tail of each non-empty log file to stderr.
show_logs() {
  local f
  for f in "$@"; do if [[ -s $f ]]; then echo "--- tail $f" >&2; tail -n 25 "$f" >&2; fi; done
}

# Create CA, server cert (SAN localhost/127.0.0.1) and an unrelated CA, once per DIR.
make_tls() {
  local t=$D/tls
  mkdir -p "$t"
  # Reuse an existing set if it is still valid.
  if [[ -s $t/wrong-ca.pem ]] && openssl verify -CAfile "$t/ca.pem" "$t/server.pem" >/dev/null 2>&1; then
    return 0
  fi
  local ext=$t/server.ext
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid,issuer' >"$ext"
  local ca
  for ca in ca wrong-ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=Postillon test $ca" \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      -keyout "$t/$ca.key" -out "$t/$ca.pem" 2>/dev/null
  done
  openssl req -new -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
  openssl x509 -req -sha256 -days 3650 -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
    -CAcreateserial -extfile "$ext" -out "$t/server.pem" 2>/dev/null
  chmod 600 "$t"/*.key
}

# Users file for Dovecot, mailbox map for Postfix, maildirs owned by VUID.
make_users() {
  local u
  mkdir -p "$D/dovecot" "$D/postfix" "$MAIL"
  : >"$D/dovecot/users"
  : >"$D/postfix/vmailbox"
  for u in "${USERS[@]}"; do
    echo "$u:{PLAIN}$u$PASSWORD_SUFFIX:$VUID:$VUID::$MAIL/$u::" >>"$D/dovecot/users"
    echo "$u@$DOMAIN $u/Maildir/" >>"$D/postfix/vmailbox"
    mkdir -p "$MAIL/$u/Maildir/"{new,cur,tmp}
  done
  chown -R "$VUID:$VUID" "$MAIL"
  chmod 755 "$MAIL"
  if getent group dovecot >/dev/null; then
    chgrp dovecot "$D/dovecot/users"; chmod 640 "$D/dovecot/users"
  else chmod 644 "$D/dovecot/users"; fi
}

write_dovecot_conf() {
  local c=$D/dovecot
  cat >"$c/common.conf" <<EOF
protocols = pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$D/tls/server.pem
ssl_key = <$D/tls/server.key
ssl_dh = </usr/share/dovecot/dh.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
# "alice@mail.test" and "Alice" log in as "alice"
auth_username_format = %Ln
auth_failure_delay = 0
first_valid_uid = $VUID
last_valid_uid = $VUID
first_valid_gid = $VUID
last_valid_gid = $VUID
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
mail_max_userip_connections = 1000
# No auth penalty: failed logins in one test must not delay later logins.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN $c/users
}
userdb {
  driver = passwd-file
  args = $c/users
}
EOF
  cat >"$c/dovecot.conf" <<EOF
!include $c/common.conf
instance_name = postillon-pop3
base_dir = $D/run/dovecot
log_path = $D/dovecot.log
service pop3-login {
  inet_listener pop3 {
    port = $((BASE + 0))
  }
  inet_listener pop3s {
    port = $((BASE + 1))
    ssl = yes
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
  cat >"$c/locked.conf" <<EOF
!include $c/common.conf
instance_name = postillon-pop3-locked
base_dir = $D/run/dovecot-locked
log_path = $D/dovecot-locked.log
pop3_lock_session = yes
service pop3-login {
  inet_listener pop3 {
    port = $((BASE + 5))
  }
  inet_listener pop3s {
    port = 0
  }
}
EOF
}

write_postfix_conf() {
  local c=$D/postfix
  cat >"$c/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $D/postfix-spool
data_directory = $D/postfix-data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $D/postfix.log
maillog_file_prefixes = /var, /dev/stdout, $D
myhostname = localhost.localdomain
mydomain = localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_base = $MAIL
virtual_mailbox_maps = texthash:$c/vmailbox
virtual_uid_maps = static:$VUID
virtual_gid_maps = static:$VUID
virtual_minimum_uid = $VUID
default_transport = error:outbound-mail-disabled-in-tests
relay_transport = error:outbound-mail-disabled-in-tests
smtpd_reject_unlisted_recipient = yes
# Room for Postillon's default --max-send-bytes (25 MiB) plus headers; Postfix's default is 10 MB.
message_size_limit = 30000000
smtpd_relay_restrictions = reject_unauth_destination
smtpd_tls_cert_file = $D/tls/server.pem
smtpd_tls_key_file = $D/tls/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = $D/run/dovecot/auth-postfix
smtpd_sasl_auth_enable = no
EOF
  # The stock services that are used, never chrooted; three smtpd listeners.
  local auth="-o smtpd_sasl_auth_enable=yes -o smtpd_client_restrictions=permit_sasl_authenticated,reject"
  cat >"$c/master.cf" <<EOF
127.0.0.1:$((BASE + 2)) inet n - n - - smtpd
127.0.0.1:$((BASE + 3)) inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes $auth
127.0.0.1:$((BASE + 4)) inet n - n - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes $auth
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
proxymap unix - - n - - proxymap
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
virtual unix - n n - - virtual
anvil unix - - n - 1 anvil
postlog unix-dgram n - n - 1 postlogd
EOF
  mkdir -p "$D/postfix-data" "$D/postfix-spool"
  chown postfix "$D/postfix-data"; chown root:root "$D/postfix-spool"
}

# True if PID is alive and belongs to this DIR: Dovecot's command line names its
# config, Postfix's master has MAIL_CONFIG=DIR/postfix (guards against PID reuse).
ours() {
  [[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] || return 1
  grep -qzF "$D/" "/proc/$1/cmdline" 2>/dev/null ||
    grep -qzxF "MAIL_CONFIG=$D/postfix" "/proc/$1/environ" 2>/dev/null
}

# True if PID (a child started by this script) exists and is not a zombie.
running_child() {
  local state
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# The ports recorded in DIR/env by the last start (none if never started).
ports_from_env() { sed -n 's/^\(POP3\|POP3S\|SMTP\|SUBMISSION\|SMTPS\|POP3_LOCKED\)_PORT=//p' "$D/env" 2>/dev/null || true; }

do_stop() {
  local f pid master pids=()
  for f in dovecot dovecot-locked; do
    pid=$(cat "$D/$f.pid" 2>/dev/null || true)
    if ours "$pid"; then kill "$pid" 2>/dev/null || true; pids+=("$pid"); fi
    rm -f "$D/$f.pid"
  done
  master=$({ tr -d ' \n' <"$D/postfix-spool/pid/master.pid"; } 2>/dev/null || true)
  if ours "$master"; then
    postfix -c "$D/postfix" stop >/dev/null 2>&1 || kill "$master" 2>/dev/null || true
    pids+=("$master")
  fi
  # Wait (up to 20 s) until all of them have exited.
  local alive=0
  for _ in $(seq 100); do
    alive=0
    for pid in "${pids[@]}"; do if ours "$pid"; then alive=$pid; fi; done
    ((alive)) || break
    sleep 0.2
  done
  ((alive == 0)) || die "pid $alive ($D) did not exit"
  local -a ports
  mapfile -t ports < <(ports_from_env)
  if ((${#ports[@]})) && ! wait_ports closed 20 "${ports[@]}"; then
    die "ports still open after stop: ${ports[*]}"
  fi
  log "stopped ($D)"
}

start_dovecot() { # $1 = config, $2 = pid file
  setsid dovecot -F -c "$1" </dev/null >>"$D/dovecot.stdout" 2>&1 &
  echo $! >"$2"
}

write_env() {
  cat >"$D/env" <<EOF
MAILSERVERS_DIR=$D
POP3_HOST=127.0.0.1
SMTP_HOST=127.0.0.1
BASE_PORT=$BASE
POP3_PORT=$((BASE + 0))
POP3S_PORT=$((BASE + 1))
SMTP_PORT=$((BASE + 2))
SUBMISSION_PORT=$((BASE + 3))
SMTPS_PORT=$((BASE + 4))
POP3_LOCKED_PORT=$((BASE + 5))
CA_FILE=$D/tls/ca.pem
WRONG_CA_FILE=$D/tls/wrong-ca.pem
DOMAIN=$DOMAIN
USERS=$(IFS=,; echo "${USERS[*]}")
PASSWORD_SUFFIX=$PASSWORD_SUFFIX
MAIL_ROOT=$MAIL
DOVECOT_LOG=$D/dovecot.log
DOVECOT_LOCKED_LOG=$D/dovecot-locked.log
POSTFIX_LOG=$D/postfix.log
EOF
}

do_start() {
  [[ -f $D/env ]] && do_stop >/dev/null
  local -a ports
  mapfile -t ports < <(seq "$BASE" $((BASE + NPORTS - 1)))
  local p
  for p in "${ports[@]}"; do ! port_open "$p" || die "port $p on 127.0.0.1 is already in use"; done
  command -v dovecot >/dev/null || die "dovecot missing: run Deploy/install-deps.sh"
  command -v postfix >/dev/null || die "postfix missing: run Deploy/install-deps.sh"
  rm -rf "$D/run"  # stale sockets (e.g. anvil-auth-penalty) would confuse Dovecot
  mkdir -p "$D/run"
  chmod 755 "$D" "$D/run"
  setpriv --reuid="$VUID" --regid="$VUID" --clear-groups test -x "$D" ||
    die "$D is not reachable for uid $VUID (a parent directory lacks o+x)"
  STARTING=1
  make_tls
  make_users
  write_dovecot_conf
  write_postfix_conf
  write_env
  start_dovecot "$D/dovecot/dovecot.conf" "$D/dovecot.pid"
  start_dovecot "$D/dovecot/locked.conf" "$D/dovecot-locked.pid"
  # Postfix SASL needs Dovecot's auth socket; fail fast if a Dovecot exited.
  for _ in $(seq 100); do
    # Not ours(): right after the fork the child may not have exec'd dovecot yet.
    if ! running_child "$(cat "$D/dovecot.pid")" || ! running_child "$(cat "$D/dovecot-locked.pid")"; then
      show_logs "$D/dovecot.stdout" "$D/dovecot.log" "$D/dovecot-locked.log"
      die "dovecot exited during startup"
    fi
    [[ -S $D/run/dovecot/auth-postfix ]] && break
    sleep 0.2
  done
  if ! postfix -c "$D/postfix" start >>"$D/postfix.stdout" 2>&1; then
    script -qc "postfix -c $D/postfix check" /dev/null >&2 || true
    show_logs "$D/postfix.stdout" "$D/postfix.log"
    die "postfix failed to start"
  fi
  if ! wait_ports open 20 "${ports[@]}"; then
    for p in "${ports[@]}"; do port_open "$p" || echo "mailservers: port $p not listening" >&2; done
    show_logs "$D/dovecot.stdout" "$D/dovecot.log" "$D/dovecot-locked.log" "$D/postfix.stdout" "$D/postfix.log"
    die "servers did not come up within 20 s"
  fi
  log "started in $D: POP3 $BASE, POP3S $((BASE + 1)), SMTP $((BASE + 2)), submission $((BASE + 3)), SMTPS $((BASE + 4)), POP3 locked $((BASE + 5))"
  STARTING=0
  log "env: $D/env"
}

do_status() {
  local -a ports
  mapfile -t ports < <(ports_from_env)
  ((${#ports[@]})) || { log "not configured ($D)"; return 1; }
  local p rc=0
  for p in "${ports[@]}"; do
    if port_open "$p"; then echo "port $p: open"; else echo "port $p: closed"; rc=1; fi
  done
  if ((rc == 0)); then log "running ($D)"; else log "not (fully) running ($D)"; fi
  return "$rc"
}

(($# >= 2)) || die "usage: $0 start DIR [--base-port N] | stop DIR | status DIR"
cmd=$1
D=$(realpath -m "$2")
[[ $D =~ ^[A-Za-z0-9_./+-]+$ ]] || die "DIR must be a plain path (no spaces or quotes): $D"
shift 2
BASE=24100
while (($#)); do
  case "$1" in
    --base-port) [[ ${2:-} =~ ^[0-9]+$ ]] || die "--base-port needs a number"; BASE=$2; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
MAIL=$D/mail
[[ $(id -u) -eq 0 ]] || die "must run as root"

case "$cmd" in
  start) mkdir -p "$D"; do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) die "unknown command: $cmd" ;;
esac
