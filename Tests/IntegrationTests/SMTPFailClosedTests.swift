import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Sending through Postfix's plain listener (`SMTP_PORT`: STARTTLS offered, no AUTH, accepts mail
/// for mail.test from anyone on loopback), the shape of an MTA that trusts its network: Postillon
/// must not turn it into an open relay for whoever knows a user name.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct SMTPFailClosedTests {
    let environment = MailServerEnvironment.current!

    func app(_ extra: [ConfigKey: String] = [:]) throws -> LiveApp {
        var flags: [ConfigKey: String] = [.smtpURL: "smtp://127.0.0.1:\(environment["SMTP_PORT"])"]
        for (key, value) in extra { flags[key] = value }
        return try LiveApp.againstMailServers(environment, flags)
    }

    func send(_ app: LiveApp, password: String, subject: String) throws -> RawClient.Response {
        var headers = LiveApp.basic("alice", password)
        headers["Content-Type"] = "application/json"
        let body = #"{"to": ["dave@mail.test"], "subject": "\#(subject)", "text": "fail closed"}"#
        return try app.request("POST", "/api/v1/send", headers: headers, body: Array(body.utf8))
    }

    /// Before the fix both sends answered 200 and were delivered (libcurl skips AUTH silently).
    @Test func withoutAuthNothingIsSentEvenWithTheRightPassword() throws {
        let app = try app()
        let subject = "no-auth-\(UUID().uuidString.prefix(8))"
        for password in ["wrong", environment.password("alice")] {
            let response = try send(app, password: password, subject: subject)
            #expect(response.status == 502)
            #expect(response.code == "smtp_auth_unavailable")
            #expect(!response.text.contains(password))
        }
        // Postfix never saw MAIL FROM (the check runs before it), so nothing can arrive; wait anyway.
        #expect(environment.waitForMessages(of: "dave", containing: subject, timeout: 2).isEmpty)
    }

    /// With --smtp-trusted-relay the operator vouches for the relay: a Basic caller is proven by a
    /// POP3 login instead, so a wrong password is 401 and nothing is sent; the right one sends.
    @Test func trustedRelayProvesTheCallerWithAPOP3Login() throws {
        let app = try app([.smtpTrustedRelay: "true"])
        let subject = "relay-\(UUID().uuidString.prefix(8))"
        let refused = try send(app, password: "wrong", subject: subject)
        #expect(refused.status == 401)
        #expect(refused.code == "auth_failed")
        let sent = try send(app, password: environment.password("alice"), subject: subject)
        #expect(sent.status == 200)
        #expect(environment.waitForMessages(of: "dave", containing: subject).count == 1)
        usleep(500_000)
        #expect(environment.maildirMessages(of: "dave").filter { $0.firstRange(of: Array(subject.utf8)) != nil }.count == 1)
    }
}
