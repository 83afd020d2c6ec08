// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Include paths of a pkg-config package, for Swift's Clang importer.
///
/// GMime's pkg-config flags carry `-pthread` and `-D_LARGEFILE64_SOURCE`, which SwiftPM refuses with a
/// warning on every build when given through `pkgConfig:`; asking pkg-config for the `-I` flags alone
/// keeps the build warning-free and works on any architecture's include layout.
func includeFlags(_ package: String) -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["pkg-config", "--cflags-only-I", package]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return [] }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return output.split(whereSeparator: { $0 == " " || $0 == "\n" }).flatMap { ["-Xcc", String($0)] }
}

let gmimeFlags: [SwiftSetting] = [.unsafeFlags(includeFlags("gmime-3.0"))]

let package = Package(
    name: "Postillon",
    products: [
        .executable(name: "postillon", targets: ["PostillonServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Metrics: the swift-metrics API, exported in Prometheus text by swift-prometheus.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C layer: libcurl plus typed static-inline shims for its variadic functions.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // C layer: GMime 3 (MIME parsing and composing) plus shims for its GObject macros.
        // Include paths come from `gmimeFlags` on each Swift target that sees it (see above).
        .systemLibrary(
            name: "CGMime",
            path: "Sources/CGMime",
            providers: [.apt(["libgmime-3.0-dev"])]
        ),
        // Linux headers Swift's Glibc module leaves out (epoll, eventfd, TCP options).
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // C layer: SQLite 3 (the default state store) plus a shim for SQLITE_TRANSIENT.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // C layer: libpq, PostgreSQL's client (the state store for replicas).
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", providers: [.apt(["libpq-dev"])]),
        // The HTTP/1.1 server, router and static files. Knows nothing of mail: the compiler enforces it.
        .target(
            name: "PostillonHTTP",
            dependencies: [
                "CLinux",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The gateway: API, authentication, configuration, POP3, SMTP, MIME, mailbox service.
        .target(
            name: "Postillon",
            dependencies: [
                "PostillonHTTP",
                "CCurl",
                "CGMime",
                "CLinux",
                "CSQLite",
                "CPostgres",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: gmimeFlags
        ),
        // Thin executable: flags (parsed from the ConfigKey table), logging bootstrap, signals.
        .executableTarget(
            name: "PostillonServer",
            dependencies: [
                "Postillon",
                "PostillonHTTP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: gmimeFlags
        ),
        // Helpers both test targets use: a raw HTTP client and an in-process server.
        .target(name: "PostillonTestSupport", dependencies: ["Postillon", "PostillonHTTP"], path: "Tests/Support", swiftSettings: gmimeFlags),
        .testTarget(name: "PostillonTests", dependencies: ["Postillon", "PostillonHTTP", "PostillonTestSupport", "CCurl", "CGMime"], swiftSettings: gmimeFlags),
        // Parses fixture files outside the test runner, for valgrind (see Tests/MIME-checks.md).
        .executableTarget(name: "MIMECheck", dependencies: ["Postillon", "PostillonTestSupport"], path: "Tests/Tools/MIMECheck",
                          swiftSettings: gmimeFlags),
        // Postillon on a chosen state store (memory twin, SQLite, PostgreSQL) for Tests/Bench/state-bench.sh.
        .executableTarget(name: "StateBench", dependencies: ["Postillon", "PostillonHTTP", "PostillonTestSupport"], path: "Tests/Tools/StateBench",
                          swiftSettings: gmimeFlags),
        .testTarget(name: "IntegrationTests", dependencies: ["Postillon", "PostillonHTTP", "PostillonTestSupport"], swiftSettings: gmimeFlags),
    ],
    swiftLanguageModes: [.v6]
)
