# shellcheck shell=bash
# stop_pid PID: SIGTERM, up to 10 s, then SIGKILL that PID only; reaps it. Sourced by the benchmarks.
stop_pid() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
