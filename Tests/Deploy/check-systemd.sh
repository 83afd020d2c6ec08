#!/usr/bin/env bash
# Check Deploy/systemd/ without a running systemd:
#  1. `systemd-analyze verify` on the unit in a scratch root holding the binary at
#     /usr/local/bin/postillon (must print nothing and exit 0);
#  2. `systemd-analyze security --offline=yes` exposure (fails above 2.0);
#  3. the env file example parses (`postillon --print-config`);
#  4. MemoryDenyWriteExecute=yes: Postillon serves real requests under systemd's own
#     W^X seccomp rules and under prctl(PR_SET_MDWE), maps no rwx memory, and GMime's
#     regex/parse paths work with PCRE2's JIT refused (Tests/Deploy/mdwe-*.c);
#  5. SystemCallFilter=/RestrictAddressFamilies=: every system call and socket family
#     seen with strace during those requests is allowed by the unit.
# Usage: Tests/Deploy/check-systemd.sh   (root; env: see lib.sh; PORT default 18681)
CHECK=systemd
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PORT=${PORT:-18681}
W=$DEPLOY_TMP/systemd
UNIT=$REPO/Deploy/systemd/postillon.service
rm -rf "$W" && mkdir -p "$W"

ensure_apt systemd curl strace gcc libc6-dev libseccomp-dev libgmime-3.0-dev pkg-config python3
ensure_binary
ports_free "$PORT"

# --- 1. verify in a scratch root -------------------------------------------------------------
R=$W/root
mkdir -p "$R/usr/local/bin" "$R/etc/systemd/system" "$R/etc/postillon" "$R/usr/lib/systemd" "$R/usr/local/share/postillon"
cp -a /usr/lib/systemd/system "$R/usr/lib/systemd/"  # sysinit.target & co. for dependency loading
install -m 0755 "$POSTILLON_BIN" "$R/usr/local/bin/postillon"
cp -r "$REPO/Public" "$R/usr/local/share/postillon/Public"
install -m 0644 "$UNIT" "$R/etc/systemd/system/postillon.service"
install -m 0640 "$REPO/Deploy/systemd/postillon.env.example" "$R/etc/postillon/postillon.env"
echo '[]' >"$R/etc/postillon/accounts.json" && chmod 600 "$R/etc/postillon/accounts.json"

say "\$ systemd-analyze verify --root=$R --man=no /etc/systemd/system/postillon.service"
out=$(systemd-analyze verify --root="$R" --man=no /etc/systemd/system/postillon.service 2>&1) || fail "verify: $out"
[[ -z $out ]] || fail "verify printed warnings:"$'\n'"$out"
ok "systemd-analyze verify: clean"

# --- 2. security exposure ----------------------------------------------------------------------
say "\$ systemd-analyze security --offline=yes --root=$R /etc/systemd/system/postillon.service"
systemd-analyze security --offline=yes --root="$R" --no-pager /etc/systemd/system/postillon.service >"$W/security.txt" 2>&1 || true
score=$(sed -n 's/.*Overall exposure level for postillon.service: \([0-9.]*\).*/\1/p' "$W/security.txt")
[[ -n $score ]] || { cat "$W/security.txt" >&2; fail "no exposure score"; }
grep '✗' "$W/security.txt" | sed 's/  */ /g' | sed "s/^/[$CHECK]   /" || true
python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" || fail "exposure $score > 2.0"
ok "systemd-analyze security exposure: $score"

# --- 3. env file example -----------------------------------------------------------------------
mapfile -t envlines < <(grep -E '^POSTILLON_[A-Z_]+=' "$REPO/Deploy/systemd/postillon.env.example")
env -i PATH=/usr/bin:/bin "${envlines[@]}" POSTILLON_PUBLIC_DIR="$R/usr/local/share/postillon/Public" \
  "$POSTILLON_BIN" --print-config --accounts-file="$R/etc/postillon/accounts.json" >"$W/print-config.txt" ||
  fail "postillon.env.example does not parse"
grep -q '^trusted-proxies = 127.0.0.1$' "$W/print-config.txt" || fail "env example: trusted proxies not applied"
# The unit's stop timeout must exceed the graceful-shutdown deadline.
stop_sec=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\{0,1\}$/\1/p' "$UNIT")
shutdown=$("$POSTILLON_BIN" --print-config --public-dir "$REPO/Public" | sed -n 's/^shutdown-timeout = //p')
((stop_sec > shutdown)) || fail "TimeoutStopSec=$stop_sec is not above the shutdown timeout $shutdown"
ok "env example parses; TimeoutStopSec=$stop_sec > shutdown-timeout $shutdown"

# --- 4./5. MemoryDenyWriteExecute and the system call filter, with real requests -------------
cc -O2 -Wall -o "$W/mdwe-exec" "$REPO/Tests/Deploy/mdwe-exec.c" -lseccomp
# shellcheck disable=SC2046
cc -O2 -Wall -o "$W/mdwe-gmime" "$REPO/Tests/Deploy/mdwe-gmime.c" $(pkg-config --cflags --libs gmime-3.0)
"$W/mdwe-exec" probe >/dev/null 2>&1 && fail "probe: W+X allowed without restriction?"
"$W/mdwe-exec" seccomp "$W/mdwe-exec" probe >/dev/null || fail "seccomp W^X filter not effective"
modes=(seccomp)
if "$W/mdwe-exec" prctl "$W/mdwe-exec" probe >/dev/null 2>&1; then modes+=(prctl); else say "kernel lacks PR_SET_MDWE: prctl mode skipped"; fi

ms_start
B=http://127.0.0.1:$PORT
exercise() { # requests that cover TLS-less POP3 login, listing, raw streaming, sign-in, static files
  wait_http "$B/api/v1/health" 20 || return 1
  curl -sf "$B/api/v1/ready" >/dev/null || return 1
  local id out
  out=$(curl -sf -u alice:alice-secret "$B/api/v1/messages?limit=3") && grep -q '"messages"' <<<"$out" || return 1
  id=$(first_message_id "$B" alice:alice-secret) || return 1
  out=$(curl -sf -u alice:alice-secret "$B/api/v1/messages/$id/raw") && grep -q '^Subject:' <<<"$out" || return 1
  out=$(curl -sf -H 'Content-Type: application/json' -d '{"username":"alice","password":"alice-secret"}' "$B/api/v1/sessions") &&
    grep -q token <<<"$out" || return 1
  curl -sf -o /dev/null "$B/" || return 1
}
for mode in "${modes[@]}"; do
  bg strace -f -qq -o "$W/strace-$mode.txt" "$W/mdwe-exec" "$mode" "$POSTILLON_BIN" --listen "127.0.0.1:$PORT" \
    --pop3-url "pop3://127.0.0.1:$POP3_PORT" --smtp-url "smtp://127.0.0.1:$SUBMISSION_PORT" --ca-file "$CA_FILE" \
    --public-dir "$REPO/Public" --accounts-file "$R/etc/postillon/accounts.json" --mail-domain "$DOMAIN" \
    --state "sqlite:$W/state-$mode/state.db" >"$W/postillon-$mode.log" 2>&1
  spid=$BG_PID
  exercise || { tail "$W/postillon-$mode.log" >&2; fail "requests under MemoryDenyWriteExecute ($mode) failed"; }
  run_parsed_check "MemoryDenyWriteExecute ($mode)" "$B"
  code=$(curl -s -o "$W/send.json" -w '%{http_code}' -u alice:alice-secret -H 'Content-Type: application/json' \
    -d '{"to":["bob@mail.test"],"subject":"deploy mdwe send","html":"<p>Gr\u00fc\u00dfe</p>","attachments":[{"filename":"r\u00e9sum\u00e9.txt","contentType":"text/plain","content":"aGVsbG8="}]}' \
    "$B/api/v1/send")
  case $code in
    200) ok "MemoryDenyWriteExecute ($mode): POST /api/v1/send (GMime compose, SMTP STARTTLS) -> 200" ;;
    404) say "SKIP: POST /api/v1/send not in this build" ;;
    *) fail "send under MemoryDenyWriteExecute ($mode): $code $(cat "$W/send.json")" ;;
  esac
  ppid=$(pgrep -P "$spid" || true) # strace's child: mdwe-exec, which exec'd postillon
  [[ -n $ppid ]] || fail "postillon process not found"
  rwx=$(grep -cE '^[^ ]+ .wx' "/proc/$ppid/maps" || true)
  ((rwx == 0)) || fail "$rwx writable+executable mappings in postillon"
  kill -TERM "$ppid"
  rc=0
  wait "$spid" || rc=$?
  ((rc == 0)) || fail "postillon exited with $rc after SIGTERM under $mode"
  # Refused W+X: anonymous RWX mmaps are PCRE2's JIT (GLib's GRegex, used by GMime), which falls
  # back to its interpreter; anything else refused (an mprotect making code executable) fails.
  refused=$(grep -E '^[0-9]+ +(mmap|mprotect|pkey_mprotect|shmat)\(.* = -1 (EPERM|EACCES)' "$W/strace-$mode.txt" || true)
  jit=$(grep -cE '^[0-9]+ +mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE\|PROT_EXEC, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\)' <<<"$refused" || true)
  other=$(grep -vE '^[0-9]+ +mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE\|PROT_EXEC, MAP_PRIVATE\|MAP_ANONYMOUS, -1, 0\)' <<<"$refused" | grep . || true)
  [[ -z $other ]] || fail "W^X refusals other than PCRE2's JIT in postillon ($mode):"$'\n'"$other"
  ok "MemoryDenyWriteExecute ($mode): requests served, 0 rwx maps, $jit refused anonymous RWX mmap(s) (PCRE2 JIT -> interpreter), nothing else refused, clean exit"
  G_MESSAGES_DEBUG=GLib "$W/mdwe-exec" "$mode" "$W/mdwe-gmime" >"$W/gmime-$mode.txt" 2>&1 ||
    { cat "$W/gmime-$mode.txt" >&2; fail "GMime under $mode"; }
  jit=$(grep -c 'JIT was unable to allocate executable memory' "$W/gmime-$mode.txt" || true)
  ok "GMime parse/serialise under $mode works (PCRE2 JIT refused -> GLib interpreter fallback: $([[ $jit != 0 ]] && echo yes || echo not needed))"
done

# System calls and socket families seen under strace (seccomp run) against the unit's filter.
python3 - "$W/strace-seccomp.txt" "$UNIT" <<'EOF' || fail "system call filter check"
import re, subprocess, sys
trace, unit = sys.argv[1], sys.argv[2]
cache = {}
def expand(group):
    if group not in cache:
        out = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True, check=True).stdout
        names = set()
        for line in out.splitlines()[1:]:
            line = line.strip()
            if line and not line.startswith("#"):
                names |= expand(line) if line.startswith("@") else {line}
        cache[group] = names
    return cache[group]
allowed, families = set(), set()
for line in open(unit):
    line = line.strip()
    if line.startswith("SystemCallFilter="):
        spec = line.split("=", 1)[1]
        deny = spec.startswith("~")
        names = set().union(*(expand(t) if t.startswith("@") else {t} for t in spec.lstrip("~").split()))
        allowed = allowed - names if deny else allowed | names
    elif line.startswith("RestrictAddressFamilies="):
        families = set(line.split("=", 1)[1].split())
used, used_families = set(), set()
seen_exec = False
for line in open(trace):
    m = re.match(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)[( ]", line)
    if not m:
        continue
    name = m.group(1)
    # Everything before the wrapper exec's postillon belongs to mdwe-exec, not the service.
    if name == "execve" and re.search(r'execve\("[^"]*/postillon"', line):
        seen_exec = True
        continue
    if not seen_exec:
        continue
    used.add(name)
    f = re.match(r"^\d+\s+socket\((AF_[A-Z0-9]+)", line)
    if f:
        used_families.add(f.group(1))
# SQLite fchown()s a new journal/WAL file to the database's owner only when running as root (as
# this check does); the unit runs as a DynamicUser, where it never calls it, and SQLite ignores a
# refused fchown.
used.discard("fchown")
bad = sorted(used - allowed)
bad_families = sorted(used_families - families)
print(f"[systemd]   {len(used)} distinct system calls used, socket families {sorted(used_families)}")
if bad:
    print("[systemd]   not allowed by SystemCallFilter=:", bad)
if bad_families:
    print("[systemd]   not allowed by RestrictAddressFamilies=:", bad_families)
sys.exit(1 if bad or bad_families else 0)
EOF
ok "every system call and socket family used is allowed by SystemCallFilter=/RestrictAddressFamilies="
say "PASS"
