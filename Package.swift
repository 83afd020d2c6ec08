// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Postillon",
    products: [
        .executable(name: "postillon", targets: ["PostillonServer"]),
        .library(name: "Postillon", targets: ["Postillon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C layer: libcurl plus typed static-inline shims for its variadic functions.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Linux headers Swift's Glibc module leaves out (epoll, eventfd, TCP options).
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // Everything testable: HTTP server, router, API, configuration, upstream clients.
        .target(
            name: "Postillon",
            dependencies: [
                "CCurl",
                "CLinux",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Thin executable: flags, logging bootstrap, signals.
        .executableTarget(
            name: "PostillonServer",
            dependencies: [
                "Postillon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PostillonTests", dependencies: ["Postillon", "CCurl"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Postillon"]),
    ],
    swiftLanguageModes: [.v6]
)
