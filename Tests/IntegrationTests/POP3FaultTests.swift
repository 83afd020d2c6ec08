import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Deleting through Tests/Scripts/fault-proxy.py between Postillon and Dovecot (STLS terminated by
/// the proxy with the test CA, so the verified path runs), cut or stalled at QUIT: the API's answer
/// and the server's truth (a fresh POP3 session) must agree, and a same-key retry replays the answer.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct POP3FaultTests {
    let environment = MailServerEnvironment.current!
    static let user = "erin"

    /// Starts the proxy with `rules` on a port of this suite's range and returns it with the port.
    func proxy(_ rules: [String], stall: Double = 30) throws -> (Process, Int) {
        let port = environment.port("BASE_PORT") + 30 + Int.random(in: 0..<20)
        let tls = (environment["CA_FILE"] as NSString).deletingLastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/fault-proxy.py", "--protocol", "pop3",
                             "--target", environment["POP3_PORT"], "--listen", String(port), "--stall", String(stall),
                             "--tls-cert", tls + "/server.pem", "--tls-key", tls + "/server.key", "--ca", environment["CA_FILE"]]
            + rules.flatMap { ["--rule", $0] }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        _ = pipe.fileHandleForReading.availableData  // "listening PORT"
        return (process, port)
    }

    /// Seeds `count` messages and returns their UIDLs, oldest first. Mail other suites deliver to the
    /// same mailbox meanwhile is skipped by its subject, so a test here never deletes someone else's.
    func seed(_ count: Int) throws -> [String] {
        let prefix = "Fault-\(UUID().uuidString.prefix(8))"
        _ = MailServerEnvironment.run(["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/seed-mailbox.py",
                                       environment.maildir(Self.user), String(count), "--prefix", prefix])
        var ours: [String] = []
        for uidl in environment.uidls(user: Self.user).reversed().prefix(count + 30) where ours.count < count {
            let message = String(decoding: environment.probe(user: Self.user, ["retr", uidl]) ?? Data(), as: UTF8.self)
            if message.contains("Subject: \(prefix) message ") { ours.insert(uidl, at: 0) }
        }
        try #require(ours.count == count, "the \(count) seeded messages are listed")
        return ours
    }

    /// Which of `before` the server still holds, in its order. Other suites deliver to the same
    /// mailbox while these tests run (sends to erin@mail.test), so mail that arrived meanwhile is
    /// not part of the answer's truth and is left out of the comparison.
    func survivors(of before: [String]) -> [String] {
        let known = Set(before)
        return environment.uidls(user: Self.user).filter { known.contains($0) }
    }

    func bulkDelete(_ app: LiveApp, _ uidls: [String], key: String) throws -> RawClient.Response {
        var headers = LiveApp.basic(Self.user, environment.password(Self.user))
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = key
        let body = Array(try JSONSerialization.data(withJSONObject: ["ids": uidls.map { MessageIdentifier.encode($0) }]))
        return try app.request("POST", "/api/v1/messages/delete", headers: headers, body: body)
    }

    @Test func quitReplyLostIsOutcomeUnknownAndTheRetryReplaysIt() throws {
        let victim = try #require(try seed(3).last)
        let (proxy, port) = try proxy(["cut-after:QUIT"])
        defer { MailServerEnvironment.stop(proxy) }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(port)"])
        let before = environment.uidls(user: Self.user)
        let key = "quit-lost-\(UUID().uuidString)"
        let first = try bulkDelete(app, [victim], key: key)
        #expect(first.status == 502)
        #expect(first.code == "delete_outcome_unknown")
        // The truth: QUIT reached Dovecot, so the message is gone. "Not deleted" would be a lie.
        #expect(survivors(of: before) == before.filter { $0 != victim })
        let connector = try #require(app.services.mailbox.connector as? CurlPOP3Connector)
        let logins = connector.loginCount
        let retry = try bulkDelete(app, [victim], key: key)
        #expect(retry.status == 502)
        #expect(retry.code == "delete_outcome_unknown", "a replay, not {deleted:[], notFound:[…]}")
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        #expect(connector.loginCount == logins, "the retry did not run again")
    }

    @Test func quitReplyWithheldIs504AfterTheUpstreamTimeout() throws {
        let victim = try #require(try seed(3).last)
        let (proxy, port) = try proxy(["withhold-reply:QUIT"], stall: 30)
        defer { MailServerEnvironment.stop(proxy) }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(port)", .upstreamTimeout: "3"])
        let started = Date()
        let response = try bulkDelete(app, [victim], key: "quit-withheld-\(UUID().uuidString)")
        let elapsed = Date().timeIntervalSince(started)
        #expect(response.status == 504)
        #expect(response.code == "delete_outcome_unknown")
        #expect(elapsed < 3 + 1.5, "answered within the upstream timeout + 1 s (took \(elapsed) s)")
        #expect(!environment.uidls(user: Self.user).contains(victim), "Dovecot committed on QUIT")
    }

    @Test func aCutBeforeQuitCouldBeSentDeletesNothingAndSaysSo() throws {
        let victims = Array(try seed(3).suffix(2))
        let (proxy, port) = try proxy(["cut-before:DELE"])
        defer { MailServerEnvironment.stop(proxy) }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(port)"])
        let before = environment.uidls(user: Self.user)
        let key = "cut-dele-\(UUID().uuidString)"
        let response = try bulkDelete(app, victims, key: key)
        #expect(response.status == 502)
        #expect(response.code == "upstream_error")
        #expect(survivors(of: before) == before, "nothing deleted, as the answer says")
        // Not stored: the retry (here without the fault) really deletes.
        MailServerEnvironment.stop(proxy)
        let direct = try LiveApp.againstMailServers(environment)
        let retry = try bulkDelete(direct, victims, key: key)
        #expect(retry.status == 200)
        #expect(survivors(of: before) == before.filter { !victims.contains($0) })
    }
}
