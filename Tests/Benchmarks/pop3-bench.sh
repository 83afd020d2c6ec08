#!/usr/bin/env bash
# POP3 list benchmark: `GET /api/v1/messages?limit=50` on Postillon (cold = first request
# after a server start, summary cache empty; cold page = the next page in that running process,
# 1.1 s later, its 50 summaries not cached; warm = page 1 again, 1.1 s later so it logs in
# afresh; open-after-list = the raw message just listed, on the parked session; open-cached =
# the same again, from the message cache) versus the curl CLI
# doing login + UIDL + 50 x `TOP n 0` on one connection. Both sides use STLS against the
# test CA. Two scenarios: direct loopback, and through Tests/Benchmarks/delay_proxy.py
# adding DELAY_MS in each direction between the POP3 client and Dovecot (the
# HTTP client <-> Postillon leg stays direct), plus the same through a proxy to POP3S
# (implicit TLS) for comparison. Ratios come from one run. The proxy does not delay
# the TCP handshake (the kernel completes it): a real link adds ~1 RTT per connection.
#
#   Tests/Benchmarks/pop3-bench.sh                 # ROUNDS=5 DELAY_MS=25
#   ROUNDS=3 TRACE=0 POP3S=0 Tests/Benchmarks/pop3-bench.sh   # quicker
#
# Env: ROUNDS (samples per cell, 5; medians are reported), WARM_PER_START (warm requests
#      after each cold one, 2), DELAY_MS (per direction, 25), MESSAGES (seeded, 200),
#      BASE_PORT (mail servers, 24400; uses BASE_PORT..+5), HTTP_PORT (18500),
#      PROXY_PORT (18501, delayed), PROXY0_PORT (18502, 0 ms, overhead check),
#      TRACE_PORT (18503, delayed + logging), TRACE=0 skips the flight trace,
#      PROXYS_PORT (18504, delayed, to POP3S), POP3S=0 skips the extra pop3s:// scenario,
#      POSTILLON_BIN (.build/release/postillon), KEEP_WORK=1 keeps $WORK.
# Needs root (Deploy/mailservers.sh), curl, python3. Exit status is non-zero only when
# setup fails or a response is wrong; timings are reported, never asserted.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-5}"
WARM_PER_START="${WARM_PER_START:-2}"
DELAY_MS="${DELAY_MS:-25}"
MESSAGES="${MESSAGES:-200}"
BASE_PORT="${BASE_PORT:-24400}"
HTTP_PORT="${HTTP_PORT:-18500}"
PROXY_PORT="${PROXY_PORT:-18501}"
PROXY0_PORT="${PROXY0_PORT:-18502}"
TRACE_PORT="${TRACE_PORT:-18503}"
PROXYS_PORT="${PROXYS_PORT:-18504}"
TRACE="${TRACE:-1}"
POP3S="${POP3S:-1}"
BIN="${POSTILLON_BIN:-$REPO/.build/release/postillon}"
LIMIT=50
USER_NAME=alice
PASS=alice-secret

WORK="$(mktemp -d /tmp/pop3-bench.XXXXXX)"
chmod 755 "$WORK"  # the mail servers run as other users
MS_DIR="$WORK/mail"
PIDS=()
SERVER_PID=

# shellcheck source=../Scripts/stop-pid.sh
source "$REPO/Tests/Scripts/stop-pid.sh"

cleanup() {
    local pid
    [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID"
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    [[ -f $MS_DIR/env ]] && "$REPO/Deploy/mailservers.sh" stop "$MS_DIR" >/dev/null 2>&1
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "error: $*" >&2; exit 2; }
need() { command -v "$1" >/dev/null || die "$1 not found"; }
need curl; need python3
[[ -x $BIN ]] || die "$BIN missing: swift build -c release --product postillon"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$HTTP_PORT" "$PROXY_PORT" "$PROXY0_PORT" "$TRACE_PORT" "$PROXYS_PORT"; do port_free "$p" || die "port $p is in use"; done
now() { echo "$EPOCHREALTIME"; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.3f", (b - a) * 1000}'; }

# ---------------------------------------------------------------- mail servers
echo "== mail servers (base port $BASE_PORT) in $MS_DIR"
"$REPO/Deploy/mailservers.sh" start "$MS_DIR" --base-port "$BASE_PORT" >"$WORK/mailservers.log" 2>&1 ||
    { cat "$WORK/mailservers.log" >&2; die "mailservers.sh start failed"; }
# shellcheck disable=SC1091
source "$MS_DIR/env"
python3 "$REPO/Tests/Scripts/seed-mailbox.py" "$MAIL_ROOT/$USER_NAME/Maildir" "$MESSAGES" >/dev/null ||
    die "seeding failed"
logins() { grep -c "Login: user=<$USER_NAME>" "$DOVECOT_LOG" 2>/dev/null || echo 0; }

start_proxy() { # port delay [log [extra flags]]   (target: $TARGET_PORT, default POP3 with STLS)
    local extra=()
    [[ -n ${3:-} ]] && extra=(--log "$3" "${@:4}")
    python3 "$HERE/delay_proxy.py" "$1" "${TARGET_PORT:-$POP3_PORT}" "$2" "${extra[@]}" >"$WORK/proxy-$1.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 50); do port_free "$1" || return 0; sleep 0.1; done
    die "delay proxy on $1 did not start: $(cat "$WORK/proxy-$1.log")"
}
start_proxy "$PROXY_PORT" "$DELAY_MS"
start_proxy "$PROXY0_PORT" 0
[[ $POP3S == 1 ]] && TARGET_PORT=$POP3S_PORT start_proxy "$PROXYS_PORT" "$DELAY_MS"
echo "delay proxy self-test: $(python3 "$HERE/delay_proxy.py" --selftest 2>&1 | tail -1 | sed 's/^selftest: //')"
cpu_busy() { # percent of all CPUs busy over one second
    local a b
    read -ra a < /proc/stat; sleep 1; read -ra b < /proc/stat
    awk -v i="$(( b[4] + b[5] - a[4] - a[5] ))" -v t="$(( b[1]+b[2]+b[3]+b[4]+b[5]+b[6]+b[7]+b[8] - a[1]-a[2]-a[3]-a[4]-a[5]-a[6]-a[7]-a[8] ))" \
        'BEGIN{printf "%d%%", 100 - 100 * i / t}'
}
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), busy $(cpu_busy) just before measuring" \
     "(other load skews the loopback numbers most)"

# ---------------------------------------------------------------- round-trip times
read -r RTT_DIRECT _ < <(python3 "$HERE/pop3_rtt.py" "$POP3_PORT" 200) || die "rtt probe failed"
read -r RTT_P0 _ < <(python3 "$HERE/pop3_rtt.py" "$PROXY0_PORT" 200) || die "rtt probe failed"
read -r RTT_PROXY _ < <(python3 "$HERE/pop3_rtt.py" "$PROXY_PORT" 20) || die "rtt probe failed"
echo "POP3 CAPA round trip (median): direct ${RTT_DIRECT} ms, proxy at 0 ms ${RTT_P0} ms" \
     "(proxy overhead $(awk -v a="$RTT_P0" -v b="$RTT_DIRECT" 'BEGIN{printf "%.3f", a-b}') ms)," \
     "proxy at ${DELAY_MS} ms/way ${RTT_PROXY} ms"

# ---------------------------------------------------------------- measurement helpers
SAMPLES="$WORK/samples.tsv"
: >"$SAMPLES"

start_server() { # pop3 port [scheme]
    "$BIN" --listen "127.0.0.1:$HTTP_PORT" --pop3-url "${2:-pop3}://127.0.0.1:$1" --ca-file "$CA_FILE" \
        --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" --mail-domain "$DOMAIN" --public-dir "$REPO/Public" \
        --log-level notice --access-log false >>"$WORK/postillon.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "postillon exited: $(tail -5 "$WORK/postillon.log")"
        curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$HTTP_PORT/api/v1/health" 2>/dev/null && return 0
        sleep 0.05
    done
    die "postillon did not answer /api/v1/health"
}
stop_server() { stop_pid "$SERVER_PID"; SERVER_PID=; }

# One list request; prints milliseconds (curl's time_total); checks status and page size.
list_request() { # [cursor]: the page after it (its summaries not cached yet)
    local out="$WORK/page.json" res code t query="limit=$LIMIT"
    [[ -n ${1:-} ]] && query+="&cursor=$1" && out="$WORK/page2.json"
    res=$(curl -s -o "$out" -w '%{http_code} %{time_total}' -u "$USER_NAME:$PASS" \
        "http://127.0.0.1:$HTTP_PORT/api/v1/messages?$query")
    read -r code t <<<"$res"
    [[ $code == 200 ]] || die "list returned HTTP $code: $(head -c 300 "$out")"
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); n=len(p["messages"]); sys.exit(0 if n==int(sys.argv[2]) and p["total"]==int(sys.argv[3]) else "page has %d messages, total %s" % (n, p.get("total")))' \
        "$out" "$LIMIT" "$MESSAGES" || die "wrong page"
    awk -v t="$t" 'BEGIN{printf "%.3f", t * 1000}'
}

# The curl CLI: login + UIDL + LIMIT x TOP n 0 (newest first) on one connection, STLS.
open_request() { # id; prints milliseconds of GET /messages/{id}/raw
    local res code t
    res=$(curl -s -o "$WORK/raw.eml" -w '%{http_code} %{time_total}' -u "$USER_NAME:$PASS" \
        "http://127.0.0.1:$HTTP_PORT/api/v1/messages/$1/raw")
    read -r code t <<<"$res"
    [[ $code == 200 ]] || die "raw download returned HTTP $code"
    grep -q '^X-Seed-Index:' "$WORK/raw.eml" || die "raw download is not the seeded message"
    awk -v t="$t" 'BEGIN{printf "%.3f", t * 1000}'
}

CURL_ARGS=()
build_curl_args() { # pop3 port [scheme]
    local url="${2:-pop3}://127.0.0.1:$1/" common=(-s --ssl-reqd --cacert "$CA_FILE" -u "$USER_NAME:$PASS") n
    CURL_ARGS=("${common[@]}" "$url" -X UIDL)
    for ((n = MESSAGES; n > MESSAGES - LIMIT; n--)); do
        CURL_ARGS+=(--next "${common[@]}" "$url" -X "TOP $n 0")
    done
}
curl_cli() { # pop3 port [scheme]; prints wall milliseconds of the curl process
    local out="$WORK/curl.out" t0 ms tops uidls
    build_curl_args "$1" "${2:-pop3}"
    t0=$(now)
    curl "${CURL_ARGS[@]}" >"$out" || die "curl CLI failed (rc $?)"
    ms=$(ms_since "$t0")
    tops=$(grep -c '^X-Seed-Index:' "$out")
    uidls=$(grep -cE '^[0-9]+ [0-9A-Fa-f]+.?$' "$out")
    [[ $tops == "$LIMIT" && $uidls == "$MESSAGES" ]] || die "curl CLI output has $tops header blocks, $uidls UIDL lines"
    echo "$ms"
}

measure() { # scenario pop3_port [scheme]
    local scenario=$1 port=$2 scheme=${3:-pop3} i w ms before after
    printf '%s:' "$scenario"
    # untimed warm-up of both paths (Dovecot indexes, page cache, TLS session setup code paths)
    start_server "$port" "$scheme"; list_request >/dev/null; stop_server
    curl_cli "$port" "$scheme" >/dev/null
    for ((i = 1; i <= ROUNDS; i++)); do
        start_server "$port" "$scheme"
        before=$(logins); ms=$(list_request); sleep 0.2; after=$(logins)
        printf '%s\tcold\t%s\t%s\n' "$scenario" "$ms" "$((after - before))" >>"$SAMPLES"
        # Cache-cold in a running process: the next page (50 summaries not cached), fresh login.
        cursor=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nextCursor"])' "$WORK/page.json")
        sleep 1.1
        before=$(logins); ms=$(list_request "$cursor"); sleep 0.2; after=$(logins)
        printf '%s\tcold-page\t%s\t%s\n' "$scenario" "$ms" "$((after - before))" >>"$SAMPLES"
        for ((w = 1; w <= WARM_PER_START; w++)); do
            # A list reuses a parked session only if it logged in under 1 s ago: wait that out, so
            # "warm" is a fresh login with cached summaries, as lists seconds apart are.
            sleep 1.1
            before=$(logins); ms=$(list_request); sleep 0.2; after=$(logins)
            printf '%s\twarm\t%s\t%s\n' "$scenario" "$ms" "$((after - before))" >>"$SAMPLES"
        done
        # Open the newest message just listed (parked session: RETR only), then again (cache).
        id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"][0]["id"])' "$WORK/page.json")
        before=$(logins); ms=$(open_request "$id"); sleep 0.2; after=$(logins)
        printf '%s\topen-after-list\t%s\t%s\n' "$scenario" "$ms" "$((after - before))" >>"$SAMPLES"
        before=$(logins); ms=$(open_request "$id"); sleep 0.2; after=$(logins)
        printf '%s\topen-cached\t%s\t%s\n' "$scenario" "$ms" "$((after - before))" >>"$SAMPLES"
        stop_server
        before=$(logins); ms=$(curl_cli "$port" "$scheme"); sleep 0.2; after=$(logins)
        printf '%s\tcurl\t%s\t%s\n' "$scenario" "$ms" "$((after - before))" >>"$SAMPLES"
        printf ' %d' "$i"
    done
    echo
}

# ---------------------------------------------------------------- measurements
echo "== measuring: $ROUNDS cold + $((ROUNDS * WARM_PER_START)) warm Postillon requests and $ROUNDS curl CLI runs per scenario"
measure loopback "$POP3_PORT"
measure "proxy ${DELAY_MS}+${DELAY_MS}ms" "$PROXY_PORT"
if [[ $POP3S == 1 ]]; then
    measure "proxy, pop3s (extra)" "$PROXYS_PORT" pop3s
fi

echo
python3 - "$SAMPLES" "$RTT_PROXY" "$RTT_DIRECT" <<'EOF'
import statistics, sys
samples, rtt_proxy, rtt_direct = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
data, logins = {}, {}
for line in open(samples):
    scenario, kind, ms, n = line.rstrip("\n").split("\t")
    data.setdefault(scenario, {}).setdefault(kind, []).append(float(ms))
    logins.setdefault(scenario, {}).setdefault(kind, []).append(int(n))
med = lambda xs: statistics.median(xs)
head = ["scenario", "postillon cold", "postillon warm", "curl CLI", "curl/postillon-cold", "curl/postillon-warm"]
rows = []
for scenario, d in data.items():
    c, w, k = med(d["cold"]), med(d["warm"]), med(d["curl"])
    rows.append([scenario, f"{c:.1f} ms", f"{w:.1f} ms", f"{k:.1f} ms", f"{k / c:.1f}x", f"{k / w:.1f}x"])
widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
fmt = lambda r: " | ".join(x.ljust(widths[i]) if i == 0 else x.rjust(widths[i]) for i, x in enumerate(r))
print(fmt(head))
print("-+-".join("-" * x for x in widths))
for r in rows:
    print(fmt(r))
print(f"(medians of {len(next(iter(data.values()))['cold'])} cold, {len(next(iter(data.values()))['warm'])} warm, "
      f"{len(next(iter(data.values()))['curl'])} curl samples; curl CLI = wall time of the curl process)")
for scenario, d in data.items():
    if scenario.startswith("proxy"):
        rt = {k: med(v) / rtt_proxy for k, v in d.items()}
        print(f"implied round trips, {scenario} (median / {rtt_proxy:.1f} ms RTT): "
              f"postillon cold {rt['cold']:.1f} (fresh process), cold page {rt['cold-page']:.1f} (running process, "
              f"summaries not cached), warm {rt['warm']:.1f}, curl CLI {rt['curl']:.1f}, "
              f"open-after-list {rt['open-after-list']:.1f}, open-cached {rt['open-cached']:.1f}")
for scenario, d in data.items():
    print(f"open a message just listed, {scenario}: parked session {med(d['open-after-list']):.1f} ms, "
          f"from cache {med(d['open-cached']):.1f} ms (medians)")
for scenario, l in logins.items():
    print(f"Dovecot logins per request, {scenario}: " +
          ", ".join(f"{k} {sorted(set(v)) if len(set(v)) > 1 else v[0]}" for k, v in l.items()))
for scenario, d in data.items():
    print(f"spread {scenario}: " + ", ".join(f"{k} {min(v):.1f}..{max(v):.1f} ms" for k, v in d.items()))
EOF

# ---------------------------------------------------------------- flight trace
# Where the round trips go. (1) The benchmark's own STLS setup through a logging delay proxy:
# TLS hides the commands, so only flight counts. (2) The same requests in plaintext: a proxy
# with --strip-stls hides STLS from the CAPA reply, Postillon runs with --allow-plaintext
# (which only *tries* STLS) and curl with --ssl, so the log shows every command.
if [[ $TRACE == 1 ]]; then
    TRACE_LOG="$WORK/trace.log"
    flights() { python3 "$HERE/delay_proxy.py" --summarize "$TRACE_LOG"; }
    one_line() { flights | sed -n 1p | sed "s/^connection [0-9]*: /$1: /"; }
    start_proxy "$TRACE_PORT" "$DELAY_MS" "$TRACE_LOG"
    echo; echo "== flights through the proxy with STLS (a flight = bytes in one direction until the other side answers)"
    start_server "$TRACE_PORT"
    : >"$TRACE_LOG"; list_request >/dev/null; sleep 1.1; one_line "postillon cold"
    # The warm request logs in afresh (the cold one's parked session is older than the list bound):
    # its trace has two connections, the parked session's QUIT and the new login, listed both.
    : >"$TRACE_LOG"; list_request >/dev/null; sleep 0.3; flights | sed "s/^connection [0-9]*: /postillon warm: /"
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"][0]["id"])' "$WORK/page.json")
    : >"$TRACE_LOG"; open_request "$id" >/dev/null; sleep 0.3
    echo "postillon open-after-list (parked session): $(flights | sed -n 1p)"
    : >"$TRACE_LOG"; open_request "$id" >/dev/null; sleep 0.3
    echo "postillon open again (cache): $(flights | sed -n 1p | grep . || echo 'no upstream traffic')"
    stop_server
    : >"$TRACE_LOG"; curl_cli "$TRACE_PORT" >/dev/null; sleep 0.3; one_line "curl CLI      "
    stop_pid "${PIDS[-1]}"; unset 'PIDS[-1]'

    start_proxy "$TRACE_PORT" "$DELAY_MS" "$TRACE_LOG" --strip-stls
    "$BIN" --listen "127.0.0.1:$HTTP_PORT" --pop3-url "pop3://127.0.0.1:$TRACE_PORT" --allow-plaintext \
        --smtp-url "smtp://127.0.0.1:$SMTP_PORT" --mail-domain "$DOMAIN" --public-dir "$REPO/Public" \
        --log-level notice --access-log false >>"$WORK/postillon.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/v1/health" && break; sleep 0.05; done
    echo; echo "== plaintext (STLS stripped by the proxy; times are when the proxy read each flight)"
    : >"$TRACE_LOG"; list_request >/dev/null; sleep 1.1; echo "postillon cold:"; flights | tail -n +2
    : >"$TRACE_LOG"; list_request >/dev/null; sleep 0.3; echo "postillon warm:"; flights | tail -n +2
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"][0]["id"])' "$WORK/page.json")
    : >"$TRACE_LOG"; open_request "$id" >/dev/null; sleep 0.3; echo "postillon open-after-list:"; flights | tail -n +2
    stop_server
    build_curl_args "$TRACE_PORT"
    : >"$TRACE_LOG"
    curl "${CURL_ARGS[@]/--ssl-reqd/--ssl}" >/dev/null || echo "(plaintext curl run failed)"
    sleep 0.3; echo "curl CLI (first flights):"; flights | sed -n '1p;2,13p'; echo "   ..."
fi
