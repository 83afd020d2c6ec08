import Dispatch
import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Synchronization
import Testing
@testable import PostillonHTTP

/// `POST /api/v1/send` against the in-memory SMTP twin: validation codes, results, upstream
/// errors, rate limiting and idempotency, all through the router.
@Suite struct SendRoutesTests {
    final class Fixture: Sendable {
        let smtp: InMemorySMTPClient
        let state = MemoryStateStore()
        let limiter: LoginRateLimiter
        let router: Router

        init(smtp: InMemorySMTPClient = InMemorySMTPClient(accounts: ["alice": "alice-secret"],
                                                             refusals: ["nobody@mail.test": SMTPReply(code: 550, text: "5.1.1 User unknown")])) {
            self.smtp = smtp
            limiter = LoginRateLimiter(store: state, maxPerClient: 100, maxPerClientUser: 2, maxPerUser: 2)
            let configuration = try! ConfigurationLoader.load(flags: [.maxSendBytes: "4096", .mailDomain: "mail.test"], environment: [:])
            let authenticator = Authenticator(sessions: SessionStore(store: state, sealer: testSealer(), idleSeconds: 60, maxAgeSeconds: 60),
                                              apiKeys: APIKeyStore(),
                                              limiter: limiter, mailDomain: "mail.test")
            let services = AppServices(configuration: configuration, authenticator: authenticator,
                                       mailbox: MailboxService(connector: InMemoryPOP3Server(), cacheCapacity: 10, waitMillis: 1000),
                                       idempotency: IdempotencyStore(store: state), state: state, smtp: smtp, logger: Logger(label: "test"))
            router = Router(routes: SendRoutes.routes(services), logger: Logger(label: "test"))
        }

        func send(_ body: String, contentType: String = "application/json", query: String = "", password: String = "alice-secret",
                  headers extra: [(String, String)] = [], spooled: Bool = false) -> (status: Int, json: [String: Any], headers: HTTPHeaders) {
            var headers: HTTPHeaders = ["Content-Type": contentType,
                                        "Authorization": "Basic " + Data("alice:\(password)".utf8).base64EncodedString()]
            for (name, value) in extra { headers.add(name, value) }
            let head = HTTPRequestHead(method: .POST, target: "/api/v1/send" + query, headers: headers)
            var request = HTTPRequest(head: head, body: spooled ? [] : Array(body.utf8))
            // As the server hands over a body it spooled to a file (over `SendRoutes.spoolBodyOver`).
            if spooled { request.spooledBody = try! SpooledBody.make(Array(body.utf8)) }
            let response = router.respond(to: request, plan: router.plan(for: head))
            guard case .bytes(let bytes) = response.body else { return (response.status.code, [:], response.headers) }
            let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
            return (response.status.code, json, response.headers)
        }
    }

    func code(_ result: (status: Int, json: [String: Any], headers: HTTPHeaders)) -> String { "\(result.status) \(result.json["code"] as? String ?? "-")" }

    @Test func sendsAndReportsEveryRecipient() throws {
        let fixture = Fixture()
        let result = fixture.send(#"{"to": ["Bob <bob@mail.test>", "nobody@mail.test"], "bcc": [{"name": "C", "address": "carol@mail.test"}], "subject": "Hi", "text": "x"}"#)
        #expect(result.status == 200)
        #expect(result.json["accepted"] as? [String] == ["bob@mail.test", "carol@mail.test"])
        let rejected = result.json["rejected"] as? [[String: Any]]
        #expect(rejected?.count == 1)
        #expect(rejected?.first?["address"] as? String == "nobody@mail.test")
        #expect(rejected?.first?["code"] as? Int == 550)
        #expect(rejected?.first?["message"] as? String == "5.1.1 User unknown")
        let submission = try #require(fixture.smtp.submissions.first)
        #expect(submission.envelope == SMTPEnvelope(sender: "alice@mail.test", recipients: ["bob@mail.test", "nobody@mail.test", "carol@mail.test"]))
        #expect(submission.username == "alice")
        let message = String(decoding: submission.message, as: UTF8.self)
        #expect(!message.lowercased().contains("bcc"))
        #expect(!message.contains("carol"))
        #expect(message.contains("Message-Id: \(result.json["messageId"] as? String ?? "?")"))
    }

    @Test func validationProblemsHaveStableCodes() {
        let fixture = Fixture()
        let cases: [(String, String)] = [
            (#"{"subject": "nobody"}"#, "422 validation_failed"),
            (#"{"to": ["not an address"]}"#, "400 invalid_address"),
            (#"{"to": [{"address": "bob@@mail.test"}]}"#, "400 invalid_address"),
            (#"{"to": ["bob@mail.test"], "subject": "a\r\nBcc: x@y.example"}"#, "400 header_injection"),
            (#"{"to": ["Bob\nBcc: x@y.example <bob@mail.test>"]}"#, "400 header_injection"),
            (#"{"to": [{"name": "Bob\r\n", "address": "bob@mail.test"}]}"#, "400 header_injection"),
            (#"{"to": ["bob@mail.test"], "attachments": [{"filename": "a\r\n.txt", "content": "AA=="}]}"#, "400 header_injection"),
            (#"{"to": ["bob@mail.test"], "headers": {"X-A": "1\r\nBcc: x@y.example"}}"#, "400 header_injection"),
            (#"{"to": ["bob@mail.test"], "headers": {"Bcc": "x@y.example"}}"#, "400 header_injection"),
            (#"{"to": ["bob@mail.test"], "headers": {"Subject": "again"}}"#, "400 header_injection"),
            (#"{"to": ["bob@mail.test"], "subject": "nul\u0000"}"#, "400 header_injection"),
            (#"{"to": ["bob@mail.test"], "attachments": [{"filename": "a.bin", "content": "not base64!"}]}"#, "400 invalid_base64"),
            (#"{"to": ["bob@mail.test"], "attachments": [{"filename": "a.bin", "content": "AAA"}]}"#, "400 invalid_base64"),
            (#"{"to": ["bob@mail.test"], "attachments": [{"filename": "a.bin", "content": "AA==", "size": 1}]}"#, "400 unknown_field"),
            (#"{"to": ["bob@mail.test"], "priority": "high"}"#, "400 unknown_field"),
            (#"{"to": [{"address": "bob@mail.test", "email": "x"}]}"#, "400 unknown_field"),
            (#"{"to": ["bob@mail.test"], "text": "\#(String(repeating: "x", count: 5000))"}"#, "413 payload_too_large"),
            (#"{"to": ["bob@mail.test"], "from": "mallory@mail.test"}"#, "403 from_not_allowed"),
            (#"{"to": ["bob@mail.test"], "inReplyTo": "no id"}"#, "422 validation_failed"),
            (#"{"to": "bob@mail.test"}"#, "422 validation_failed"),
            // null is not "left out": the document makes only an address's name nullable.
            (#"{"to": ["bob@mail.test"], "cc": null}"#, "422 validation_failed"),
            (#"{"to": ["bob@mail.test"], "subject": null, "text": "x"}"#, "422 validation_failed"),
            (#"{"to": ["bob@mail.test"], "attachments": [{"filename": "a.bin", "content": "AA==", "contentType": null}]}"#, "422 validation_failed"),
            ("{", "400 invalid_json"),
        ]
        for (body, expected) in cases {
            #expect(code(fixture.send(body)) == expected, "\(body.prefix(120))")
        }
        #expect(code(fixture.send("hello", contentType: "text/plain")) == "415 unsupported_media_type")
        #expect(code(fixture.send(#"{"to": ["bob@mail.test"]}"#, query: "?to=x@mail.test")) == "422 validation_failed")
        #expect(fixture.smtp.submissions.isEmpty, "nothing was sent")
    }

    @Test func anAddressNameMayBeNullAsDocumented() throws {
        let fixture = Fixture()
        let result = fixture.send(#"{"to": [{"name": null, "address": "bob@mail.test"}], "text": "x"}"#)
        #expect(result.status == 200)
        #expect(result.json["accepted"] as? [String] == ["bob@mail.test"])
        let null = fixture.send(#"{"to": [{"name": "Bob", "address": null}], "text": "x"}"#)
        #expect(code(null) == "422 validation_failed")
        #expect((null.json["detail"] as? String)?.contains("to[0].address") == true)
        #expect(fixture.smtp.submissions.count == 1)
    }

    @Test func fromMayAddANameToTheOwnAddress() throws {
        let fixture = Fixture()
        #expect(fixture.send(#"{"to": ["bob@mail.test"], "from": "Alice Ä. <ALICE@mail.test>", "text": "x"}"#).status == 200)
        let message = String(decoding: try #require(fixture.smtp.submissions.first).message, as: UTF8.self)
        #expect(message.contains("<ALICE@mail.test>"))
        #expect(message.contains("From: Alice =?UTF-8?"))
    }

    @Test func rawMessagesUseQueryOrHeaders() throws {
        let fixture = Fixture()
        let raw = "From: alice@mail.test\nTo: bob@mail.test\nBcc: carol@mail.test\nSubject: raw\n\nline\n.\nend\n"
        let result = fixture.send(raw, contentType: "message/rfc822")
        #expect(result.status == 200)
        #expect(result.json["accepted"] as? [String] == ["bob@mail.test", "carol@mail.test"])
        let viaQuery = fixture.send(raw, contentType: "message/rfc822", query: "?to=dave%40mail.test&to=erin@mail.test")
        #expect(viaQuery.json["accepted"] as? [String] == ["dave@mail.test", "erin@mail.test"])
        let sent = fixture.smtp.submissions.map { String(decoding: $0.message, as: UTF8.self) }
        #expect(sent.allSatisfy { $0.contains("\r\nline\r\n.\r\nend\r\n") && !$0.contains("Bcc") })
        #expect(code(fixture.send(raw.replacingOccurrences(of: "From: alice", with: "From: eve"), contentType: "message/rfc822")) == "403 from_not_allowed")
    }

    /// A body the server spooled to a file sends the same message as one in memory, and counts as
    /// the same body for its Idempotency-Key.
    @Test func spooledBodiesSendTheSameMessage() throws {
        let fixture = Fixture()
        let raw = "From: alice@mail.test\nTo: bob@mail.test\nBcc: carol@mail.test\nMessage-ID: <s@mail.test>\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\nline\n.\nend\n"
        #expect(fixture.send(raw, contentType: "message/rfc822").status == 200)
        #expect(fixture.send(raw, contentType: "message/rfc822", spooled: true).status == 200)
        let json = #"{"to": ["bob@mail.test"], "subject": "spooled", "text": "x"}"#
        #expect(fixture.send(json, spooled: true).status == 200)
        let sent = fixture.smtp.submissions
        #expect(sent.count == 3)
        #expect(sent[0].message == sent[1].message && sent[0].envelope == sent[1].envelope)
        #expect(String(decoding: sent[2].message, as: UTF8.self).contains("Subject: spooled"))
        let key = [("Idempotency-Key", "spool-1")]
        #expect(fixture.send(raw, contentType: "message/rfc822", headers: key).status == 200)
        let replay = fixture.send(raw, contentType: "message/rfc822", headers: key, spooled: true)
        #expect(replay.status == 200 && replay.headers["Idempotent-Replayed"] == "true")
        #expect(code(fixture.send(raw + "more\n", contentType: "message/rfc822", headers: key, spooled: true)) == "422 idempotency_key_reused")
        #expect(fixture.smtp.submissions.count == 4)
    }

    @Test func allRejectedIs422AndNothingSent() {
        let fixture = Fixture()
        let result = fixture.send(#"{"to": ["nobody@mail.test"], "text": "x"}"#)
        #expect(code(result) == "422 all_recipients_rejected")
        #expect((result.json["detail"] as? String)?.contains("nobody@mail.test (550 5.1.1 User unknown)") == true)
        #expect(fixture.smtp.submissions.isEmpty)
    }

    @Test func refusedLoginIs401AndCountsTowardsTheRateLimit() {
        let fixture = Fixture()
        let body = #"{"to": ["bob@mail.test"], "text": "x"}"#
        let first = fixture.send(body, password: "wrong")
        #expect(code(first) == "401 auth_failed")
        #expect(first.headers["WWW-Authenticate"] != nil)
        #expect(code(fixture.send(body, password: "wrong")) == "401 auth_failed")
        let limited = fixture.send(body)
        #expect(code(limited) == "429 rate_limited")
        #expect(limited.headers["Retry-After"] != nil)
    }

    @Test func upstreamFailuresMapToGatewayProblems() {
        let fixture = Fixture()
        let body = #"{"to": ["bob@mail.test"], "text": "x"}"#
        let cases: [(SMTPError, String)] = [
            (.tls("certificate"), "502 upstream_tls"),
            (.unreachable("refused"), "502 upstream_unreachable"),
            (.timeout("slow"), "504 upstream_timeout"),
            (.senderRejected(SMTPReply(code: 553, text: "5.7.1 not yours")), "502 upstream_error"),
            (.messageRejected(SMTPReply(code: 554, text: "5.7.1 spam")), "502 upstream_error"),
            (.messageRejected(SMTPReply(code: 552, text: "5.3.4 too big")), "413 payload_too_large"),
            (.messageRejected(SMTPReply(code: 451, text: "4.3.0 try later")), "503 upstream_unavailable"),
            (.protocolFailure("broken", nil), "502 upstream_error"),
        ]
        for (error, expected) in cases {
            fixture.smtp.fail(with: error)
            #expect(code(fixture.send(body)) == expected, "\(error)")
        }
        fixture.smtp.fail(with: .messageRejected(SMTPReply(code: 554, text: "5.7.1 spam")))
        #expect((fixture.send(body).json["detail"] as? String)?.contains("554 5.7.1 spam") == true)
    }

    @Test func idempotencyKeyReplaysAndConcurrentDuplicatesSendOnce() {
        let fixture = Fixture(smtp: InMemorySMTPClient(delayMillis: 200))
        let body = #"{"to": ["bob@mail.test"], "text": "once"}"#
        let key = [("Idempotency-Key", "k-1")]
        let results = Mutex<[(status: Int, messageID: String?, replayed: Bool)]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let result = fixture.send(body, headers: key)
            let summary = (result.status, result.json["messageId"] as? String, result.headers["Idempotent-Replayed"] == "true")
            results.withLock { $0.append(summary) }
        }
        let all = results.withLock { $0 }
        #expect(all.allSatisfy { $0.status == 200 })
        #expect(Set(all.compactMap(\.messageID)).count == 1)
        #expect(all.filter(\.replayed).count == 2)
        #expect(fixture.send(body, headers: key).headers["Idempotent-Replayed"] == "true")
        #expect(code(fixture.send(#"{"to": ["bob@mail.test"], "text": "other"}"#, headers: key)) == "422 idempotency_key_reused")
        #expect(fixture.smtp.submissions.count == 1)
        #expect(fixture.send(body, headers: [("Idempotency-Key", "k-2")]).status == 200)
        #expect(fixture.smtp.submissions.count == 2)
    }

    /// The message is composed while the claim is in flight: a body that does not compose is still
    /// refused under its key, sends nothing and leaves the key free for a corrected body.
    @Test func aKeyedBodyThatDoesNotComposeIsRefusedAndFreesItsKey() {
        let fixture = Fixture()
        let key = [("Idempotency-Key", "c-1")]
        #expect(code(fixture.send(#"{"to": ["bob@mail.test"], "subject": "a\r\nBcc: x@y.example"}"#, headers: key)) == "400 header_injection")
        #expect(code(fixture.send(#"{"subject": "nobody"}"#, headers: key)) == "422 validation_failed")
        #expect(fixture.smtp.submissions.isEmpty)
        let sent = fixture.send(#"{"to": ["bob@mail.test"], "text": "fixed"}"#, headers: key)
        #expect(sent.status == 200 && sent.headers["Idempotent-Replayed"] == nil)
        #expect(fixture.send(#"{"to": ["bob@mail.test"], "text": "fixed"}"#, headers: key).headers["Idempotent-Replayed"] == "true")
        #expect(fixture.smtp.submissions.count == 1)
    }

    /// Fail closed: a server that offers no AUTH gets no MAIL FROM (before the fix: sent as anyone).
    @Test func serverWithoutAuthIsRefusedBeforeAnythingIsSent() {
        let fixture = Fixture(smtp: InMemorySMTPClient(accounts: ["alice": "alice-secret"], offersAuthentication: false))
        for password in ["alice-secret", "wrong"] {
            let result = fixture.send(#"{"to": ["bob@mail.test"], "text": "x"}"#, password: password)
            #expect(code(result) == "502 smtp_auth_unavailable")
        }
        #expect(fixture.smtp.submissions.isEmpty)
    }

    /// An unknown outcome is stored under the key and replayed; an ordinary 502 is not (before the
    /// fix no 5xx was stored, so the retry sent the message again).
    @Test func unknownOutcomeIsReplayedUnderItsKeyAndOrdinaryFailuresAreNot() {
        let fixture = Fixture()
        let body = #"{"to": ["bob@mail.test"], "text": "x"}"#
        fixture.smtp.fail(with: .outcomeUnknown(timedOut: true, detail: "no reply"))
        let first = fixture.send(body, headers: [("Idempotency-Key", "u-1")])
        #expect(code(first) == "504 submission_outcome_unknown")
        #expect((first.json["detail"] as? String)?.contains("Idempotency-Key") == true)
        fixture.smtp.fail(with: nil)
        let retry = fixture.send(body, headers: [("Idempotency-Key", "u-1")])
        #expect(code(retry) == "504 submission_outcome_unknown")
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        #expect(fixture.smtp.submissions.isEmpty)
        // Without a key the answer is the same, just not remembered.
        fixture.smtp.fail(with: .outcomeUnknown(timedOut: false, detail: "cut"))
        #expect(code(fixture.send(body)) == "502 submission_outcome_unknown")
        fixture.smtp.fail(with: .protocolFailure("cut", nil))
        #expect(code(fixture.send(body, headers: [("Idempotency-Key", "u-2")])) == "502 upstream_error")
        fixture.smtp.fail(with: nil)
        #expect(fixture.send(body, headers: [("Idempotency-Key", "u-2")]).status == 200)
        #expect(fixture.smtp.submissions.count == 1)
    }
}
