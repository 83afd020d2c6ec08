import Foundation
import Postillon
import PostillonHTTP
#if canImport(Glibc)
import Glibc
#endif

/// `Tests/Scripts/fault-proxy.py` between Postillon and the real Postfix or Dovecot: cuts or stalls
/// the conversation at a named protocol point (see the script's help for the rules), and terminates
/// STARTTLS/STLS with the test CA's server certificate so the verified TLS path runs.
///
/// ```swift
/// let proxy = try FaultProxy(.smtp, target: environment.port("SUBMISSION_PORT"), rules: ["cut-after:."], environment: environment)
/// defer { proxy.stop() }
/// let app = try LiveApp.againstMailServers(environment, [.smtpURL: "smtp://127.0.0.1:\(proxy.port)"])
/// ```
package final class FaultProxy: @unchecked Sendable {
    /// The protocol the proxy follows.
    package enum Kind: String, Sendable {
        case smtp
        case pop3
    }

    /// The port the proxy listens on (127.0.0.1, picked by the kernel).
    package let port: Int
    private let process: Process
    private let logPath: String

    /// Starts the proxy and waits until it listens.
    /// - Parameters:
    ///   - kind: SMTP or POP3.
    ///   - target: the real server's port on 127.0.0.1.
    ///   - rules: fault rules such as `cut-after:.`, `withhold-reply:QUIT`, `cut-data:1000`, `stall-greeting`.
    ///   - times: apply the rules to the first `times` connections only (0: every connection).
    ///   - stallSeconds: how long a stall lasts before the proxy closes the client's connection.
    ///   - implicitTLS: TLS from the first byte on both legs (smtps, pop3s).
    ///   - environment: where the test CA and server certificate are.
    package init(_ kind: Kind, target: Int, rules: [String], times: Int = 0, stallSeconds: Double = 600,
                implicitTLS: Bool = false, environment: MailServerEnvironment) throws {
        logPath = NSTemporaryDirectory() + "fault-proxy-\(UUID().uuidString).log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw SystemError(call: "create \(logPath)", code: errno)
        }
        let tls = environment["MAILSERVERS_DIR"] + "/tls"
        var arguments = ["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/fault-proxy.py",
                         "--protocol", kind.rawValue, "--target", String(target), "--times", String(times),
                         "--stall", String(stallSeconds), "--tls-cert", tls + "/server.pem", "--tls-key", tls + "/server.key",
                         "--ca", environment["CA_FILE"]]
        if implicitTLS { arguments.append("--implicit-tls") }
        for rule in rules { arguments += ["--rule", rule] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var listening: Int?
        while listening == nil && Date() < deadline && process.isRunning {
            usleep(50_000)
            listening = Self.lines(logPath).lazy.compactMap { $0.hasPrefix("listening ") ? Int($0.dropFirst(10)) : nil }.first
        }
        guard let listening else {
            MailServerEnvironment.stop(process)
            throw SystemError(call: "fault-proxy did not start", code: 0)
        }
        port = listening
    }

    deinit { stop() }

    /// The events printed so far, such as `conn 1 fired cut-after:.`.
    package var events: [String] { Self.lines(logPath) }

    /// Whether a rule fired on some connection.
    package func fired(_ rule: String) -> Bool { events.contains { $0.hasSuffix(" fired " + rule) } }

    /// How many connections the proxy accepted.
    package var connections: Int { events.filter { $0.hasSuffix(" open") }.count }

    /// Stops the proxy (idempotent).
    package func stop() {
        MailServerEnvironment.stop(process)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    private static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
