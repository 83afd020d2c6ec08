import Foundation
import Logging
import Postillon
import PostillonHTTP

/// Postillon itself, in process, on a free loopback port, configured by flags like the real binary.
package final class LiveApp: Sendable {
    /// The running server.
    package let server: HTTPServer
    /// Its services (to inspect counters).
    package let services: AppServices

    /// Starts the app with `flags` on top of defaults suited to tests.
    package init(_ flags: [ConfigKey: String]) throws {
        // Each app gets its own SQLite state (and generated key) in a fresh directory.
        let stateDirectory = NSTemporaryDirectory() + "postillon-live-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        var all: [ConfigKey: String] = [.listen: "127.0.0.1:0", .publicDir: MailServerEnvironment.repositoryRoot + "/Public",
                                        .accessLog: "false", .workers: "64", .mailDomain: "mail.test",
                                        .state: "sqlite:\(stateDirectory)/state.db"]
        for (key, value) in flags { all[key] = value }
        let configuration = try ConfigurationLoader.load(flags: all, environment: [:])
        var logger = Logger(label: "integration")
        logger.logLevel = .error
        services = try AppServices.live(configuration: configuration, logger: logger)
        let router = try Application.buildRouter(services: services)
        server = HTTPServer(configuration: configuration.http, responder: router, logger: logger)
        try server.start()
    }

    deinit {
        server.shutdown(timeoutMillis: 2000)
        services.mailbox.shutdown()  // as the binary does: QUIT on parked POP3 sessions
    }

    /// The app pointed at the test mail servers: POP3 with STLS verified against the test CA.
    package static func againstMailServers(_ environment: MailServerEnvironment, _ extra: [ConfigKey: String] = [:]) throws -> LiveApp {
        var flags: [ConfigKey: String] = [
            .pop3URL: "pop3://127.0.0.1:\(environment["POP3_PORT"])",
            .smtpURL: "smtp://127.0.0.1:\(environment["SUBMISSION_PORT"])",
            .caFile: environment["CA_FILE"],
        ]
        for (key, value) in extra { flags[key] = value }
        return try LiveApp(flags)
    }

    /// Sends one request on a new connection and reads the response.
    package func request(_ method: String, _ target: String, headers: [String: String] = [:], body: [UInt8] = [],
                        timeoutMillis: Int = 30_000) throws -> RawClient.Response {
        let client = try RawClient(port: server.port, timeoutMillis: timeoutMillis)
        var head = "\(method) \(target) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        client.send(Array((head + "\r\n").utf8) + body)
        guard let response = client.readResponse(headRequest: method == "HEAD") else {
            throw SystemError(call: "readResponse \(method) \(target)", code: 0)
        }
        return response
    }

    /// A Basic authorization header value.
    package static func basic(_ user: String, _ password: String) -> [String: String] {
        ["Authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }
}
