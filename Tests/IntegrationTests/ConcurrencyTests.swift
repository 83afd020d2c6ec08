import Dispatch
import Foundation
import Postillon
import PostillonTestSupport
import Synchronization
import Testing

/// Many parallel requests: per-mailbox serialisation keeps Dovecot from ever answering `[IN-USE]`.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct ConcurrencyTests {
    let environment = MailServerEnvironment.current!

    func parallelLists(_ users: [String], app: LiveApp) -> [Int] {
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: users.count) { index in
            let user = users[index]
            let status = (try? app.request("GET", "/api/v1/messages?limit=20", headers: LiveApp.basic(user, environment.password(user)),
                                           timeoutMillis: 60_000).status) ?? -1
            statuses.withLock { $0.append(status) }
        }
        return statuses.withLock { $0 }
    }

    @Test func fiftyParallelListsOfOneMailbox() throws {
        let app = try LiveApp.againstMailServers(environment, [.mailboxWait: "60"])
        let statuses = parallelLists(Array(repeating: "carol", count: 50), app: app)
        #expect(statuses.count == 50)
        #expect(statuses.allSatisfy { $0 == 200 }, "statuses: \(statuses.filter { $0 != 200 })")
    }

    @Test func fiftyParallelListsOverFiveMailboxes() throws {
        let app = try LiveApp.againstMailServers(environment, [.mailboxWait: "60"])
        let users = (0..<50).map { ["alice", "carol", "dave", "erin", "frank"][$0 % 5] }
        let statuses = parallelLists(users, app: app)
        #expect(statuses.allSatisfy { $0 == 200 }, "statuses: \(statuses.filter { $0 != 200 })")
    }
}
