import Foundation
import Logging
@testable import Postillon
import PostillonTestSupport
import Testing

/// Search through the router: the POP3 twin and a SQLite state store in memory.
@Suite struct SearchRoutesTests {
    func ids(_ json: [String: Any]) -> [String] { (json["messages"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [] }

    func app(indexJobs: Int = 2) throws -> MemoryApp {
        let state = try SQLStateStore.open(.sqlite(path: ":memory:"), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let app = try MemoryApp(flags: [.indexJobs: String(indexJobs)], state: state)
        app.pop3.deliver("alice", uidl: "u8", message: "From: Bob Builder <bob@mail.test>\r\nTo: alice@mail.test\r\nSubject: Quarterly report\r\n"
                         + "Date: Wed, 2 Oct 2024 09:00:00 +0000\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n")
        app.pop3.deliver("alice", uidl: "u9", message: "From: carol@mail.test\r\nTo: Bob <bob@mail.test>\r\nSubject: Lunch on Friday\r\n"
                         + "Date: Thu, 3 Oct 2024 12:00:00 +0000\r\n\r\nHi\r\n")
        return app
    }

    func index(_ json: [String: Any]) -> [String: Any] { json["index"] as? [String: Any] ?? [:] }

    @Test func firstSearchStartsIndexingAndLaterOnesFindEverything() throws {
        let app = try app()
        let first = app.call(.GET, "/api/v1/messages?q=report")
        #expect(first.status == 200)
        #expect(index(first.json)["total"] as? Int == 9)
        let search = try #require(app.services.search)
        #expect(search.indexer.waitUntilIdle(timeoutMillis: 5000))
        let done = app.call(.GET, "/api/v1/messages?q=report")
        #expect(ids(done.json) == ["u8"])
        #expect(done.json["total"] as? Int == 1)
        #expect(index(done.json)["complete"] as? Bool == true && index(done.json)["indexed"] as? Int == 9)
        #expect(ids(app.call(.GET, "/api/v1/messages?q=bob").json) == ["u9", "u8"], "q looks at from and to")
        #expect(ids(app.call(.GET, "/api/v1/messages?from=bob").json) == ["u8"])
        #expect(ids(app.call(.GET, "/api/v1/messages?subject=gr%C3%BC%C3%9Fe&limit=3").json) == ["u7", "u6", "u5"])
        #expect(ids(app.call(.GET, "/api/v1/messages?since=2024-10-02&before=2024-10-03").json) == ["u8"])
        #expect(ids(app.call(.GET, "/api/v1/messages?hasAttachments=true").json) == ["u8"])
        let summary = try #require((done.json["messages"] as? [[String: Any]])?.first)
        #expect(summary["subject"] as? String == "Quarterly report" && summary["contentType"] as? String == "multipart/mixed")
    }

    @Test func pagesAreStableAndFlagsCombine() throws {
        let app = try app()
        _ = app.call(.GET, "/api/v1/messages?q=sender")
        #expect(try #require(app.services.search).indexer.waitUntilIdle(timeoutMillis: 5000))
        let first = app.call(.GET, "/api/v1/messages?q=sender&limit=3")
        #expect(ids(first.json) == ["u7", "u6", "u5"])
        #expect(first.json["total"] as? Int == 7)
        let cursor = try #require(first.json["nextCursor"] as? String)
        #expect(app.call(.DELETE, "/api/v1/messages/u4").status == 204)
        let second = app.call(.GET, "/api/v1/messages?q=sender&limit=3&cursor=\(cursor)")
        #expect(ids(second.json) == ["u3", "u2", "u1"])
        #expect(second.json["nextCursor"] is NSNull)
        #expect(index(second.json)["total"] as? Int == 8 && index(second.json)["complete"] as? Bool == true)
        #expect(try app.services.search!.index.indexedUIDLs(account: "alice").contains("u4") == false,
                "the row of a deleted message goes when a listing notices")
        _ = app.call(.PATCH, "/api/v1/messages/u2", body: #"{"flagged":true}"#)
        let flagged = app.call(.GET, "/api/v1/messages?q=sender&flagged=true")
        #expect(ids(flagged.json) == ["u2"])
        #expect((flagged.json["messages"] as? [[String: Any]])?.first?["flagged"] as? Bool == true)
    }

    @Test func listingPagesFillTheIndexWithoutBackgroundJobs() throws {
        let app = try app(indexJobs: 0)
        _ = app.call(.GET, "/api/v1/messages?limit=2")
        let search = app.call(.GET, "/api/v1/messages?q=lunch")
        #expect(ids(search.json) == ["u9"])
        #expect(index(search.json)["indexed"] as? Int == 2 && index(search.json)["complete"] as? Bool == false)
        #expect(ids(app.call(.GET, "/api/v1/messages?q=sender").json) == [], "nothing else was indexed")
    }

    @Test func aListStartsTheIndexerToo() throws {
        let app = try app()
        _ = app.call(.GET, "/api/v1/messages?limit=2")
        #expect(try #require(app.services.search).indexer.waitUntilIdle(timeoutMillis: 5000))
        let search = app.call(.GET, "/api/v1/messages?q=sender")
        #expect(index(search.json)["complete"] as? Bool == true)
        #expect(search.json["total"] as? Int == 7)
        #expect(app.call(.GET, "/api/v1/messages?q=%20%20").json["index"] == nil, "a blank q is the plain list")
    }

    @Test func aServerWithoutTOPGetsNoEndlessJobs() throws {
        let pop3 = InMemoryPOP3Server(capabilities: ["UIDL", "PIPELINING"])
        pop3.addMailbox("alice", password: "pw")
        for number in 1...250 {
            pop3.deliver("alice", uidl: "u\(number)", message: "Subject: Hello \(number)\r\n\r\nBody\r\n")
        }
        let state = try SQLStateStore.open(.sqlite(path: ":memory:"), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let mailbox = MailboxService(connector: pop3, cacheCapacity: 100, waitMillis: 2000)
        let index = SummaryIndex(database: state.database)
        let indexer = SummaryIndexer(mailbox: mailbox, index: index, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let credentials = Credentials(username: "alice", password: "pw")
        indexer.request(credentials)
        #expect(indexer.waitUntilIdle(timeoutMillis: 5000))
        #expect(try index.indexedUIDLs(account: "alice").isEmpty)
        indexer.request(credentials)
        #expect(!indexer.isIndexing(account: "alice"), "the account rests after a job that could not finish")
    }

    @Test func jobsYieldToRequestsAndEndAtSignOut() throws {
        let pop3 = InMemoryPOP3Server()
        for user in ["alice", "bob"] {
            pop3.addMailbox(user, password: "pw")
            for number in 1...20 { pop3.deliver(user, uidl: "u\(number)", message: "Subject: Hello \(number)\r\n\r\nBody\r\n") }
        }
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let state = try SQLStateStore.open(.sqlite(path: ":memory:"), logger: quiet)
        let mailbox = MailboxService(connector: pop3, cacheCapacity: 100, waitMillis: 2000)
        let index = SummaryIndex(database: state.database)
        let indexer = SummaryIndexer(mailbox: mailbox, index: index, maxJobs: 1, logger: quiet)
        #expect(mailbox.locks.acquire("alice", timeoutMillis: 0), "a request holds alice's line")
        indexer.request(Credentials(username: "alice", password: "pw"))
        indexer.request(Credentials(username: "bob", password: "pw"))
        usleep(100_000)
        #expect(indexer.isIndexing(account: "alice") && indexer.isIndexing(account: "bob"), "alice's job waits, bob's is queued")
        #expect(try index.indexedUIDLs(account: "alice").isEmpty, "nothing is read while a request holds the line")
        indexer.cancel(account: "bob")
        #expect(!indexer.isIndexing(account: "bob"))
        indexer.cancel(account: "alice")
        mailbox.locks.release("alice")
        #expect(indexer.waitUntilIdle(timeoutMillis: 7000))
        #expect(try index.indexedUIDLs(account: "alice").isEmpty && index.indexedUIDLs(account: "bob").isEmpty)
        indexer.request(Credentials(username: "bob", password: "pw"))
        #expect(indexer.waitUntilIdle(timeoutMillis: 5000))
        #expect(try index.indexedUIDLs(account: "bob").count == 20, "a later request indexes again")
    }

    @Test func badParametersAndMissingIndexAnswerProblems() throws {
        let app = try app()
        let bad = app.call(.GET, "/api/v1/messages?since=tomorrow")
        #expect(bad.status == 400 && bad.json["code"] as? String == "invalid_parameter")
        #expect(app.call(.GET, "/api/v1/messages?q=" + String(repeating: "x", count: 300)).json["code"] as? String == "search_query_too_long")
        #expect(app.call(.GET, "/api/v1/messages?hasAttachments=1").json["code"] as? String == "invalid_parameter")
        #expect(app.call(.GET, "/api/v1/messages?q=report", auth: "alice:wrong").status == 401)
        let memory = try MemoryApp()
        let unavailable = memory.call(.GET, "/api/v1/messages?q=report")
        #expect(unavailable.status == 503 && unavailable.json["code"] as? String == "search_unavailable")
        #expect(memory.call(.GET, "/api/v1/messages?q=").status == 200, "an empty q is the plain list")
    }
}
