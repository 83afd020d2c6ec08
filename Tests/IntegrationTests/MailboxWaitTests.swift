import Foundation
import Postillon
import PostillonTestSupport
import Synchronization
import Testing

/// `--mailbox-wait` bounds how long a contended mailbox keeps its callers waiting, counted from each
/// request's arrival: through Tests/Scripts/fault-proxy.py in front of Dovecot (STLS terminated with
/// the test CA) every session's UIDL reply is withheld, and several requests for one mailbox arrive
/// together. Before the budget counted from arrival, the second request in line started its whole
/// upstream exchange when the first gave up and answered after about twice the upstream timeout.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct MailboxWaitTests {
    let environment = MailServerEnvironment.current!

    struct Outcome {
        let status: Int
        let code: String?
        let retryAfter: String?
        let seconds: Double
    }

    /// Sends `count` requests for `target` as `user` at once, each on its own thread and connection.
    func together(_ count: Int, user: String, app: LiveApp, target: String = "/api/v1/messages?limit=5") -> [Outcome] {
        let outcomes = Mutex<[Outcome]>([])
        let done = DispatchGroup()
        for _ in 0..<count {
            done.enter()
            Thread {
                let start = Date()
                let response = try? app.request("GET", target,
                                                headers: LiveApp.basic(user, environment.password(user)), timeoutMillis: 30_000)
                let outcome = Outcome(status: response?.status ?? -1, code: response?.code, retryAfter: response?.headers["Retry-After"],
                                      seconds: Date().timeIntervalSince(start))
                outcomes.withLock { $0.append(outcome) }
                done.leave()
            }.start()
        }
        done.wait()
        return outcomes.withLock { $0 }
    }

    @Test func theSlowestOfManyRequestsForAStalledMailboxAnswersWithinTheWaitPlusOneSecond() throws {
        let wait = 4.0
        let proxy = try FaultProxy(.pop3, target: environment.port("POP3_PORT"), rules: ["withhold-reply:UIDL"], stallSeconds: 30,
                                   environment: environment)
        defer { proxy.stop() }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(proxy.port)", .upstreamTimeout: "3",
                                                                .mailboxWait: String(Int(wait))])
        let outcomes = together(6, user: "carol", app: app)
        let slowest = outcomes.map(\.seconds).max() ?? 0
        print("mailbox wait \(wait) s: " + outcomes.map { "\($0.status) \($0.code ?? "-") \(String(format: "%.2f", $0.seconds)) s" }
            .joined(separator: ", "))
        #expect(proxy.fired("withhold-reply:UIDL"))
        #expect(outcomes.count == 6)
        #expect(slowest < wait + 1, "slowest answer \(slowest) s")
        // What each caller learns: the upstream stalled (504), or the mailbox was busy (503, retry later).
        #expect(outcomes.allSatisfy { $0.status == 504 || $0.status == 503 }, "statuses \(outcomes.map(\.status))")
        #expect(outcomes.contains { $0.status == 504 && $0.code == "upstream_timeout" })
        for busy in outcomes where busy.status == 503 {
            #expect(busy.code == "mailbox_busy")
            #expect(busy.retryAfter != nil)
        }
    }

    /// The same for raw downloads whose RETR is never answered: a queued download's wait for RETR's
    /// `+OK` ends with its budget too (a message already flowing would keep the upstream timeout).
    @Test func queuedRawDownloadsOfAStalledMailboxAnswerWithinTheWaitPlusOneSecond() throws {
        let direct = try LiveApp.againstMailServers(environment)
        let page = try direct.request("GET", "/api/v1/messages?limit=1", headers: LiveApp.basic("carol", environment.password("carol"))).json
        let id = try #require((page["messages"] as? [[String: Any]])?.first?["id"] as? String)
        let wait = 4.0
        let proxy = try FaultProxy(.pop3, target: environment.port("POP3_PORT"), rules: ["withhold-reply:RETR"], stallSeconds: 30,
                                   environment: environment)
        defer { proxy.stop() }
        let app = try LiveApp.againstMailServers(environment, [.pop3URL: "pop3://127.0.0.1:\(proxy.port)", .upstreamTimeout: "3",
                                                                .mailboxWait: String(Int(wait)), .messageCacheBytes: "0"])
        let outcomes = together(5, user: "carol", app: app, target: "/api/v1/messages/\(id)/raw")
        let slowest = outcomes.map(\.seconds).max() ?? 0
        print("raw, mailbox wait \(wait) s: " + outcomes.map { "\($0.status) \($0.code ?? "-") \(String(format: "%.2f", $0.seconds)) s" }
            .joined(separator: ", "))
        #expect(proxy.fired("withhold-reply:RETR"))
        #expect(slowest < wait + 1, "slowest answer \(slowest) s")
        #expect(outcomes.allSatisfy { $0.status == 504 || $0.status == 503 }, "statuses \(outcomes.map(\.status))")
    }
}
