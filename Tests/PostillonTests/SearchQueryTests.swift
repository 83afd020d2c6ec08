import Foundation
import Logging
@testable import Postillon
import Testing

/// The pure parts of search: parameters, words, full-text expressions, dates, the attachment
/// heuristic, paging — and the match statements against a real SQLite FTS5 index.
@Suite struct SearchQueryTests {
    func parse(_ parameters: [String: String]) throws(SearchQueryError) -> SearchQuery {
        try SearchQuery.parse { parameters[$0] }
    }

    @Test func wordsAreLowerCasedFoldedAndSplitAtEverythingElse() {
        #expect(SearchText.words("Grüße, Ärger & CAFÉ!") == ["gruße", "arger", "cafe"])
        #expect(SearchText.words("Alice <alice.smith@example.com>") == ["alice", "alice", "smith", "example", "com"])
        #expect(SearchText.words("  \"quoted\" *star* NEAR(x) {col}:y ") == ["quoted", "star", "near", "x", "col", "y"])
        #expect(SearchText.words("Invoice 2024-03") == ["invoice", "2024", "03"])
        #expect(SearchText.words("") == [])
        #expect(SearchText.words(String(repeating: "a", count: 100)) == [String(repeating: "a", count: 64)])
        #expect(SearchText.indexed([MailAddress(name: "Bob B.", address: "bob@mail.test")]) == "bob b bob mail test")
    }

    @Test func parametersParseAndEmptyOnesAreAbsent() throws {
        #expect(try parse([:]).isActive == false)
        #expect(try parse(["q": ""]).isActive == false)
        let query = try parse(["q": "Quarterly report", "from": "bob@mail.test", "subject": "Q3", "since": "2024-03-01",
                               "before": "2024-04-01T00:00:00+02:00", "hasAttachments": "true"])
        #expect(query.words == ["quarterly", "report"])
        #expect(query.fromWords == ["bob", "mail", "test"])
        #expect(query.subjectWords == ["q3"])
        #expect(query.sinceMillis == 1_709_251_200_000)
        #expect(query.beforeMillis == 1_711_922_400_000)
        #expect(query.hasAttachments == true)
        #expect(query.isActive && query.hasWords)
        #expect(try parse(["hasAttachments": "false"]).hasAttachments == false)
        #expect(try parse(["since": "2024-03-01"]).hasWords == false)
    }

    @Test func badParametersAreRefusedWithStableCodes() {
        func code(_ parameters: [String: String]) -> String? {
            do {
                _ = try parse(parameters)
                return nil
            } catch {
                return error.problem.code
            }
        }
        #expect(code(["since": "yesterday"]) == "invalid_parameter")
        #expect(code(["since": "2024-02-30"]) == "invalid_parameter")
        #expect(code(["before": "2024-13-01"]) == "invalid_parameter")
        #expect(code(["since": "2024-03-01T10:00"]) == "invalid_parameter", "a time needs its offset")
        #expect(code(["since": "2024-03-02", "before": "2024-03-01"]) == "invalid_parameter")
        #expect(code(["hasAttachments": "yes"]) == "invalid_parameter")
        #expect(code(["hasAttachments": ""]) == "invalid_parameter")
        #expect(code(["q": "*** !!"]) == "invalid_parameter")
        #expect(code(["q": String(repeating: "x", count: 257)]) == "search_query_too_long")
        #expect(code(["q": "a b c d e", "from": "f g", "subject": "h i"]) == "search_query_too_long")
        #expect(code(["q": "a b c d e", "from": "f g", "subject": "h"]) == nil)
    }

    @Test func datesParse() {
        #expect(ISO8601.parseMillis("1970-01-01") == 0)
        #expect(ISO8601.parseMillis("1970-01-01T00:00:01Z") == 1000)
        #expect(ISO8601.parseMillis("1970-01-01T01:00:00+01:00") == 0)
        #expect(ISO8601.parseMillis("1970-01-01T00:00:00.250Z") == 250)
        #expect(ISO8601.parseMillis("1970-01-01T00:00:00.5-00:30") == 1_800_500)
        #expect(ISO8601.parseMillis("2024-02-29") != nil)
        #expect(ISO8601.parseMillis("2023-02-29") == nil)
        #expect(ISO8601.parseMillis("2024-03-01T09:30:00+01:00x") == nil)
        #expect(ISO8601.parseMillis("2024-03-01T24:00:00Z") == nil)
        let written = ISO8601.format(epochSeconds: 1_727_769_601, offsetSeconds: 7200)
        #expect(ISO8601.parseMillis(written) == 1_727_769_601_000)
    }

    @Test func fullTextExpressionsQuoteEveryWord() throws {
        let query = try parse(["q": "report 2024", "from": "bob", "subject": "q3"])
        #expect(FullTextQuery.sqlite(query) == #""report"* AND "2024"* AND {from_words} : "bob"* AND {subject_words} : "q3"*"#)
        #expect(FullTextQuery.postgres(query) == "'report':* & '2024':* & 'bob':*B & 'q3':*A")
        #expect(FullTextQuery.sqlite(try parse(["since": "2024-01-01"])) == nil)
        var crafted = SearchQuery()
        crafted.words = [#"a"b"#, "c'd\\"]
        #expect(FullTextQuery.sqlite(crafted) == #""a""b"* AND "c'd\"*"#)
        #expect(FullTextQuery.postgres(crafted) == #"'a"b':* & 'c''d\\':*"#)
    }

    @Test func attachmentsAreGuessedFromTheTopLevelType() {
        #expect(IndexedSummary.hasAttachments(contentType: "multipart/mixed"))
        #expect(IndexedSummary.hasAttachments(contentType: "multipart/report"))
        #expect(IndexedSummary.hasAttachments(contentType: "application/pdf"))
        #expect(IndexedSummary.hasAttachments(contentType: "image/png"))
        #expect(!IndexedSummary.hasAttachments(contentType: "multipart/alternative"))
        #expect(!IndexedSummary.hasAttachments(contentType: "multipart/related"))
        #expect(!IndexedSummary.hasAttachments(contentType: "text/plain"))
        #expect(!IndexedSummary.hasAttachments(contentType: "message/rfc822"))
    }

    @Test func filteredPagingWalksTheUnfilteredOrder() throws {
        let uidls = ["u9", "u8", "u7", "u6", "u5", "u4", "u3"]
        let odd: (String) -> Bool = { Int($0.dropFirst())! % 2 == 1 }
        let first = try FilteredPaging.page(uidls, cursor: nil, limit: 2, matches: odd)
        #expect(first.uidls == ["u9", "u7"] && first.total == 4)
        let cursor = try #require(first.nextCursor.flatMap(PageCursor.decode))
        #expect(cursor == PageCursor(next: "u5", last: "u7"))
        let second = try FilteredPaging.page(uidls, cursor: cursor, limit: 2, matches: odd)
        #expect(second.uidls == ["u5", "u3"] && second.nextCursor == nil)
        #expect(try FilteredPaging.page(["u8", "u6"], cursor: nil, limit: 5, matches: odd).uidls == [])
        #expect(throws: MailboxError.self) { try FilteredPaging.page(["u1"], cursor: PageCursor(next: "x", last: "y"), limit: 5, matches: odd) }
    }

    static func summary(_ uidl: String, subject: String, from: String, to: String = "alice@mail.test", date: String?,
                        contentType: String = "text/plain") -> IndexedSummary {
        var fields = HeaderFields()
        fields.subject = subject
        fields.from = [MailAddress(name: nil, address: from)]
        fields.to = [MailAddress(name: nil, address: to)]
        fields.date = date
        fields.contentType = contentType
        return IndexedSummary(uidl: uidl, summary: MessageSummary(id: uidl, size: 100, fields: fields))
    }

    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func sqliteIndexMatchesWordsFieldsDatesAndRefusesSyntax() throws {
        let store = try SQLStateStore.open(.sqlite(path: ":memory:"), logger: Self.quiet)
        try checkIndex(SummaryIndex(database: store.database), alice: "alice", mallory: "mallory")
    }

    /// The same against PostgreSQL when `POSTILLON_TEST_POSTGRES_URL` names a database (for example a
    /// cluster from Tests/Scripts/pg-cluster.sh); accounts are unique per run, so the database may be reused.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"] != nil, "set POSTILLON_TEST_POSTGRES_URL"))
    func postgresIndexMatchesTheSame() throws {
        let url = try #require(ProcessInfo.processInfo.environment["POSTILLON_TEST_POSTGRES_URL"])
        let store = try SQLStateStore.open(.postgres(url: url), poolSize: 2, logger: Self.quiet)
        let run = UUID().uuidString.lowercased()
        try checkIndex(SummaryIndex(database: store.database), alice: "alice-\(run)", mallory: "mallory-\(run)")
    }

    func checkIndex(_ index: SummaryIndex, alice: String, mallory: String) throws {
        try index.insert(account: alice, [
            Self.summary("a1", subject: "Quarterly report Q3", from: "bob@mail.test", date: "2024-03-05T10:00:00+01:00",
                         contentType: "multipart/mixed"),
            Self.summary("a2", subject: "Lunch?", from: "carol@mail.test", to: "bob@mail.test", date: "2024-04-01T12:00:00Z"),
            Self.summary("a3", subject: "Résumé attached", from: "dave@other.test", date: nil, contentType: "application/pdf"),
        ])
        try index.insert(account: mallory, [Self.summary("m1", subject: "Quarterly report", from: "bob@mail.test", date: nil)])
        try index.insert(account: alice, [Self.summary("a1", subject: "changed", from: "x@y", date: nil)])  // kept as first written
        func match(_ parameters: [String: String]) throws -> Set<String> {
            try index.matching(account: alice, query: try SearchQuery.parse { parameters[$0] })
        }
        #expect(try match(["q": "report"]) == ["a1"])
        #expect(try match(["q": "quart rep"]) == ["a1"], "each word is a prefix")
        #expect(try match(["q": "bob"]) == ["a1", "a2"], "q searches from and to")
        #expect(try match(["from": "bob"]) == ["a1"])
        #expect(try match(["subject": "bob"]) == [])
        #expect(try match(["q": "resume"]) == ["a3"], "diacritics fold")
        #expect(try match(["since": "2024-03-06"]) == ["a2"])
        #expect(try match(["before": "2024-03-06"]) == ["a1"])
        #expect(try match(["hasAttachments": "true"]) == ["a1", "a3"])
        #expect(try match(["hasAttachments": "false", "q": "lunch"]) == ["a2"])
        for hostile in [#"report" OR "lunch"#, "report OR lunch", "NEAR(report lunch)", "{to_words}: bob", "rep*", "-report",
                        "'; DROP TABLE summary_index; --", "^report", "report AND NOT lunch"] {
            _ = try match(["q": hostile])  // never a syntax error
        }
        #expect(try match(["q": "report OR lunch"]) == [], "OR is a word, not an operator")
        #expect(try index.indexedUIDLs(account: alice) == ["a1", "a2", "a3"])
        #expect(try index.summaries(account: alice, uidls: ["a1", "zz"])["a1"]?.subject == "Quarterly report Q3")
        try index.delete(account: alice, uidls: ["a1"])
        #expect(try match(["q": "report"]) == [])
        #expect(try index.matching(account: mallory, query: try SearchQuery.parse { ["q": "report"][$0] }) == ["m1"])
    }
}
