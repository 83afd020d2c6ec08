#!/usr/bin/env bash
# Verify Deploy/container/Containerfile's runtime stage without a container engine:
#  1. a scratch Debian 12 root from `debootstrap --variant=minbase bookworm` (cached);
#  2. exactly the Containerfile's RUNTIME_PACKAGES installed with --no-install-recommends
#     (and proof that naming gpg keeps gnupg's full set out);
#  3. the runtime stage's steps mirrored: user 10001, the binary (Swift runtime linked
#     statically, as `swift build --static-swift-stdlib` does, by relinking the release
#     build's objects), Public/ read-only, the healthcheck script;
#  4. in a private mount namespace with the root filesystem read-only and a tmpfs /tmp,
#     as uid 10001: `postillon --help`, then the server against the test mail servers:
#     /api/v1/health, /api/v1/ready, GET /api/v1/messages (Basic and API key), a raw
#     message, a static file, the HEALTHCHECK script, and a clean exit on SIGTERM.
# Usage: Tests/Deploy/check-container-root.sh   (root; env: see lib.sh; PORT default 18682,
#        ROOTFS_CACHE default /var/cache/postillon-deploy-tests/bookworm-minbase)
CHECK=container
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
PORT=${PORT:-18682}
W=$DEPLOY_TMP/container
CF=$REPO/Deploy/container/Containerfile
CACHE=${ROOTFS_CACHE:-/var/cache/postillon-deploy-tests/bookworm-minbase}
R=$W/rootfs
mkdir -p "$W"
rm -rf "$R"

ensure_apt debootstrap curl python3 util-linux binutils coreutils
ensure_binary
ports_free "$PORT"

# --- 0. the Containerfile itself (no engine to parse it here) ------------------------------------
python3 - "$CF" "$REPO" "$POSTILLON_BIN" <<'PY' || fail "Containerfile structure"
import re, shlex, subprocess, sys, os
path, repo, binary = sys.argv[1:]
lines, current = [], ""
for raw in open(path):
    line = raw.rstrip("\n")
    if not current and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if line.lstrip().startswith("#"):
        continue  # comment inside a continuation
    current += line[:-1] + " " if line.endswith("\\") else line
    if not line.endswith("\\"):
        lines.append(current.strip())
        current = ""
known = {"FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "USER", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK",
         "ENTRYPOINT", "CMD", "LABEL", "VOLUME", "SHELL", "ONBUILD"}
errors = []
stages = []
env_names = set(re.findall(r"Env:\s*(POSTILLON_[A-Z0-9_]+)", subprocess.run([binary, "--help"], capture_output=True, text=True).stdout))
copies, healthcheck, user, useradd_uid, entrypoint = {}, None, None, None, None
args_before_from = {}
for line in lines:
    word, _, rest = line.partition(" ")
    if word not in known:
        errors.append(f"unknown instruction {word!r}")
        continue
    if word == "ARG" and not stages and "=" in rest:
        name, value = rest.split("=", 1)
        args_before_from[name] = value.strip('"')
    if word == "FROM":
        stages.append(re.sub(r"\$\{(\w+)\}", lambda m: args_before_from.get(m.group(1), m.group(0)), rest))
    elif word == "COPY":
        args = shlex.split(rest)
        opts = [a for a in args if a.startswith("--")]
        srcs, dest = [a for a in args if not a.startswith("--")][:-1], args[-1]
        if not any(o.startswith("--from=") for o in opts):
            for src in srcs:
                if not os.path.exists(os.path.join(repo, src)):
                    errors.append(f"COPY source {src} does not exist in the build context")
        copies[dest] = (opts, srcs)
    elif word == "ENV":
        for name in re.findall(r"(\w+)=", rest):
            if name.startswith("POSTILLON_") and name not in env_names:
                errors.append(f"ENV {name} is not a Postillon variable")
    elif word == "HEALTHCHECK":
        healthcheck = rest
    elif word == "USER":
        user = rest
    elif word == "ENTRYPOINT":
        entrypoint = rest
    elif word == "RUN" and "useradd" in rest:
        useradd_uid = re.search(r"--uid (\d+)", rest).group(1)
if len(stages) != 2 or not stages[0].endswith(" AS build"):
    errors.append(f"expected a build stage and a runtime stage: {stages}")
if not user or user.split(":")[0] != useradd_uid:
    errors.append(f"USER {user} is not the useradd uid {useradd_uid}")
hc = re.search(r'CMD \["([^"]+)"', healthcheck or "")
if not hc or hc.group(1) not in copies:
    errors.append(f"HEALTHCHECK command is not a copied file: {healthcheck}")
if not entrypoint or shlex.split(entrypoint.strip("[]").replace(",", " "))[0] not in copies:
    errors.append(f"ENTRYPOINT is not the copied binary: {entrypoint}")
for e in errors:
    print(f"[container]   {e}")
print(f"[container] ok: Containerfile: {len(lines)} instructions, stages {', '.join(s.split()[0] for s in stages)}; "
      "COPY sources exist, ENV keys known, USER = useradd uid, HEALTHCHECK/ENTRYPOINT are copied files" if not errors else "")
sys.exit(1 if errors else 0)
PY

PKGS=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' "$CF")
[[ -n $PKGS ]] || fail "no ARG RUNTIME_PACKAGES in $CF"
PUBLIC_IN_IMAGE=$(sed -n 's/.*POSTILLON_PUBLIC_DIR=\([^ \\]*\).*/\1/p' "$CF" | head -1)
[[ -n $PUBLIC_IN_IMAGE ]] || fail "no POSTILLON_PUBLIC_DIR in $CF"
IMAGE_UID=$(sed -n 's/^USER \([0-9]*\):.*/\1/p' "$CF")
[[ -n $IMAGE_UID ]] || fail "no numeric USER in $CF"

# The Debian mirror apt already uses (deb822 or one-line sources), else the default.
mirror() {
  local m
  m=$(grep -hE '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | head -1)
  [[ -n $m ]] || m=$(grep -hE '^deb .*/debian/? bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | head -1)
  echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)

# --- 1. base root (debian:bookworm-slim stand-in), built once ----------------------------------
if [[ ! -f $CACHE/.postillon-complete ]]; then
  say "\$ debootstrap --variant=minbase bookworm $CACHE $MIRROR"
  rm -rf "$CACHE" "$CACHE.tmp"
  mkdir -p "$(dirname "$CACHE")"
  debootstrap --variant=minbase bookworm "$CACHE.tmp" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
    { tail -20 "$W/debootstrap.log" >&2; fail "debootstrap failed"; }
  touch "$CACHE.tmp/.postillon-complete"
  mv "$CACHE.tmp" "$CACHE"
fi
cp -a "$CACHE" "$R"
rm -f "$R/.postillon-complete"
# The image's apt sources: bookworm, bookworm-updates, bookworm-security.
rm -f "$R/etc/apt/sources.list"
cat >"$R/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cp -L /etc/resolv.conf "$R/etc/resolv.conf"

# root_argv [--user UID] CMD...: set ROOT_ARGV to a command that runs CMD chrooted in R, in a
# private mount namespace (its mounts vanish with it) with /proc; with --user also a read-only
# root, a tmpfs /tmp and that uid/gid. The command execs all the way down, so a background
# job's PID is CMD's PID. in_root runs it in the foreground.
root_argv() {
  local user=""
  if [[ $1 == --user ]]; then user=$2; shift 2; fi
  ROOT_ARGV=(unshare --mount --propagation private -- bash -euc '
    R=$1 user=$2; shift 2
    if [[ -n $user ]]; then
      mount --bind "$R" "$R" && mount -o remount,bind,ro "$R"
      mount -t tmpfs -o mode=1777,size=256m tmpfs "$R/tmp"
    fi
    mount -t proc proc "$R/proc"
    if [[ -n $user ]]; then exec chroot --userspec="$user:$user" --groups="$user" "$R" "$@"; fi
    exec chroot "$R" "$@"' _ "$R" "$user" "$@")
}
in_root() {
  root_argv "$@"
  "${ROOT_ARGV[@]}"
}

# --- 2. exactly the runtime packages -----------------------------------------------------------
in_root dpkg-query -W -f '${Package}\n' | sort >"$W/pkgs-before.txt"
say "\$ apt-get install -y --no-install-recommends $PKGS   (in the scratch root)"
in_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$W/apt.log" 2>&1 || { tail "$W/apt.log" >&2; fail "apt-get update in root"; }
# What the set would be without naming gpg (for the record; not installed).
without_gpg=$(tr ' ' '\n' <<<"$PKGS" | grep -vx gpg | tr '\n' ' ')
in_root apt-get install -s --no-install-recommends $without_gpg 2>/dev/null | awk '/^Inst /{print $2}' | sort >"$W/pkgs-without-gpg.txt"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >>"$W/apt.log" 2>&1 ||
  { tail -20 "$W/apt.log" >&2; fail "apt-get install $PKGS in root"; }
in_root apt-get clean
rm -rf "$R/var/lib/apt/lists/"*
in_root dpkg-query -W -f '${Package}\n' | sort >"$W/pkgs-after.txt"
added=$(comm -13 "$W/pkgs-before.txt" "$W/pkgs-after.txt")
say "installed $(wc -w <<<"$added") packages: $(tr '\n' ' ' <<<"$added")"
extra=$(comm -13 <(echo "$added") "$W/pkgs-without-gpg.txt" | tr '\n' ' ')
say "without naming gpg apt would add $(wc -l <"$W/pkgs-without-gpg.txt") instead, among them: $extra"
for p in gnupg dirmngr gpg-agent gpgsm pinentry-curses; do
  grep -qx "$p" "$W/pkgs-after.txt" && fail "$p got installed (gnupg's full set)"
done
ok "runtime packages: exactly RUNTIME_PACKAGES and their dependencies, no gnupg suite"

# --- 3. the runtime stage's steps --------------------------------------------------------------
in_root useradd --system --uid "$IMAGE_UID" --user-group --no-create-home --home-dir /nonexistent \
  --shell /usr/sbin/nologin postillon 2>"$W/useradd.log" || { cat "$W/useradd.log" >&2; fail useradd; }

# The binary the builder stage makes: Swift runtime + Foundation static, C libraries dynamic.
static_relink() { # OUT: relink the release objects with the Swift stdlib static (SwiftPM's --static-swift-stdlib)
  local yaml=$REPO/.build/release.yaml
  [[ -f $yaml && $POSTILLON_BIN -ef $REPO/.build/release/postillon ]] || return 1
  python3 - "$yaml" "$1" >"$W/link-args.txt" <<'EOF' || return 1
import json, re, sys
yaml, out = sys.argv[1], sys.argv[2]
lines = open(yaml).read().splitlines()
for i, line in enumerate(lines):
    if re.match(r'\s*description: "Linking .*/release/postillon"$', line):
        args = json.loads(lines[i + 1].split("args:", 1)[1])
        break
else:
    sys.exit(1)
args[args.index("-o") + 1] = out
# What SwiftPM adds for --static-swift-stdlib (the objects' autolink entries name the dynamic
# Foundation only, so its static archives' own dependencies are listed explicitly).
args += ["-static-stdlib", "-Xlinker", "--start-group", "-lFoundation", "-lCoreFoundation",
         "-lFoundationInternationalization", "-lFoundationEssentials", "-l_FoundationICU",
         "-l_FoundationCShims", "-l_FoundationCollections", "-Xlinker", "--end-group"]
print("\0".join(args), end="")
EOF
  xargs -0 -a "$W/link-args.txt" sh -c 'exec "$0" "$@"' >"$W/link.log" 2>&1 || return 1
  strip --strip-debug "$1"
}
install -d -m 0755 "$R/usr/local/bin" "$R/usr/local/share/postillon"
if static_relink "$W/postillon-static"; then
  install -m 0755 "$W/postillon-static" "$R/usr/local/bin/postillon"
  say "binary: Swift stdlib linked statically ($(du -h "$W/postillon-static" | cut -f1), strip --strip-debug)"
else
  # Fallback: the dynamic binary plus the Swift runtime libraries it loads.
  say "WARN: static relink not possible ($(tail -1 "$W/link.log" 2>/dev/null)); copying the Swift runtime libraries"
  install -m 0755 "$POSTILLON_BIN" "$R/usr/local/bin/postillon"
  install -d "$R/usr/local/lib/postillon"
  ldd "$POSTILLON_BIN" | awk '$3 ~ /\/swift\// {print $3}' | xargs -r -I{} cp -L {} "$R/usr/local/lib/postillon/"
  echo /usr/local/lib/postillon >"$R/etc/ld.so.conf.d/postillon.conf"
  in_root ldconfig
fi
cp -r "$REPO/Public" "$R$PUBLIC_IN_IMAGE"
install -m 0755 "$REPO/Deploy/container/healthcheck.sh" "$R/usr/local/bin/postillon-healthcheck"
chown -R root:root "$R/usr/local/share/postillon" && chmod -R a=rX "$R/usr/local/share/postillon"
# Mounted configuration (a Secret / bind mount in real deployments).
install -d -m 0755 "$R/etc/postillon"
API_KEY=deploy-test-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
ms_start
install -m 0444 "$CA_FILE" "$R/etc/postillon/mail-ca.pem"
printf '[{"name":"deploy-test","keySha256":"%s","username":"alice","password":"alice-secret","address":"alice@mail.test"}]\n' \
  "$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)" >"$R/etc/postillon/accounts.json"
chown "root:$IMAGE_UID" "$R/etc/postillon/accounts.json" && chmod 0440 "$R/etc/postillon/accounts.json"

unresolved=$(in_root ldd /usr/local/bin/postillon | grep 'not found' || true)
[[ -z $unresolved ]] || fail "libraries missing in the runtime root:"$'\n'"$unresolved"
ok "ldd in the root: every library found ($(in_root ldd /usr/local/bin/postillon | grep -c '=>') shared libraries)"

# --- 4. run it ---------------------------------------------------------------------------------
IMAGE_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent
  POSTILLON_PUBLIC_DIR="$PUBLIC_IN_IMAGE")
say "\$ postillon --help   (chroot, uid $IMAGE_UID, read-only root)"
in_root --user "$IMAGE_UID" /usr/bin/env -i "${IMAGE_ENV[@]}" /usr/local/bin/postillon --help >"$W/help.txt" 2>&1 ||
  { cat "$W/help.txt" >&2; fail "postillon --help in the root"; }
grep -q '^USAGE: postillon' "$W/help.txt" || fail "--help printed no usage"
ok "postillon --help in the root"

RUN_ENV=("${IMAGE_ENV[@]}" POSTILLON_LISTEN="127.0.0.1:$PORT"  # the image's 0.0.0.0:8080, on loopback here
  POSTILLON_POP3_URL="pop3://127.0.0.1:$POP3_PORT" POSTILLON_SMTP_URL="smtp://127.0.0.1:$SUBMISSION_PORT"
  POSTILLON_CA_FILE=/etc/postillon/mail-ca.pem POSTILLON_ACCOUNTS_FILE=/etc/postillon/accounts.json
  POSTILLON_MAIL_DOMAIN="$DOMAIN"
  POSTILLON_STATE=sqlite:/tmp/state/state.db)  # the image's /var/lib/postillon volume, on the tmpfs here
say "\$ postillon   (chroot, uid $IMAGE_UID, read-only root; pop3://127.0.0.1:$POP3_PORT with STLS)"
root_argv --user "$IMAGE_UID" /usr/bin/env -i "${RUN_ENV[@]}" /usr/local/bin/postillon
bg "${ROOT_ARGV[@]}" >"$W/postillon.log" 2>&1
SPID=$BG_PID
B=http://127.0.0.1:$PORT
wait_http "$B/api/v1/health" 20 || { cat "$W/postillon.log" >&2; fail "no /api/v1/health answer"; }
[[ /proc/$SPID/exe -ef $R/usr/local/bin/postillon ]] || fail "pid $SPID is not the chrooted postillon"
[[ $(stat -c %u "/proc/$SPID") == "$IMAGE_UID" ]] || fail "postillon does not run as uid $IMAGE_UID"
h=$(curl -sf "$B/api/v1/health") && grep -q '"status":"ok"' <<<"$h" || fail "health: $h"
ok "GET /api/v1/health -> $h"
r=$(curl -sf "$B/api/v1/ready") || fail "ready: not 200: $(curl -s "$B/api/v1/ready")"
ok "GET /api/v1/ready -> $r"
list=$(curl -sf -u alice:alice-secret "$B/api/v1/messages?limit=2") || fail "messages (Basic) failed"
total=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["total"] if len(d["messages"]) else 0)' "$list")
((total >= 1)) || fail "messages: empty list: $list"
ok "GET /api/v1/messages -u alice:alice-secret -> 200, total $total"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $API_KEY" "$B/api/v1/messages?limit=1")
[[ $code == 200 ]] || fail "messages with the API key from the accounts file: $code"
ok "GET /api/v1/messages with an API key (accounts file, root:$IMAGE_UID 0440) -> 200"
id=$(first_message_id "$B" alice:alice-secret)
raw=$(curl -sf -u alice:alice-secret "$B/api/v1/messages/$id/raw") && grep -q '^Message-ID:' <<<"$raw" || fail "raw message"
index=$(curl -sf "$B/") && grep -qi '<html' <<<"$index" || fail "static index from $PUBLIC_IN_IMAGE"
ok "raw message and static UI served"
run_parsed_check "in the root (runtime libgmime-3.0-0)" "$B"
tag=$$-$RANDOM
code=$(curl -s -o "$W/send.json" -w '%{http_code}' -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' \
  -d "{\"to\":[\"bob@mail.test\"],\"subject\":\"deploy container send $tag\",\"text\":\"Gr\u00fc\u00dfe\",\"attachments\":[{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"content\":\"aGVsbG8=\"}]}" \
  "$B/api/v1/send")
if [[ $code == 404 ]]; then
  say "SKIP: POST /api/v1/send not in this build"
else
  [[ $code == 200 ]] || fail "send from the root: $code $(cat "$W/send.json")"
  for _ in $(seq 50); do
    grep -rlqF "deploy container send $tag" "$MAIL_ROOT/bob/Maildir/new" 2>/dev/null && break
    sleep 0.2
  done
  grep -rlqF "deploy container send $tag" "$MAIL_ROOT/bob/Maildir/new" || fail "message sent from the root not delivered"
  ok "POST /api/v1/send with the API key (GMime compose, SMTP STARTTLS + AUTH via libcurl) -> delivered to bob"
fi
in_root --user "$IMAGE_UID" /usr/bin/env -i "${IMAGE_ENV[@]}" POSTILLON_LISTEN="127.0.0.1:$PORT" \
  /usr/local/bin/postillon-healthcheck || fail "HEALTHCHECK script reported unhealthy"
ok "HEALTHCHECK (postillon-healthcheck, bash /dev/tcp) -> healthy"
rc=0
stop_pid "$SPID" 30 || rc=$?
((rc == 0)) || { tail "$W/postillon.log" >&2; fail "exit status $rc after SIGTERM"; }
ok "SIGTERM -> exit 0"
if in_root --user "$IMAGE_UID" /usr/bin/env -i "${IMAGE_ENV[@]}" POSTILLON_LISTEN="127.0.0.1:$PORT" \
  /usr/local/bin/postillon-healthcheck; then fail "HEALTHCHECK healthy with the server stopped"; fi
ok "HEALTHCHECK with the server stopped -> unhealthy"
rm -rf "$R" "$W/postillon-static"  # kept only when a check failed
say "PASS"
