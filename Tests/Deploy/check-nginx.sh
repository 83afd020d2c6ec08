#!/usr/bin/env bash
# Run Deploy/nginx/postillon.conf in a real nginx (Debian's) on loopback with a self-signed
# certificate in front of Postillon and the test mail servers, and go through it with curl:
#   nginx -t; HTTP/2 + HSTS; the port-80 redirect; readiness only from loopback;
#   sign-in (POST /api/v1/sessions) and listing with the token and with Basic;
#   a raw message byte-identical to the direct download; streaming (a 12 MiB message to a
#   rate-limited client: Postillon's request lasts as long as the client's, so nginx did not
#   spool it); upstream keep-alive; X-Forwarded-For honoured for the login rate limit and a
#   client's forged one ignored; body limits (413 from nginx); POST /api/v1/send when present;
#   the event stream's frames arrive unbuffered.
# /etc/nginx is not touched and the distro service is not started; nginx is stopped by PID.
# Usage: Tests/Deploy/check-nginx.sh   (root; env: see lib.sh; NGINX_PORT 18643,
#        REDIRECT_PORT 18644, PORT 18680 for Postillon)
CHECK=nginx
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
NGINX_PORT=${NGINX_PORT:-18643}
REDIRECT_PORT=${REDIRECT_PORT:-18644}
CONTROL_PORT=${CONTROL_PORT:-18645}  # a test-only server with proxy_buffering on, as a control
BIG_MIB=40                           # streaming check: message size, and the client's rate below
RATE=$((8 * 1024 * 1024))  # bytes/s, read through a fixed 128 KiB socket buffer (slow-client.py)
PORT=${PORT:-18680}
W=$DEPLOY_TMP/nginx
rm -rf "$W" && mkdir -p "$W/conf" "$W/tls" "$W/tmp" "$W/data"
chmod 755 "$W" "$W/tmp"

ensure_apt nginx openssl curl python3 iproute2
ensure_binary
ports_free "$PORT" "$NGINX_PORT" "$REDIRECT_PORT" "$CONTROL_PORT"
ms_start

# --- TLS and configuration ---------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj /CN=localhost \
  -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' -keyout "$W/tls/key.pem" -out "$W/tls/cert.pem" 2>/dev/null
chmod 600 "$W/tls/key.pem"

SRC=$REPO/Deploy/nginx/postillon.conf
sed -e "s|^\( *\)listen 443 ssl http2;|\1listen 127.0.0.1:$NGINX_PORT ssl http2;|" \
  -e '/^ *listen \[::\]:443 ssl http2;/d' \
  -e "s|^\( *\)listen 80;|\1listen 127.0.0.1:$REDIRECT_PORT;|" \
  -e '/^ *listen \[::\]:80;/d' \
  -e "s|server 127.0.0.1:8080 |server 127.0.0.1:$PORT |" \
  -e "s|/etc/ssl/certs/mail-api.example.org.pem|$W/tls/cert.pem|" \
  -e "s|/etc/ssl/private/mail-api.example.org.key|$W/tls/key.pem|" \
  "$SRC" >"$W/conf/postillon.conf"
for want in "listen 127.0.0.1:$NGINX_PORT ssl http2;" "listen 127.0.0.1:$REDIRECT_PORT;" "server 127.0.0.1:$PORT " \
  "$W/tls/cert.pem;" "$W/tls/key.pem;"; do
  [[ $(grep -cF -- "$want" "$W/conf/postillon.conf") == 1 ]] || fail "test rewrite of $SRC did not produce '$want'"
done
! grep -nE '^[^#]*(:443|:80;|:8080|/etc/ssl)' "$W/conf/postillon.conf" || fail "unrewritten production values left (above)"

cat >"$W/conf/nginx.conf" <<EOF
user www-data;
worker_processes 1;
daemon off;
pid $W/nginx.pid;
error_log $W/error.log info;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $W/access.log;
    client_body_temp_path $W/tmp/client_body;
    proxy_temp_path $W/tmp/proxy;
    fastcgi_temp_path $W/tmp/fastcgi;
    uwsgi_temp_path $W/tmp/uwsgi;
    scgi_temp_path $W/tmp/scgi;
    include $W/conf/postillon.conf;
    # Control for the streaming check (not part of the shipped config): buffering on.
    server {
        listen 127.0.0.1:$CONTROL_PORT;
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering on;
            proxy_pass http://postillon;
        }
    }
}
EOF
NGINX=(nginx -p "$W" -e "$W/error.log" -c "$W/conf/nginx.conf")
say "\$ nginx -t -p $W -e $W/error.log -c $W/conf/nginx.conf"
"${NGINX[@]}" -t 2>&1 | sed "s/^/[$CHECK]   /"
"${NGINX[@]}" -t >/dev/null 2>&1 || fail "nginx -t"
ok "nginx -t: syntax ok, test successful"

# --- servers -----------------------------------------------------------------------------------
# A BIG_MIB MiB message for the streaming check, in its own mailbox.
python3 - "$MAIL_ROOT/carol/Maildir" "$BIG_MIB" <<'EOF'
import os, sys, time
maildir, mib = sys.argv[1], int(sys.argv[2])
suffix = ".big%d" % mib
if not any(suffix in n for sub in ("new", "cur") for n in os.listdir(os.path.join(maildir, sub))):
    lines = [b"From: Big <big@mail.test>", b"To: carol@mail.test", b"Subject: deploy streaming check",
             b"Message-ID: <deploy-big@mail.test>", b"Date: Thu, 26 Nov 2026 12:00:00 +0000", b""]
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef"
    body = [b"%08d %s" % (i, line) for i in range(mib * 1024 * 1024 // 88)]
    name = "%d.M1P%dQ1%s" % (int(time.time()), os.getpid(), suffix)
    tmp, new = os.path.join(maildir, "tmp", name), os.path.join(maildir, "new", name)
    with open(tmp, "wb") as f:
        f.write(b"\n".join(lines + body) + b"\n")
    os.chown(tmp, 5000, 5000)
    os.rename(tmp, new)
EOF

bg "$POSTILLON_BIN" --listen "127.0.0.1:$PORT" --pop3-url "pop3://127.0.0.1:$POP3_PORT" \
  --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" --ca-file "$CA_FILE" --public-dir "$REPO/Public" \
  --trusted-proxies 127.0.0.1 --mail-domain "$DOMAIN" >"$W/postillon.log" 2>&1
PPID_POSTILLON=$BG_PID
D=http://127.0.0.1:$PORT
wait_http "$D/api/v1/health" 20 || { cat "$W/postillon.log" >&2; fail "postillon did not start"; }
bg "${NGINX[@]}"
NGINX_PID=$BG_PID
N=https://127.0.0.1:$NGINX_PORT
C=(curl -s --cacert "$W/tls/cert.pem")
for _ in $(seq 50); do "${C[@]}" -o /dev/null "$N/api/v1/health" && break; sleep 0.2; done
kill -0 "$NGINX_PID" 2>/dev/null || { cat "$W/error.log" >&2; fail "nginx exited"; }

# --- through nginx -----------------------------------------------------------------------------
out=$("${C[@]}" -D "$W/h.txt" -w '%{http_code} HTTP/%{http_version}' -o "$W/health.json" "$N/api/v1/health")
[[ $out == "200 HTTP/2" ]] || fail "health through nginx: $out"
grep -qi '^strict-transport-security:' "$W/h.txt" || fail "no HSTS header"
ok "GET /api/v1/health over TLS + HTTP/2 -> 200 $(cat "$W/health.json")"
loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$REDIRECT_PORT/api/v1/health")
[[ $loc == "301 https://127.0.0.1/api/v1/health" ]] || fail "port-80 server: $loc"
ok "plain HTTP -> 301 to https"
[[ $("${C[@]}" -o /dev/null -w '%{http_code}' "$N/api/v1/ready") == 200 ]] || fail "ready from 127.0.0.1"
[[ $("${C[@]}" --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$N/api/v1/ready") == 403 ]] || fail "ready from 127.0.0.2 not denied"
ok "GET /api/v1/ready: 200 from loopback, 403 from 127.0.0.2"

code=$("${C[@]}" -o "$W/session.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"username":"alice","password":"alice-secret"}' "$N/api/v1/sessions")
[[ $code == 201 || $code == 200 ]] || fail "sign-in through nginx: $code $(cat "$W/session.json")"
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$W/session.json")
ok "POST /api/v1/sessions -> $code, token issued"
"${C[@]}" -f -H "Authorization: Bearer $token" "$N/api/v1/messages?limit=50" >"$W/list-token.json" || fail "list with token"
"${C[@]}" -f -u alice:alice-secret "$N/api/v1/messages?limit=50" >"$W/list-basic.json" || fail "list with Basic"
curl -sf -u alice:alice-secret "$D/api/v1/messages?limit=50" >"$W/list-direct.json" || fail "list direct"
ids() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["total"], *[m["id"] for m in d["messages"]])' "$1"; }
[[ $(ids "$W/list-token.json") == "$(ids "$W/list-direct.json")" && $(ids "$W/list-basic.json") == "$(ids "$W/list-direct.json")" ]] ||
  fail "lists differ through nginx"
ok "GET /api/v1/messages (Bearer session token, Basic) -> same $(ids "$W/list-direct.json" | cut -d' ' -f1) messages as direct"
"${C[@]}" -f -o /dev/null -X DELETE -H "Authorization: Bearer $token" "$N/api/v1/sessions/current" || fail "sign-out"

id=$(first_message_id "$D" alice:alice-secret)
curl -sf -u alice:alice-secret "$D/api/v1/messages/$id/raw" -o "$W/raw-direct.eml"
"${C[@]}" -f -u alice:alice-secret "$N/api/v1/messages/$id/raw" -o "$W/raw-nginx.eml" || fail "raw through nginx"
cmp -s "$W/raw-direct.eml" "$W/raw-nginx.eml" || fail "raw download differs through nginx"
ok "GET /api/v1/messages/{id}/raw byte-identical ($(stat -c %s "$W/raw-nginx.eml") bytes, sha256 $(sha256sum <"$W/raw-nginx.eml" | cut -c1-16)...)"

# The live event stream through nginx: its frames reach the client while the stream is open
# (location = /api/v1/events has proxy_buffering off), here a flags.changed made by another request.
"${C[@]}" -N --max-time 6 -u alice:alice-secret "$N/api/v1/events" >"$W/events.txt" 2>/dev/null &
EVENTS_PID=$!
for _ in $(seq 40); do grep -q '^retry: ' "$W/events.txt" && break; sleep 0.1; done
"${C[@]}" -f -o /dev/null -X PATCH -u alice:alice-secret -H 'Content-Type: application/json' -d '{"flagged":true}' \
  "$N/api/v1/messages/$id" || fail "PATCH /api/v1/messages/{id} through nginx"
for _ in $(seq 30); do grep -q '^event: flags.changed' "$W/events.txt" && break; sleep 0.1; done
kill -0 "$EVENTS_PID" 2>/dev/null || fail "the event stream ended early: $(head -c 300 "$W/events.txt")"
grep -q '^retry: ' "$W/events.txt" && grep -q '^event: flags.changed' "$W/events.txt" ||
  fail "event stream through nginx: no retry hint or no flags.changed while open: $(head -c 300 "$W/events.txt")"
kill "$EVENTS_PID" 2>/dev/null
wait "$EVENTS_PID" 2>/dev/null || true # curl ends with SIGTERM (143)
ok "GET /api/v1/events through nginx: the retry hint and a flags.changed arrive while the stream is open (not buffered)"

# Streaming: a slow client (RATE bytes/s) on a BIG_MIB MiB message. With proxy_buffering off,
# Postillon's writes wait for the client (once the kernel's socket buffers are full), so its
# request lasts most of the client's download. The control server (buffering on) takes the whole
# message at upstream speed and spools it to a temporary file: the same measurement tells them apart.
big=$(curl -sf -u carol:carol-secret "$D/api/v1/messages?limit=50" |
  python3 -c 'import json,sys; print(next(m["id"] for m in json.load(sys.stdin)["messages"] if m["subject"]=="deploy streaming check"))')
raw_ms() { # N: the duration of the Nth logged download of the big message (the line follows the last byte)
  local i lines
  for i in $(seq 50); do
    lines=$(grep -F "path=/api/v1/messages/$big/raw " "$W/postillon.log" || true)
    (($(grep -c . <<<"$lines") >= $1)) && break
    sleep 0.1
  done
  sed -n "$1"'s/.*duration_ms=\([0-9.]*\).*/\1/p' <<<"$lines"
}
curl -sf -u carol:carol-secret "$D/api/v1/messages/$big/raw" -o "$W/big-direct.eml"
direct_ms=$(raw_ms 1)
SLOW=(python3 "$REPO/Tests/Deploy/slow-client.py" --user carol:carol-secret --rate "$RATE")
t=$("${SLOW[@]}" --cacert "$W/tls/cert.pem" --out "$W/big-nginx.eml" "$N/api/v1/messages/$big/raw") ||
  fail "big raw through nginx"
via_ms=$(raw_ms 2)
cmp -s "$W/big-direct.eml" "$W/big-nginx.eml" || fail "big message differs through nginx"
read -r ttfb total _ <<<"$t"
tc=$("${SLOW[@]}" --out "$W/big-control.eml" "http://127.0.0.1:$CONTROL_PORT/api/v1/messages/$big/raw") ||
  fail "big raw through the control server"
read -r _ tc _ <<<"$tc"
control_ms=$(raw_ms 3)
say "$BIG_MIB MiB raw: direct: Postillon ${direct_ms} ms; via nginx to an 8 MiB/s client: first byte ${ttfb}s, client ${total}s, Postillon ${via_ms} ms; control (buffering on): client ${tc}s, Postillon ${control_ms} ms"
python3 -c "import sys; ttfb,total,via=map(float,sys.argv[1:]); sys.exit(0 if ttfb < 1.0 and via > 0.6*total*1000 else 1)" \
  "$ttfb" "$total" "$via_ms" || fail "response was buffered by nginx, not streamed"
spooled=$(grep -F 'an upstream response is buffered to a temporary file' "$W/error.log" | grep -vcF "host: \"127.0.0.1:$CONTROL_PORT\"" || true)
((spooled == 0)) || fail "nginx spooled a response to a temporary file"
python3 -c "import sys; total,ms=map(float,sys.argv[1:]); sys.exit(0 if ms < 0.25*total*1000 else 1)" "$tc" "$control_ms" ||
  fail "control (buffering on) was not distinguishable: the measurement proves nothing"
grep -q 'an upstream response is buffered to a temporary file' "$W/error.log" || fail "control did not spool to a temporary file"
ok "raw download streamed through nginx (Postillon paced by the client, no temp file); the buffering control was not"

run_parsed_check "through nginx" "$N" --cacert "$W/tls/cert.pem"

est=$(ss -Htn state established "( dport = :$PORT )" | wc -l)
((est >= 1)) || fail "no idle keep-alive connection from nginx to Postillon"
ok "upstream keep-alive: $est connection(s) from nginx to Postillon kept open"

# X-Forwarded-For: 20 failed sign-ins from client 127.0.0.2 fill its rate-limit window; a
# client 127.0.0.3 (also behind nginx, same peer address for Postillon) is not limited, even
# when it forges X-Forwarded-For: 127.0.0.2.
signin() { # IFACE USER [EXTRA CURL ARGS] -> status
  local iface=$1 user=$2
  shift 2
  "${C[@]}" --interface "$iface" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$@" \
    -d "{\"username\":\"$user\",\"password\":\"wrong\"}" "$N/api/v1/sessions"
}
for i in $(seq 20); do
  c=$(signin 127.0.0.2 "xff-probe-$i")
  [[ $c == 401 ]] || fail "failed sign-in $i from 127.0.0.2: $c (expected 401)"
done
c2=$(signin 127.0.0.2 xff-probe-21)
c3=$(signin 127.0.0.3 xff-probe-22)
c4=$(signin 127.0.0.3 xff-probe-23 -H 'X-Forwarded-For: 127.0.0.2')
[[ $c2 == 429 && $c3 == 401 && $c4 == 401 ]] ||
  fail "rate limit by forwarded client: 127.0.0.2 -> $c2 (want 429), 127.0.0.3 -> $c3, forged -> $c4 (want 401)"
ok "X-Forwarded-For from nginx honoured (--trusted-proxies 127.0.0.1): 127.0.0.2 limited (429), 127.0.0.3 not, forged header ignored"
remote=$(grep -F 'path=/api/v1/sessions ' "$W/postillon.log" | grep -F 'status=429' | tail -1 | sed -n 's/.*remote=\([^ ]*\).*/\1/p')
say "note: Postillon's access log records remote=$remote for the 127.0.0.2 request"

# Body limits: 2m in general, 39m on /api/v1/send (Postillon's own send limit is 38.5 MiB).
truncate -s 3M "$W/data/3m.bin"
truncate -s 40M "$W/data/40m.bin"
truncate -s 38M "$W/data/38m.bin"
c=$("${C[@]}" -D "$W/h413a.txt" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$W/data/3m.bin" "$N/api/v1/sessions")
[[ $c == 413 ]] && ! grep -qi '^x-request-id:' "$W/h413a.txt" || fail "3 MiB to /api/v1/sessions: $c (want 413 from nginx)"
c=$("${C[@]}" -D "$W/h413b.txt" -o /dev/null -w '%{http_code}' -u alice:alice-secret -H 'Content-Type: application/json' --data-binary @"$W/data/40m.bin" "$N/api/v1/send")
[[ $c == 413 ]] && ! grep -qi '^x-request-id:' "$W/h413b.txt" || fail "40 MiB to /api/v1/send: $c (want 413 from nginx)"
c=$("${C[@]}" -D "$W/h38.txt" -o /dev/null -w '%{http_code}' -u alice:alice-secret -H 'Content-Type: application/json' --data-binary @"$W/data/38m.bin" "$N/api/v1/send")
grep -qi '^x-request-id:' "$W/h38.txt" || fail "38 MiB to /api/v1/send did not reach Postillon ($c)"
ok "body limits: 3 MiB elsewhere and 40 MiB on /api/v1/send -> 413 from nginx; 38 MiB send reaches Postillon ($c)"

# POST /api/v1/send, if this build has it: JSON (small, then with a 6 MiB attachment that is read
# back through nginx), raw message/rfc822, and an Idempotency-Key replay.
delivered() { # SUBJECT: how many messages with that subject bob's Maildir holds (after a short wait)
  local n=0
  for _ in $(seq 50); do
    n=$(grep -rlF "Subject: $1" "$MAIL_ROOT/bob/Maildir/new" "$MAIL_ROOT/bob/Maildir/cur" 2>/dev/null | wc -l)
    ((n >= 1)) && break
    sleep 0.2
  done
  sleep 0.3
  grep -rlF "Subject: $1" "$MAIL_ROOT/bob/Maildir/new" "$MAIL_ROOT/bob/Maildir/cur" 2>/dev/null | wc -l
}
send() { # BODY-FILE CONTENT-TYPE [IDEMPOTENCY-KEY] -> status; response in $W/send.json
  "${C[@]}" -o "$W/send.json" -w '%{http_code}' -u alice:alice-secret -H "Content-Type: $2" \
    ${3:+-H "Idempotency-Key: $3"} --data-binary @"$1" "$N/api/v1/send"
}
tag=$$-$RANDOM
printf '{"to":["Bob <bob@mail.test>"],"subject":"deploy nginx send %s","text":"through nginx\\n"}' "$tag" >"$W/data/send1.json"
code=$(send "$W/data/send1.json" application/json "deploy-nginx-$tag")
if [[ $code == 404 ]]; then
  say "SKIP: POST /api/v1/send answers 404 in this build (the send route is not merged yet)"
else
  [[ $code == 200 || $code == 201 || $code == 202 ]] || fail "send through nginx: $code $(cat "$W/send.json")"
  grep -q 'bob@mail.test' "$W/send.json" || fail "send result does not list bob as accepted: $(cat "$W/send.json")"
  first_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messageId"])' "$W/send.json")
  code=$(send "$W/data/send1.json" application/json "deploy-nginx-$tag")
  again_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messageId"])' "$W/send.json")
  [[ $again_id == "$first_id" ]] || fail "Idempotency-Key replay through nginx sent again ($first_id vs $again_id)"
  n=$(delivered "deploy nginx send $tag")
  ((n == 1)) || fail "JSON send: $n deliveries to bob (want 1)"
  ok "POST /api/v1/send (JSON) through nginx -> delivered once to bob; Idempotency-Key replay -> same messageId $first_id"

  # 6 MiB attachment: an 8 MiB JSON body (above the general 2m limit), then read back as bob.
  python3 - "$W/data/big-attachment.bin" "$W/data/send2.json" "$tag" <<'PY'
import base64, json, os, sys
data = os.urandom(6 * 1024 * 1024)
open(sys.argv[1], "wb").write(data)
json.dump({"to": ["bob@mail.test"], "subject": "deploy nginx attachment %s" % sys.argv[3], "text": "see attachment\n",
           "attachments": [{"filename": "big.bin", "contentType": "application/octet-stream",
                            "content": base64.b64encode(data).decode()}]}, open(sys.argv[2], "w"))
PY
  code=$(send "$W/data/send2.json" application/json)
  [[ $code == 200 || $code == 201 || $code == 202 ]] || fail "send with a 6 MiB attachment: $code $(head -c 300 "$W/send.json")"
  n=$(delivered "deploy nginx attachment $tag")
  ((n == 1)) || fail "attachment send: $n deliveries to bob"
  bid=$("${C[@]}" -f -u bob:bob-secret "$N/api/v1/messages?limit=50" |
    python3 -c 'import json,sys; t=sys.argv[1]; print(next(m["id"] for m in json.load(sys.stdin)["messages"] if m["subject"]==t))' "deploy nginx attachment $tag")
  part=$("${C[@]}" -f -u bob:bob-secret "$N/api/v1/messages/$bid" |
    python3 -c 'import json,sys; print(next(a["partId"] for a in json.load(sys.stdin)["attachments"] if a["filename"]=="big.bin"))')
  "${C[@]}" -f -u bob:bob-secret -o "$W/data/big-attachment.got" "$N/api/v1/messages/$bid/attachments/$part" || fail "attachment download as bob"
  cmp -s "$W/data/big-attachment.bin" "$W/data/big-attachment.got" || fail "sent and received attachment differ"
  ok "POST /api/v1/send with a 6 MiB attachment ($(stat -c %s "$W/data/send2.json") bytes of JSON) through nginx; read back as bob byte-identical"

  printf 'From: Alice <alice@mail.test>\r\nTo: Bob <bob@mail.test>\r\nSubject: deploy nginx raw %s\r\nMessage-ID: <deploy-raw-%s@mail.test>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nraw through nginx\r\n' \
    "$tag" "$tag" "$(date -R)" >"$W/data/raw.eml"
  code=$(send "$W/data/raw.eml" message/rfc822)
  [[ $code == 200 || $code == 201 || $code == 202 ]] || fail "raw send: $code $(cat "$W/send.json")"
  n=$(delivered "deploy nginx raw $tag")
  ((n == 1)) || fail "raw send: $n deliveries to bob"
  ok "POST /api/v1/send (message/rfc822) through nginx -> delivered to bob"
fi

# --- stop --------------------------------------------------------------------------------------
stop_pid "$NGINX_PID" 10 || fail "nginx did not stop cleanly"
stop_pid "$PPID_POSTILLON" 30 || fail "postillon did not exit cleanly"
rm -f "$W"/big-*.eml "$W"/data/*  # kept only when a check failed
say "PASS"
