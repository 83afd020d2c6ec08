import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// POP3 faults through the fault proxy (Tests/Scripts/fault-proxy.py, STLS terminated with the test
/// CA): what a client sees when a download's RETR is never answered, and that a stalled POP3 server
/// does not starve sends and readiness.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct FaultIsolationTests {
    let environment = MailServerEnvironment.current!

    /// The API id of one of `user`'s messages, through a normal app.
    func anyMessageID(_ user: String) throws -> String {
        let app = try LiveApp.againstMailServers(environment)
        let page = try app.request("GET", "/api/v1/messages?limit=1", headers: LiveApp.basic(user, environment.password(user))).json
        return try #require((page["messages"] as? [[String: Any]])?.first?["id"] as? String)
    }

    /// RETR's reply withheld: the download answers 504 once the upstream timeout passes, instead of
    /// committing a 200 head before RETR's +OK and then cutting the connection.
    @Test func rawDownloadWaitsForRETRBeforeCommittingItsStatus() throws {
        // alice's mailbox is only ever read; bob's newest messages are deleted by POP3WriteTests meanwhile.
        let id = try anyMessageID("alice")
        let proxy = try FaultProxy(.pop3, target: environment.port("POP3_PORT"), rules: ["withhold-reply:RETR"], stallSeconds: 30,
                                   environment: environment)
        defer { proxy.stop() }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(proxy.port)", .upstreamTimeout: "3"])
        let response = try app.request("GET", "/api/v1/messages/\(id)/raw", headers: LiveApp.basic("alice", environment.password("alice")),
                                       timeoutMillis: 20_000)
        #expect(proxy.fired("withhold-reply:RETR"))
        #expect(response.status == 504)
        #expect(response.code == "upstream_timeout")
    }

    /// Every POP3 session stalled (greeting withheld) and more mailbox requests than shared workers:
    /// sends (own pool, healthy SMTP) and readiness (own pool, probes cached and waited for at most
    /// 0.8 s) still answer in well under a second; readiness says POP3 is not ready.
    /// Before the pools, both queued behind the stuck POP3 requests for the whole upstream timeout.
    @Test func sendAndReadyStayFastWhileEveryPOP3SessionIsStalled() throws {
        let proxy = try FaultProxy(.pop3, target: environment.port("POP3_PORT"), rules: ["stall-greeting"], stallSeconds: 60,
                                   environment: environment)
        defer { proxy.stop() }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(proxy.port)", .workers: "4",
                                                                .upstreamTimeout: "15", .upstreamConnectTimeout: "15"])
        let users = ["alice", "bob", "carol", "dave", "erin", "frank"]
        let stuck = DispatchGroup()
        for index in 0..<12 {
            let user = users[index % users.count]
            DispatchQueue.global().async(group: stuck) {
                _ = try? app.request("GET", "/api/v1/messages?limit=5", headers: LiveApp.basic(user, self.environment.password(user)),
                                     timeoutMillis: 40_000)
            }
        }
        // Let the stuck requests take every shared worker.
        let deadline = Date().addingTimeInterval(10)
        while proxy.connections < 4 && Date() < deadline { usleep(50_000) }
        #expect(proxy.connections >= 4)

        var sendSeconds: [Double] = []
        var readySeconds: [Double] = []
        let subject = "isolation-\(UUID().uuidString.prefix(8))"
        for round in 0..<10 {
            var headers = LiveApp.basic("alice", environment.password("alice"))
            headers["Content-Type"] = "application/json"
            let body = #"{"to": ["erin@mail.test"], "subject": "\#(subject) \#(round)", "text": "while POP3 is stalled"}"#
            var start = Date()
            let sent = try app.request("POST", "/api/v1/send", headers: headers, body: Array(body.utf8))
            sendSeconds.append(Date().timeIntervalSince(start))
            #expect(sent.status == 200)
            start = Date()
            let ready = try app.request("GET", "/api/v1/ready")
            readySeconds.append(Date().timeIntervalSince(start))
            // Honest and fast: POP3 never greets, so the (cached, background) probe reports it not ready.
            #expect(ready.status == 503)
            let checks = (try? JSONSerialization.jsonObject(with: Data(ready.body)) as? [String: Any])?["checks"] as? [[String: Any]] ?? []
            #expect(checks.first { $0["name"] as? String == "smtp" }?["ok"] as? Bool == true, "\(ready.text)")
            #expect(checks.first { $0["name"] as? String == "pop3" }?["ok"] as? Bool == false, "\(ready.text)")
        }
        print("while POP3 is stalled: send max \(sendSeconds.max()!) s, ready max \(readySeconds.max()!) s over 10 rounds")
        #expect(sendSeconds.max()! < 1, "send latencies \(sendSeconds)")
        #expect(readySeconds.max()! < 1, "ready latencies \(readySeconds)")
        #expect(environment.waitForMessages(of: "erin", containing: subject, count: 10).count == 10)
        proxy.stop()
        _ = stuck.wait(timeout: .now() + 40)
    }
}
