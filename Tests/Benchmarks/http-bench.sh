#!/usr/bin/env bash
# Postillon HTTP benchmark against a Hummingbird 2 hello-world baseline, plus
# robustness checks of Postillon's HTTP/1.1 server. Loopback only; every load
# is bounded in time; every process started here is stopped by its PID on exit.
#
#   Tests/Benchmarks/http-bench.sh            # DURATION=10 ROUNDS=3
#   DURATION=5 ROUNDS=1 Tests/Benchmarks/http-bench.sh
#   SKIP_BENCH=1 Tests/Benchmarks/http-bench.sh   # robustness checks only
#
# Env: DURATION (s per wrk run, 10), ROUNDS (3), CONNS ("64 256"),
#      BASELINE_DIR (/tmp/postillon-hb-baseline), BASELINE_PORT (18401),
#      POSTILLON_PORT (18402), NOLOG_PORT (18404), NOMETRICS_PORT (18405), SLOW_PORT (18403),
#      IDLE_CONNS (2000), CHURN_CONNS (10000), POSTILLON_BIN (.build/release/postillon; built if
#      missing), KEEP_WORK=1 keeps the raw wrk outputs and logs.
# Exit status: non-zero only when a robustness check fails (or setup fails);
# throughput ratios are reported, never asserted.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
HOST=127.0.0.1
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-64 256}"
BASELINE_DIR="${BASELINE_DIR:-/tmp/postillon-hb-baseline}"
HB_PORT="${BASELINE_PORT:-18401}"
P_PORT="${POSTILLON_PORT:-18402}"
SLOW_PORT="${SLOW_PORT:-18403}"
NOLOG_PORT="${NOLOG_PORT:-18404}"
NM_PORT="${NOMETRICS_PORT:-18405}"
IDLE_CONNS="${IDLE_CONNS:-2000}"
CHURN_CONNS="${CHURN_CONNS:-10000}"
PUBLIC_DIR="$REPO/Public"
P_BIN="${POSTILLON_BIN:-$REPO/.build/release/postillon}"
PY="${PYTHON:-python3}"

WORK="$(mktemp -d /tmp/postillon-bench.XXXXXX)"
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        # bounded wait: 10 s, then SIGKILL that PID only
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    done
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "raw outputs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "error: $*" >&2; exit 2; }
need() { command -v "$1" >/dev/null || die "$1 not found (${2:-})"; }
need wrk "apt-get install wrk"
need curl "apt-get install curl"
need "$PY" "python3"
need swift "Swift toolchain"

# Enough descriptors for the idle-connection check (servers inherit it).
HARD_NOFILE="$(ulimit -Hn)"
WANT_NOFILE=$(( IDLE_CONNS + 4096 ))
if [[ "$HARD_NOFILE" != unlimited && "$HARD_NOFILE" -lt "$WANT_NOFILE" ]]; then WANT_NOFILE="$HARD_NOFILE"; fi
ulimit -n "$WANT_NOFILE" || die "cannot raise ulimit -n to $WANT_NOFILE"

port_free() { ! (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
rss_kb() { awk -v f="$2:" '$1==f{print $2}' "/proc/$1/status" 2>/dev/null || echo -1; }
mib() { awk -v k="${1:--1}" 'BEGIN{ if (k < 0) print "n/a"; else printf "%.1f MiB", k/1024 }'; }

wait_ready() { # url pid name
    local i
    for i in $(seq 100); do
        kill -0 "$2" 2>/dev/null || die "$3 exited during start (log: $WORK/$3.log): $(tail -3 "$WORK/$3.log")"
        curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$3 did not answer $1 within 10 s"
}

# ---------------------------------------------------------------- builds
echo "== builds"
HB_BIN="$("$HERE/hb-baseline.sh" "$BASELINE_DIR" | tail -1)" || die "baseline build failed"
[[ -x "$HB_BIN" ]] || die "baseline binary missing: $HB_BIN"
echo "baseline : $HB_BIN (Hummingbird 2.28.1, release)"
if [[ ! -x "$P_BIN" ]]; then
    echo "building postillon (release)..."
    (cd "$REPO" && swift build -c release --product postillon) || die "postillon build failed"
fi
echo "postillon: $P_BIN (release)"

for p in "$HB_PORT" "$P_PORT" "$NOLOG_PORT" "$NM_PORT" "$SLOW_PORT"; do port_free "$p" || die "port $p on $HOST is already in use"; done

# ---------------------------------------------------------------- servers
HB_PORT="$HB_PORT" HB_HOST="$HOST" HB_PUBLIC_DIR="$PUBLIC_DIR" "$HB_BIN" >"$WORK/baseline.log" 2>&1 &
HB_PID=$!; PIDS+=("$HB_PID")
# "postillon" runs as shipped: log level info, access log on (text lines on stderr, appended to a
# file that is emptied after each wrk run so the disk does not fill). "nolog" is the same binary
# with the access log off, to show what the log costs.
"$P_BIN" --listen "$HOST:$P_PORT" --public-dir "$PUBLIC_DIR" >>"$WORK/postillon.log" 2>&1 &
P_PID=$!; PIDS+=("$P_PID")
"$P_BIN" --listen "$HOST:$NOLOG_PORT" --public-dir "$PUBLIC_DIR" --log-level notice --access-log false \
    >"$WORK/postillon-nolog.log" 2>&1 &
N_PID=$!; PIDS+=("$N_PID")
wait_ready "http://$HOST:$HB_PORT/health" "$HB_PID" baseline
wait_ready "http://$HOST:$P_PORT/api/v1/health" "$P_PID" postillon
wait_ready "http://$HOST:$NOLOG_PORT/api/v1/health" "$N_PID" postillon-nolog

declare -A URL
URL[postillon,health]="http://$HOST:$P_PORT/api/v1/health"
URL[postillon,static]="http://$HOST:$P_PORT/index.html"
URL[nolog,health]="http://$HOST:$NOLOG_PORT/api/v1/health"
URL[nolog,static]="http://$HOST:$NOLOG_PORT/index.html"
URL[baseline,health]="http://$HOST:$HB_PORT/health"
URL[baseline,static]="http://$HOST:$HB_PORT/index.html"
for s in postillon nolog baseline; do
    for t in health static; do
        info="$(curl -fsS -o /dev/null -w '%{http_code} %{content_type} %{size_download}B' "${URL[$s,$t]}")" \
            || die "$s ${URL[$s,$t]} failed"
        printf '%-9s %-6s %-40s -> %s\n' "$s" "$t" "${URL[$s,$t]}" "$info"
    done
done
echo "access logging: postillon as shipped (--log-level info, access log on, one text line per request"
echo "                on stderr into a file); nolog = postillon --access-log false --log-level notice;"
echo "                Hummingbird hello world at its default log level logs no requests"
echo "machine: $(nproc) cores; wrk -t2 on the same machine; postillon --event-loops default, Hummingbird default event loop group"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average before load: $(loadavg) (other work on the machine makes the numbers noisy)"

HB_IDLE="$(rss_kb "$HB_PID" VmRSS)"; P_IDLE="$(rss_kb "$P_PID" VmRSS)"

# ---------------------------------------------------------------- load
declare -A RPS P99 ERRS
if [[ "${SKIP_BENCH:-0}" != 1 ]]; then
    echo
    echo "== load: wrk -t2 -c{$CONNS} -d${DURATION}s --latency, $ROUNDS interleaved rounds (postillon, nolog, baseline, ...), medians"
    for s in postillon nolog baseline; do       # short warm-up, not measured
        for t in health static; do timeout 20 wrk -t2 -c64 -d2s "${URL[$s,$t]}" >/dev/null 2>&1; done
    done
    for r in $(seq "$ROUNDS"); do
        for t in health static; do
            for c in $CONNS; do
                for s in postillon nolog baseline; do
                    f="$WORK/wrk-$s-$t-c$c-r$r.txt"
                    timeout $(( DURATION + 30 )) wrk -t2 -c"$c" -d"${DURATION}s" --latency "${URL[$s,$t]}" >"$f" 2>&1
                    read -r rps p99 non2xx sockerr < <("$PY" "$HERE/wrkstats.py" parse "$f")
                    if [[ "$s" == postillon ]]; then
                        LOGGED_LINES=$(( ${LOGGED_LINES:-0} + $(grep -c ' request$' "$WORK/postillon.log" || true) ))
                        : >"$WORK/postillon.log"     # opened O_APPEND: the server keeps writing at the new end
                    fi
                    RPS[$s,$t,$c]+="$rps "; P99[$s,$t,$c]+="$p99 "
                    ERRS[$s,$t,$c]=$(( ${ERRS[$s,$t,$c]:-0} + non2xx + sockerr ))
                    printf '  round %s %-6s c=%-3s %-9s %10s req/s  p99 %8s ms  errors %s\n' \
                        "$r" "$t" "$c" "$s" "$rps" "$p99" $(( non2xx + sockerr ))
                done
            done
        done
    done
    echo
    printf '%-7s | %5s | %13s | %12s | %14s | %5s | %8s | %11s | %11s | %12s\n' target conns "log on req/s" "log off req/s" "baseline req/s" ratio "log cost" "log-on p99" "log-off p99" "baseline p99"
    printf '%s\n' "--------+-------+---------------+--------------+----------------+-------+----------+-------------+-------------+-------------"
    for t in health static; do
        for c in $CONNS; do
            # shellcheck disable=SC2086
            pr="$("$PY" "$HERE/wrkstats.py" median ${RPS[postillon,$t,$c]})"
            nr="$("$PY" "$HERE/wrkstats.py" median ${RPS[nolog,$t,$c]})"
            br="$("$PY" "$HERE/wrkstats.py" median ${RPS[baseline,$t,$c]})"
            pp="$("$PY" "$HERE/wrkstats.py" median ${P99[postillon,$t,$c]})"
            np="$("$PY" "$HERE/wrkstats.py" median ${P99[nolog,$t,$c]})"
            bp="$("$PY" "$HERE/wrkstats.py" median ${P99[baseline,$t,$c]})"
            ratio="$(awk -v a="$pr" -v b="$br" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "n/a" }')"
            cost="$(awk -v on="$pr" -v off="$nr" 'BEGIN{ if (off > 0) printf "%+.1f%%", (off-on)*100/off; else print "n/a" }')"
            printf '%-7s | %5s | %13.0f | %12.0f | %14.0f | %5s | %8s | %8.2f ms | %8.2f ms | %9.2f ms\n' "$t" "$c" "$pr" "$nr" "$br" "$ratio" "$cost" "$pp" "$np" "$bp"
        done
    done
    echo "ratio = log on / baseline; log cost = (log off - log on) / log off; access-log lines written during the runs: ${LOGGED_LINES:-0}"
    echo "load average after load: $(loadavg)"
    for k in "${!ERRS[@]}"; do
        [[ "${ERRS[$k]}" -gt 0 ]] && echo "note: $k had ${ERRS[$k]} non-2xx/socket errors (see wrk output)"
    done
fi
# ---------------------------------------------------------------- metrics cost
# The same binary and shipped defaults (access log on, into a file emptied after each run) with only
# --metrics false (swift-metrics' no-op backend, no /metrics), beside the shipped default (metrics
# on), health at each connection count, interleaved, medians.
if [[ "${SKIP_BENCH:-0}" != 1 ]]; then
    "$P_BIN" --listen "$HOST:$NM_PORT" --public-dir "$PUBLIC_DIR" --metrics false \
        >>"$WORK/postillon-nometrics.log" 2>&1 &
    NM_PID=$!; PIDS+=("$NM_PID")
    wait_ready "http://$HOST:$NM_PORT/api/v1/health" "$NM_PID" postillon-nometrics
    URL[nometrics,health]="http://$HOST:$NM_PORT/api/v1/health"
    echo
    echo "== metrics cost: postillon as shipped (metrics on, access log on) vs the same with --metrics false, health, $ROUNDS interleaved rounds, medians"
    timeout 20 wrk -t2 -c64 -d2s "${URL[nometrics,health]}" >/dev/null 2>&1
    for r in $(seq "$ROUNDS"); do
        for c in $CONNS; do
            for s in postillon nometrics; do
                f="$WORK/wrk-metrics-$s-c$c-r$r.txt"
                timeout $(( DURATION + 30 )) wrk -t2 -c"$c" -d"${DURATION}s" --latency "${URL[$s,health]}" >"$f" 2>&1
                read -r rps p99 non2xx sockerr < <("$PY" "$HERE/wrkstats.py" parse "$f")
                : >"$WORK/postillon.log"; : >"$WORK/postillon-nometrics.log"   # O_APPEND: writing goes on at the new end
                RPS[$s,metrics,$c]+="$rps "; P99[$s,metrics,$c]+="$p99 "
                printf '  round %s c=%-3s %-9s %10s req/s  p99 %8s ms  errors %s\n' "$r" "$c" "$s" "$rps" "$p99" $(( non2xx + sockerr ))
            done
        done
    done
    printf '%5s | %17s | %17s | %13s | %13s | %s\n' conns "metrics on req/s" "metrics off req/s" "on p99" "off p99" "cost"
    for c in $CONNS; do
        # shellcheck disable=SC2086
        on="$("$PY" "$HERE/wrkstats.py" median ${RPS[postillon,metrics,$c]})"
        off="$("$PY" "$HERE/wrkstats.py" median ${RPS[nometrics,metrics,$c]})"
        onp="$("$PY" "$HERE/wrkstats.py" median ${P99[postillon,metrics,$c]})"
        offp="$("$PY" "$HERE/wrkstats.py" median ${P99[nometrics,metrics,$c]})"
        cost="$(awk -v a="$on" -v b="$off" 'BEGIN{ if (b > 0) printf "%+.1f %%", (b-a)/b*100; else print "n/a" }')"
        printf '%5s | %17.0f | %17.0f | %10.2f ms | %10.2f ms | %s\n' "$c" "$on" "$off" "$onp" "$offp" "$cost"
    done
    kill "$NM_PID" 2>/dev/null
fi

echo
echo "RSS postillon: idle $(mib "$P_IDLE"), now $(mib "$(rss_kb "$P_PID" VmRSS)"), peak (VmHWM) $(mib "$(rss_kb "$P_PID" VmHWM)")"
echo "RSS baseline : idle $(mib "$HB_IDLE"), now $(mib "$(rss_kb "$HB_PID" VmRSS)"), peak (VmHWM) $(mib "$(rss_kb "$HB_PID" VmHWM)")"

# ---------------------------------------------------------------- robustness
echo
echo "== robustness (postillon)"
FAILS=0
check() { "$PY" "$HERE/robust.py" "$@" || FAILS=$(( FAILS + 1 )); }
check idle "$HOST" "$P_PORT" "$P_PID" "$IDLE_CONNS"
check bigheader "$HOST" "$P_PORT"
check churn "$HOST" "$P_PORT" "$CHURN_CONNS"
check pipeline "$HOST" "$P_PORT" 100

"$P_BIN" --listen "$HOST:$SLOW_PORT" --public-dir "$PUBLIC_DIR" --log-level notice --access-log false \
    --header-timeout 5 >"$WORK/postillon-slow.log" 2>&1 &
S_PID=$!; PIDS+=("$S_PID")
wait_ready "http://$HOST:$SLOW_PORT/api/v1/health" "$S_PID" postillon-slow
check slow "$HOST" "$SLOW_PORT" 5

if kill -0 "$P_PID" 2>/dev/null && curl -fsS -o /dev/null --max-time 2 "${URL[postillon,health]}"; then
    echo "PASS server-alive: postillon pid $P_PID still running and answering health; RSS now $(mib "$(rss_kb "$P_PID" VmRSS)"), peak $(mib "$(rss_kb "$P_PID" VmHWM)")"
else
    echo "FAIL server-alive: postillon pid $P_PID died or stopped answering (log: $(tail -5 "$WORK/postillon.log"))"
    FAILS=$(( FAILS + 1 ))
fi
n_bad="$(cat "$WORK/postillon.log" "$WORK/postillon-slow.log" | grep -Ec ' (warning|error|critical) ' || true)"
if [[ "$n_bad" -gt 0 ]]; then
    echo "note: postillon logged $n_bad warning/error/critical lines:"
    cat "$WORK/postillon.log" "$WORK/postillon-slow.log" | grep -E ' (warning|error|critical) ' | sort | uniq -c | sort -rn | head -5
fi
kill -0 "$HB_PID" 2>/dev/null || echo "note: the baseline server exited during the run"

echo
if [[ "$FAILS" -gt 0 ]]; then echo "robustness: $FAILS check(s) FAILED"; exit 1; fi
echo "robustness: all checks passed"
