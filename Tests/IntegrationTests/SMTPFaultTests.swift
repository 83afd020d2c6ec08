import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// `POST /api/v1/send` through the fault proxy (Tests/Scripts/fault-proxy.py) to Postfix's
/// submission port, STARTTLS terminated by the proxy with the test CA, so the verified path runs.
/// For every cut point the API's answer must agree with the server-side truth (dave's maildir),
/// and a retry with the same Idempotency-Key must never deliver a second copy.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct SMTPFaultTests {
    let environment = MailServerEnvironment.current!
    /// Short, so stalls end quickly; the timing test checks the answer comes within it + 1 s.
    static let upstreamTimeout = 4

    /// A proxy with `rule` on its first connection only (retries pass untouched), and an app behind it.
    func setUp(_ rule: String, stallSeconds: Double = 30) throws -> (FaultProxy, LiveApp) {
        let proxy = try FaultProxy(.smtp, target: environment.port("SUBMISSION_PORT"), rules: [rule], times: 1,
                                   stallSeconds: stallSeconds, environment: environment)
        let app = try LiveApp.againstMailServers(environment, [.smtpURL: "smtp://127.0.0.1:\(proxy.port)",
                                                               .upstreamTimeout: String(Self.upstreamTimeout)])
        return (proxy, app)
    }

    /// A JSON send to dave whose subject is `subject`; `padding` bytes of attachment make it large.
    func send(_ app: LiveApp, subject: String, key: String, padding: Int = 0) throws -> (RawClient.Response, Double) {
        var headers = LiveApp.basic("alice", environment.password("alice"))
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = key
        var object: [String: Any] = ["to": ["dave@mail.test"], "subject": subject, "text": "fault injection"]
        if padding > 0 {
            let bytes = (0..<padding).map { UInt8(0x41 + $0 % 26) }
            object["attachments"] = [["filename": "pad.txt", "contentType": "text/plain", "content": Data(bytes).base64EncodedString()]]
        }
        // Sorted keys: a Swift dictionary's order may differ between two equal dictionaries, and a
        // same-key retry must send the same bytes (else 422 idempotency_key_reused, as seen once).
        let body = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        let start = Date()
        let response = try app.request("POST", "/api/v1/send", headers: headers, body: body, timeoutMillis: 60_000)
        return (response, Date().timeIntervalSince(start))
    }

    /// Copies of the message with `subject` in dave's maildir, after Postfix had time to deliver.
    func delivered(_ subject: String, expecting: Int) -> Int {
        let found = environment.waitForMessages(of: "dave", containing: subject, count: max(expecting, 1),
                                                timeout: expecting > 0 ? 15 : 2)
        if expecting == 0 { return found.count }
        usleep(300_000)  // a duplicate would land right after the first copy
        return environment.waitForMessages(of: "dave", containing: subject, count: expecting + 1, timeout: 1).count
    }

    func subject(_ label: String) -> String { "fault-\(label)-\(UUID().uuidString.prefix(8))" }

    /// Reply to the final "." lost (connection cut after the server answered 250): before the fix
    /// 502 upstream_error ("the server said 354"), and the same-key retry sent a second copy.
    @Test func lostReplyToTheFinalDotIsAnUnknownOutcomeReplayedOnRetry() throws {
        let (proxy, app) = try setUp("cut-after:.")
        defer { proxy.stop() }
        let subject = subject("cut-after-dot"), key = UUID().uuidString
        let (first, _) = try send(app, subject: subject, key: key)
        #expect(proxy.fired("cut-after:."))
        #expect(first.status == 502)
        #expect(first.code == "submission_outcome_unknown")
        #expect(delivered(subject, expecting: 1) == 1)
        let (retry, _) = try send(app, subject: subject, key: key)
        #expect(retry.status == 502)
        #expect(retry.code == "submission_outcome_unknown")
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        #expect(proxy.connections == 1, "the retry must not reach the SMTP server")
        #expect(delivered(subject, expecting: 1) == 1)
    }

    /// Reply to the final "." withheld: answered within --upstream-timeout + 1 s (before the fix
    /// libcurl's own 120 s response timeout applied) as 504 submission_outcome_unknown.
    @Test func withheldReplyToTheFinalDotAnswersWithinTheTimeout() throws {
        let (proxy, app) = try setUp("withhold-reply:.")
        defer { proxy.stop() }
        let subject = subject("withhold-dot"), key = UUID().uuidString
        let (first, seconds) = try send(app, subject: subject, key: key)
        #expect(proxy.fired("withhold-reply:."))
        #expect(first.status == 504)
        #expect(first.code == "submission_outcome_unknown")
        #expect(seconds < Double(Self.upstreamTimeout) + 1, "took \(seconds) s")
        #expect(delivered(subject, expecting: 1) == 1)
        let (retry, _) = try send(app, subject: subject, key: key)
        #expect(retry.code == "submission_outcome_unknown")
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        #expect(delivered(subject, expecting: 1) == 1)
    }

    /// The final "." is written by Postillon but dropped on the way and the connection cut: seen
    /// from Postillon exactly like a lost reply, so the answer is the unknown outcome (the truth,
    /// nothing delivered, is one of the outcomes it names), and the same-key retry replays it
    /// rather than risk a second copy.
    @Test func finalDotLostOnTheWayIsUnknownAndNeverDuplicated() throws {
        let (proxy, app) = try setUp("cut-before:.")
        defer { proxy.stop() }
        let subject = subject("cut-before-dot"), key = UUID().uuidString
        let (first, _) = try send(app, subject: subject, key: key)
        #expect(proxy.fired("cut-before:."))
        #expect(first.status == 502)
        #expect(first.code == "submission_outcome_unknown")
        #expect(delivered(subject, expecting: 0) == 0)
        let (retry, _) = try send(app, subject: subject, key: key)
        #expect(retry.code == "submission_outcome_unknown")
        #expect(retry.headers["Idempotent-Replayed"] == "true")
        #expect(delivered(subject, expecting: 0) == 0)
        // A new key is a new send: it goes through once.
        let (fresh, _) = try send(app, subject: subject, key: UUID().uuidString)
        #expect(fresh.status == 200)
        #expect(delivered(subject, expecting: 1) == 1)
    }

    /// Cut in the middle of a 2 MB message: a definite failure (the server cannot have accepted a
    /// message without its end), nothing delivered; the same-key retry sends it once.
    @Test func cutMidDataIsADefiniteFailure() throws {
        let (proxy, app) = try setUp("cut-data:4000")
        defer { proxy.stop() }
        let subject = subject("cut-mid-data"), key = UUID().uuidString
        let (first, _) = try send(app, subject: subject, key: key, padding: 2_000_000)
        #expect(proxy.fired("cut-data:4000"))
        #expect(first.status == 502)
        #expect(first.code == "upstream_error")
        #expect(delivered(subject, expecting: 0) == 0)
        let (retry, _) = try send(app, subject: subject, key: key, padding: 2_000_000)
        #expect(retry.status == 200)
        #expect(delivered(subject, expecting: 1) == 1)
    }

    /// The server stops reading in the middle of a 6 MB message: 504 upstream_timeout (the end of
    /// the message never went out, so the failure is definite), nothing delivered.
    @Test func stallMidDataTimesOutWithoutDelivery() throws {
        let (proxy, app) = try setUp("stall-data:4000")
        defer { proxy.stop() }
        let subject = subject("stall-mid-data"), key = UUID().uuidString
        let (first, _) = try send(app, subject: subject, key: key, padding: 6_000_000)
        #expect(proxy.fired("stall-data:4000"))
        #expect(first.status == 504)
        #expect(first.code == "upstream_timeout")
        #expect(delivered(subject, expecting: 0) == 0)
    }

    /// The greeting never comes: 504 within the timeout, nothing sent.
    @Test func stalledGreetingTimesOut() throws {
        let (proxy, app) = try setUp("stall-greeting")
        defer { proxy.stop() }
        let subject = subject("stall-greeting")
        let (first, seconds) = try send(app, subject: subject, key: UUID().uuidString)
        #expect(first.status == 504)
        #expect(first.code == "upstream_timeout")
        #expect(seconds < Double(Self.upstreamTimeout) + 1, "took \(seconds) s")
        #expect(delivered(subject, expecting: 0) == 0)
    }

    /// After the 250 the QUIT reply is withheld or the connection cut: the message was accepted,
    /// so the answer is 200, promptly.
    @Test func lostQuitReplyAfterAcceptanceIsStillASuccess() throws {
        for rule in ["withhold-reply:QUIT", "cut-after:QUIT"] {
            let (proxy, app) = try setUp(rule)
            defer { proxy.stop() }
            let subject = subject("quit")
            let (first, seconds) = try send(app, subject: subject, key: UUID().uuidString)
            #expect(first.status == 200, "\(rule)")
            #expect(seconds < Double(Self.upstreamTimeout) + 1, "\(rule) took \(seconds) s")
            #expect(delivered(subject, expecting: 1) == 1)
        }
    }
}
