#!/usr/bin/env bash
# Run every deployment check and print PASS/FAIL for each; exit 1 if any failed.
#   systemd     Tests/Deploy/check-systemd.sh        (systemd-analyze verify + security, MDWE, syscalls)
#   container   Tests/Deploy/check-container-root.sh (debootstrap root with the runtime packages)
#   nginx       Tests/Deploy/check-nginx.sh          (real nginx + TLS in front of Postillon)
#   kubernetes  Tests/Deploy/check-kubernetes.py     (schemas + structure)
#   docs        Tests/Deploy/config-table.py --check Deploy/README.md
# Needs root on Debian 12; installs what it needs (apt: build deps, mail servers, systemd, nginx,
# debootstrap, ...; pip: kubernetes-validate in a venv) and builds the release binary if missing.
# Usage: Tests/Deploy/run-all.sh [CHECK...]   (default: all; env as in lib.sh)
CHECK=run-all
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
set +e
all=(systemd container nginx kubernetes docs)
(($#)) && selected=("$@") || selected=("${all[@]}")
LOGS=$DEPLOY_TMP/logs
mkdir -p "$LOGS"

ensure_apt curl python3 python3-venv python3-yaml ca-certificates
ensure_binary || exit 1
# One set of mail servers for all checks (each check reuses a running set; stopped at exit).
ms_start || exit 1
export MS_DIR MS_BASE_PORT DEPLOY_TMP POSTILLON_BIN

declare -A result seconds
for name in "${selected[@]}"; do
  case $name in
    systemd) cmd=(bash "$REPO/Tests/Deploy/check-systemd.sh") ;;
    container) cmd=(bash "$REPO/Tests/Deploy/check-container-root.sh") ;;
    nginx) cmd=(bash "$REPO/Tests/Deploy/check-nginx.sh") ;;
    kubernetes) cmd=(python3 "$REPO/Tests/Deploy/check-kubernetes.py" --postillon "$POSTILLON_BIN") ;;
    docs) cmd=(bash -c 'for f in "$2/Deploy/README.md" "$2/README.md"; do python3 "$2/Tests/Deploy/config-table.py" --postillon "$1" --check "$f" || exit 1; done' _ "$POSTILLON_BIN" "$REPO") ;;
    *) echo "unknown check: $name (one of: ${all[*]})" >&2; exit 2 ;;
  esac
  echo "=== $name: ${cmd[*]}"
  start=$SECONDS
  "${cmd[@]}" 2>&1 | tee "$LOGS/$name.log"
  rc=${PIPESTATUS[0]}
  seconds[$name]=$((SECONDS - start))
  if ((rc == 0)); then result[$name]=PASS; else result[$name]="FAIL (exit $rc, log $LOGS/$name.log)"; fi
done

echo "=== summary"
passed=0 failed=0
for name in "${selected[@]}"; do
  printf '%-11s %s (%ss)\n' "$name" "${result[$name]}" "${seconds[$name]}"
  if [[ ${result[$name]} == PASS ]]; then ((passed++)); else ((failed++)); fi
done
echo "$passed passed, $failed failed"
((failed == 0))
