// Postillon with a chosen state store, for Tests/Bench/state-bench.sh: the in-memory twin (which
// the product binary does not contain), SQLite or PostgreSQL, on the same code otherwise. Flags
// are postillon's own (`--listen`, `--pop3-url`, ...) plus `--store memory|sqlite:PATH|postgres://URL`.
// Runs until SIGTERM.
import Foundation
import Logging
import Postillon
import PostillonHTTP
import PostillonTestSupport

var flags: [ConfigKey: String] = [:]
var storeName = "memory"
var arguments = Array(CommandLine.arguments.dropFirst())
while arguments.count >= 2 {
    let name = arguments.removeFirst(), value = arguments.removeFirst()
    if name == "--store" {
        storeName = value
    } else if let key = ConfigKey(rawValue: String(name.drop(while: { $0 == "-" }))) {
        flags[key] = value
    } else {
        FileHandle.standardError.write(Data("StateBench: unknown flag \(name)\n".utf8))
        exit(2)
    }
}
if storeName != "memory" { flags[.state] = storeName }
var logger = Logger(label: "state-bench")
logger.logLevel = .notice
do {
    let configuration = try ConfigurationLoader.load(flags: flags, environment: ProcessInfo.processInfo.environment)
    let services: AppServices
    if storeName == "memory" {
        CurlGlobal.initialize()
        GMime.initialize()
        let pop3 = UpstreamSettings(url: configuration.pop3, caFile: configuration.caFile, insecureSkipVerify: false,
                                    allowPlaintext: configuration.allowPlaintext,
                                    connectTimeout: configuration.upstreamConnectTimeout, timeout: configuration.upstreamTimeout)
        let key = SecretKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
        services = try AppServices.make(configuration: configuration, connector: CurlPOP3Connector(settings: pop3),
                                        state: MemoryStateStore(), sealer: PasswordSealer(current: key), logger: logger)
    } else {
        services = try AppServices.live(configuration: configuration, logger: logger)
    }
    let server = HTTPServer(configuration: configuration.http, responder: try Application.buildRouter(services: services), logger: logger)
    try server.start()
    signal(SIGTERM, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: DispatchQueue(label: "signals"))
    source.setEventHandler { server.shutdown(timeoutMillis: 2_000) }
    source.resume()
    print("StateBench listening on \(server.port) with store \(storeName == "memory" ? "memory" : String(storeName.prefix(8)))")
    fflush(nil)
    server.waitUntilStopped()
    withExtendedLifetime(source) {}
    fflush(nil)
    _exit(0)
} catch {
    FileHandle.standardError.write(Data("StateBench: \(error)\n".utf8))
    exit(1)
}
