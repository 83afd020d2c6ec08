#!/bin/bash
# postillon-healthcheck: exit 0 if GET /api/v1/health answers 200, else 1.
# The image has no curl or wget; bash's /dev/tcp is enough for one HTTP/1.1 request.
# Talks to the address in POSTILLON_LISTEN (0.0.0.0 / [::] become loopback).
set -u
listen=${POSTILLON_LISTEN:-127.0.0.1:8080}
port=${listen##*:}
host=${listen%:*}
host=${host#[}
host=${host%]}
case $host in
  "" | 0.0.0.0 | "*") host=127.0.0.1 ;;
  ::) host=::1 ;;
esac
{ exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || exit 1
printf 'GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: postillon-healthcheck\r\nConnection: close\r\n\r\n' >&3 || exit 1
IFS= read -r -t 4 status <&3 || exit 1
exec 3<&-
[[ $status == "HTTP/1.1 200 "* ]] || exit 1
