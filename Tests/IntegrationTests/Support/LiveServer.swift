import Foundation
import Logging
@testable import Postillon

/// The whole service (`Application.buildServer`) on a free loopback port, configured against the
/// test mail servers, with an HTTP client for it.
final class LiveServer: Sendable {
    let server: HTTPServer
    let client: HTTPTestClient
    let environment: MailServerEnvironment

    /// Starts a server.
    /// - Parameters:
    ///   - smtpURL: the SMTP URL; defaults to the submission port (STARTTLS + AUTH).
    ///   - caFile: the CA bundle; defaults to the test CA.
    init(smtpURL: String? = nil, caFile: String? = nil) throws {
        let environment = MailServerEnvironment.current!
        self.environment = environment
        let publicDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Public").path
        let configuration = try ConfigurationLoader.load(flags: [
            .listen: "127.0.0.1:0",
            .smtpURL: smtpURL ?? "smtp://127.0.0.1:\(environment.port("SUBMISSION_PORT"))",
            .pop3URL: "pop3://127.0.0.1:\(environment.port("POP3_PORT"))",
            .caFile: caFile ?? environment["CA_FILE"],
            .publicDir: publicDir,
            .mailDomain: environment["DOMAIN"],
            .accessLog: "false",
            .workers: "8",
            .upstreamTimeout: "30",
        ], environment: [:])
        var logger = Logger(label: "integration")
        logger.logLevel = .critical
        server = try Application.buildServer(configuration: configuration, logger: logger)
        try server.start()
        client = HTTPTestClient(port: server.port)
    }

    deinit {
        server.shutdown(timeoutMillis: 2000)
    }

    /// `POST /api/v1/send` as `user` (HTTP Basic with the user's mail login).
    func send(_ body: [UInt8], contentType: String = "application/json", query: String = "", user: String = "alice",
              password: String? = nil, headers: [(String, String)] = []) throws -> HTTPTestClient.Response {
        let credentials = Data("\(user):\(password ?? environment.password(user))".utf8).base64EncodedString()
        return try client.request("POST", "/api/v1/send" + query,
                                  headers: [("Authorization", "Basic \(credentials)"), ("Content-Type", contentType)] + headers, body: body)
    }

    /// `POST /api/v1/send` with a JSON body given as text.
    func send(json: String, user: String = "alice", password: String? = nil, headers: [(String, String)] = []) throws -> HTTPTestClient.Response {
        try send(Array(json.utf8), user: user, password: password, headers: headers)
    }
}
