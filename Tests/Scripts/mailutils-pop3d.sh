#!/usr/bin/env bash
# A second, different POP3 server for the integration tests: GNU mailutils pop3d (Debian package
# mailutils-pop3d) on 127.0.0.1, all files under DIR, no system users (virtual domain password file).
# It differs from Dovecot where it matters to our login: an APOP timestamp in the greeting, no SASL
# (so USER/PASS), STLS, and on a second port an enforced LOGIN-DELAY like Cyrus' popminpoll.
#   mailutils-pop3d.sh start DIR --port N --tls-dir TLSDIR   (ports N: normal, N+1: login-delay 60 s)
#   mailutils-pop3d.sh stop DIR
# Users alice..frank@mail.test, password <user>-secret (as Deploy/mailservers.sh); maildirs
# DIR/mail/<user>/INBOX owned by uid 5000; an APOP secret (the same password) for dave only, in DIR/apop.db.
# Writes DIR/env: MU_POP3_PORT, MU_POP3_DELAY_PORT, MU_MAIL_ROOT, MU_DOMAIN, MU_LOG. Needs root.
set -euo pipefail

USERS=(alice bob carol dave erin frank)
DOMAIN=mail.test
VUID=5000

cmd=${1:-}
D=${2:-}
[[ -n $cmd && -n $D ]] || { echo "usage: $0 start DIR --port N --tls-dir TLSDIR | stop DIR" >&2; exit 2; }
shift 2

stop() {
  local f
  for f in "$D"/pid-*; do
    [[ -s $f ]] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "unknown command $cmd" >&2; exit 2; }

PORT=
TLS=
while (($#)); do
  case $1 in
    --port) PORT=$2; shift 2 ;;
    --tls-dir) TLS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n $PORT && -n $TLS ]] || { echo "--port and --tls-dir are required" >&2; exit 2; }
command -v pop3d >/dev/null || { echo "pop3d not installed (apt-get install mailutils-pop3d)" >&2; exit 1; }

mkdir -p "$D/domains" "$D/mail" "$D/locks"
chmod 755 "$D"
chmod 1777 "$D/locks"
: >"$D/domains/$DOMAIN"
: >"$D/apop.txt"
for u in "${USERS[@]}"; do
  hash=$(openssl passwd -6 "$u-secret")
  echo "$u:$hash:$VUID:$VUID::$D/mail/$u:/bin/false" >>"$D/domains/$DOMAIN"
  # Only dave has an APOP secret (for --pop3-auth apop): as in a default mailutils install, the
  # others' APOP is refused, which is what libcurl's own login ran into.
  [[ $u == dave ]] && echo "$u@$DOMAIN $u-secret" >>"$D/apop.txt"
  mkdir -p "$D/mail/$u/INBOX/new" "$D/mail/$u/INBOX/cur" "$D/mail/$u/INBOX/tmp"
done
chown -R "$VUID:$VUID" "$D/mail"
rm -f "$D/apop.db"* "$D/login.stat"*
popauth --create --file "$D/apop.txt" --output "$D/apop.db" --permissions 600
rm -f "$D/apop.txt"
# The login statistics (for login-delay) start empty and private: pop3d creates the file group
# readable and then refuses to use it.
popauth --create --file /dev/null --output "$D/login.stat" --permissions 600
# pop3d reads the key as root before switching to the user; the copy keeps the test CA's key private.
cp "$TLS/server.pem" "$TLS/server.key" "$D/"
chmod 600 "$D/server.key"

# write_config NAME PORT EXTRA: one pop3d instance.
write_config() {
  cat >"$D/$1.conf" <<CONF
virtdomain { passwd-dir "$D/domains"; };
auth { authentication generic; authorization virtdomain; };
logging { syslog false; };
apop-database-file "$D/apop.db";
apop-database-safety none;
tls-file-checks { cert-file none; key-file none; ca-file none; };
tls { ssl-certificate-file "$D/server.pem"; ssl-key-file "$D/server.key"; };
tls-mode ondemand;
mandatory-locking { enable true; lock-directory "$D/locks"; };
mode daemon;
foreground true;
pidfile "$D/pid-$1";
server 127.0.0.1:$2 { };
$3
CONF
}
write_config plain "$PORT" ""
write_config delay "$((PORT + 1))" "login-delay 60; stat-file \"$D/login.stat\";"

for name in plain delay; do
  pop3d --config-file="$D/$name.conf" >>"$D/pop3d-$name.log" 2>&1 &
done
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
  if port_open "$PORT" && port_open "$((PORT + 1))"; then break; fi
  sleep 0.2
done
if ! port_open "$PORT" || ! port_open "$((PORT + 1))"; then
  tail -n 20 "$D"/pop3d-*.log >&2
  stop
  exit 1
fi
cat >"$D/env" <<ENV
MU_POP3_PORT=$PORT
MU_POP3_DELAY_PORT=$((PORT + 1))
MU_MAIL_ROOT=$D/mail
MU_DOMAIN=$DOMAIN
MU_LOG=$D/pop3d-plain.log
ENV
echo "mailutils pop3d: 127.0.0.1:$PORT (STLS, APOP greeting), 127.0.0.1:$((PORT + 1)) (LOGIN-DELAY 60); env $D/env"
