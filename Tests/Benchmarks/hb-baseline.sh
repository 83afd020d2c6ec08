#!/usr/bin/env bash
# Creates (if missing) and release-builds a Hummingbird 2 hello-world baseline
# in a scratch folder OUTSIDE the repo. Never part of Postillon's Package.swift.
# Usage: hb-baseline.sh [DIR]   (default ${BASELINE_DIR:-/tmp/postillon-hb-baseline})
# Prints the path of the built binary on its last line.
set -euo pipefail
DIR="${1:-${BASELINE_DIR:-/tmp/postillon-hb-baseline}}"
BIN="$DIR/.build/release/hb-baseline"
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
mkdir -p "$DIR/Sources/hb-baseline"
cat > "$DIR/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hb-baseline",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "hb-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
SWIFT
cat > "$DIR/Sources/hb-baseline/main.swift" <<'SWIFT'
// Hummingbird 2 hello world used as a performance baseline for Postillon.
// Env: HB_HOST (127.0.0.1), HB_PORT (18401), HB_PUBLIC_DIR (directory served by FileMiddleware).
import Foundation
import Hummingbird
import Logging

let env = ProcessInfo.processInfo.environment
let host = env["HB_HOST"] ?? "127.0.0.1"
let port = Int(env["HB_PORT"] ?? "") ?? 18401
let publicDir = env["HB_PUBLIC_DIR"] ?? "/work/main/Public"

// Same body as Postillon's GET /api/v1/health would be compared against.
let healthBody = ByteBuffer(string: #"{"status":"ok","version":"0.1.0"}"#)

let router = Router()
// Default log level (info): Hummingbird does not log each request.
router.addMiddleware {
    FileMiddleware(publicDir, searchForIndexHtml: true)
}
router.get("health") { _, _ -> Response in
    Response(
        status: .ok,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: healthBody)
    )
}

let app = Application(
    router: router,
    configuration: .init(address: .hostname(host, port: port), serverName: "hb-baseline")
)
try await app.runService()
SWIFT
echo "building Hummingbird baseline in $DIR (release, several minutes)..." >&2
( cd "$DIR" && swift build -c release >&2 )
echo "$BIN"
