import Foundation
import Postillon
import PostillonTestSupport
import Testing

/// Search against real Dovecot: dave's mailbox gets 300 varied messages (seed-mailbox.py --varied)
/// under a token of this run; the first search starts the background indexer, which completes the
/// index with pipelined TOP; then words, sender, date range, attachments and paging are checked.
@Suite(.enabled(if: MailServerEnvironment.isAvailable, "set POSTILLON_TEST_ENV (Tests/run.sh does)"), .serialized)
struct SearchIntegrationTests {
    let environment = MailServerEnvironment.current!
    static let count = 300

    func messages(_ response: RawClient.Response) -> [[String: Any]] { response.json["messages"] as? [[String: Any]] ?? [] }
    func subjects(_ response: RawClient.Response) -> [String] { messages(response).compactMap { $0["subject"] as? String } }
    func seedIndex(_ subject: String) -> Int { Int(subject.split(separator: " ").last ?? "") ?? -1 }

    @Test func searchFindsWhatTheBackgroundIndexerIndexed() throws {
        try check([:])
    }

    /// The same with the state store on PostgreSQL when `POSTILLON_TEST_POSTGRES_URL` names a database.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] != nil, "set POSTILLON_TEST_POSTGRES_URL"))
    func searchOnPostgreSQL() throws {
        let url = try #require(ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"])
        let keyFile = NSTemporaryDirectory() + "postillon-search-\(UUID().uuidString).key"
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString().write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try check([.state: url, .secretKeyFile: keyFile])
    }

    func check(_ flags: [ConfigKey: String]) throws {
        let token = "S" + UUID().uuidString.prefix(8).lowercased().filter { $0.isLetter || $0.isNumber }
        _ = MailServerEnvironment.run(["python3", MailServerEnvironment.repositoryRoot + "/Tests/Scripts/seed-mailbox.py",
                                       environment.maildir("dave"), String(Self.count), "--prefix", token, "--varied"])
        let app = try LiveApp.againstMailServers(environment, flags)
        let auth = LiveApp.basic("dave", environment.password("dave"))
        let search = try #require(app.services.search)

        let first = try app.request("GET", "/api/v1/messages?q=\(token)&limit=10", headers: auth)
        #expect(first.status == 200)
        let index = try #require(first.json["index"] as? [String: Any])
        let total = try #require(index["total"] as? Int)
        #expect(total >= Self.count)
        #expect(search.indexer.waitUntilIdle(timeoutMillis: 60_000), "the background indexer finished")

        // Every seeded message, newest first, over stable pages.
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let page = try app.request("GET", "/api/v1/messages?q=\(token)&limit=70" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: auth)
            #expect(page.status == 200)
            #expect((page.json["index"] as? [String: Any])?["complete"] as? Bool == true)
            #expect(page.json["total"] as? Int == Self.count)
            seen += subjects(page).map(seedIndex)
            cursor = page.json["nextCursor"] as? String
        } while cursor != nil
        #expect(seen == Array((1...Self.count).reversed()))

        // A subject word (Invoice is topic 0: i % 16 == 0), within this run's messages.
        let invoices = try app.request("GET", "/api/v1/messages?q=\(token)&subject=invoice&limit=200", headers: auth)
        #expect(subjects(invoices).map(seedIndex) == (1...Self.count).reversed().filter { $0 % 16 == 0 })
        // A sender (Grace Hopper is sender 2: i % 12 == 2), by a prefix of her address.
        let grace = try app.request("GET", "/api/v1/messages?q=\(token)&from=grac&limit=200", headers: auth)
        #expect(subjects(grace).map(seedIndex) == (1...Self.count).reversed().filter { $0 % 12 == 2 })
        // Attachments: every 5th message is multipart/mixed.
        let attached = try app.request("GET", "/api/v1/messages?q=\(token)&hasAttachments=true&limit=200", headers: auth)
        #expect(subjects(attached).map(seedIndex) == (1...Self.count).reversed().filter { $0 % 5 == 0 })
        // A date range: messages are an hour apart; since is inclusive, before exclusive.
        let dated = messages(try app.request("GET", "/api/v1/messages?q=\(token)&limit=50", headers: auth))
        let newest = try #require(dated[10]["date"] as? String)
        let oldest = try #require(dated[20]["date"] as? String)
        let range = try app.request("GET", "/api/v1/messages?q=\(token)&since=\(escape(oldest))&before=\(escape(newest))", headers: auth)
        #expect(subjects(range).map(seedIndex) == Array((Self.count - 20...Self.count - 11).reversed()))
        // Words with no match, and a word of another language's letters.
        #expect(try app.request("GET", "/api/v1/messages?q=\(token)+zzzzqqq", headers: auth).json["total"] as? Int == 0)
        let cafe = try app.request("GET", "/api/v1/messages?q=\(token)+cafe&limit=200", headers: auth)
        #expect(subjects(cafe).map(seedIndex) == (1...Self.count).reversed().filter { $0 % 16 == 15 }, "Café matches cafe")
        // Bad input is refused before any upstream work.
        #expect(try app.request("GET", "/api/v1/messages?since=soon", headers: auth).code == "invalid_parameter")
    }

    func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
}
