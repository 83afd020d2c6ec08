#!/usr/bin/env bash
# Builds the libFuzzer targets of this directory and runs each for a bounded time.
#   Tests/Fuzz/run.sh [SECONDS] [TARGET...]     default: 60 seconds each, every target
# Targets: mime (MIMEParserFuzz.swift: GMime parse + part extraction, as the message routes do)
#          http (HTTPHeadParserFuzz.swift: request head parser, split independence, chunked decoder)
# The library is built with coverage instrumentation and AddressSanitizer in its own scratch
# directory (.build/fuzz), so the normal build stays untouched. Corpora live in .build/fuzz/corpus/,
# seeded from Tests/Fixtures/mime; crashes land in .build/fuzz/artifacts/ and make this exit non-zero.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(mime http)
SCRATCH="$ROOT/.build/fuzz"

echo "==> building the library with -sanitize=fuzzer,address"
swift build --scratch-path "$SCRATCH" --target Postillon \
  -Xswiftc -sanitize=fuzzer,address >/dev/null
BIN="$SCRATCH/debug"
OBJECTS=()
for dir in "$BIN"/*.build; do
  case "$(basename "$dir")" in
    PostillonServer.build|MIMECheck.build|PostillonTestSupport.build|*Tests.build|ArgumentParser*) continue ;;
  esac
  # C targets (BoringSSL for swift-crypto, the shims): every object they built.
  if [[ ! -f $dir/output-file-map.json ]]; then
    while IFS= read -r -d '' object; do OBJECTS+=("$object"); done < <(find "$dir" -name '*.o' -print0)
    continue
  fi
  # Swift targets: only the objects of the current sources (the output file map), never stale ones of deleted files.
  while IFS= read -r object; do [[ -f $object ]] && OBJECTS+=("$object"); done < <(python3 -c '
import json, sys
for entry in json.load(open(sys.argv[1])).values():
    if "object" in entry: print(entry["object"])' "$dir/output-file-map.json")
done
# GMime's include paths, as Package.swift passes them.
read -r -a GMIME_CFLAGS <<<"$(pkg-config --cflags-only-I gmime-3.0)"
CFLAGS=()
for flag in "${GMIME_CFLAGS[@]}"; do CFLAGS+=(-Xcc "$flag"); done
# The C modules (module maps) the library imports.
for dir in "$ROOT"/Sources/C*/; do CFLAGS+=(-I "$dir"); done
# ... and the C shims of the package dependencies (swift-atomics' _AtomicsShims, BoringSSL's, ...).
for map in "$SCRATCH"/checkouts/*/Sources/*/include/module.modulemap; do
  [[ -f $map ]] && CFLAGS+=(-Xcc "-fmodule-map-file=$map" -I "$(dirname "$map")")
done
LIBS=(-lcurl $(pkg-config --libs gmime-3.0))

status=0
for target in "${TARGETS[@]}"; do
  case "$target" in
    mime) source_file="$ROOT/Tests/Fuzz/MIMEParserFuzz.swift"; seeds="$ROOT/Tests/Fixtures/mime" ;;
    http) source_file="$ROOT/Tests/Fuzz/HTTPHeadParserFuzz.swift"; seeds="$ROOT/Tests/Fuzz/seeds/http" ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  exe="$SCRATCH/fuzz-$target"
  echo "==> linking $exe"
  swiftc -sanitize=fuzzer,address -parse-as-library -module-name "Fuzz_$target" "$source_file" \
    -I "$BIN/Modules" "${CFLAGS[@]}" "${OBJECTS[@]}" "${LIBS[@]}" -o "$exe"
  corpus="$SCRATCH/corpus/$target"
  artifacts="$SCRATCH/artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  [[ -d "$seeds" ]] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "==> fuzzing $target for ${SECONDS_EACH}s"
  # detect_leaks: GMime and GLib keep process-wide caches (charset tables, type system) by design.
  # SWIFT_BACKTRACE: Swift's own crash backtracer reads the stack in ways ASan reports as overflows.
  if ! SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1" "$exe" "$corpus" \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts" -print_final_stats=1; then
    echo "FINDING in $target: see $artifacts" >&2
    status=1
  fi
done
exit "$status"
