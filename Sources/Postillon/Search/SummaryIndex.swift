import Foundation

/// The summary index on the state store's SQL database (SQLite or PostgreSQL): per account and
/// UIDL, the headers a list shows and search filters on. Filled by listings and by the
/// ``SummaryIndexer``; rows of messages gone from the mailbox are deleted when a listing notices.
/// It holds mail metadata (subjects, senders, recipients, dates, sizes), never bodies or passwords.
/// All calls block: worker and indexer threads only.
package final class SummaryIndex: Sendable {
    /// The database (the state store's).
    package let database: SQLDatabase
    private let clock: @Sendable () -> Int64

    /// Creates the index on a migrated database.
    package init(database: SQLDatabase, clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() }) {
        self.database = database
        self.clock = clock
    }

    /// Stores rows; a UIDL already indexed for `account` keeps its row.
    /// - Throws: ``StateStoreError``.
    package func insert(account: String, _ rows: [IndexedSummary]) throws {
        guard !rows.isEmpty else { return }
        let encoder = JSONEncoder()
        let now = clock()
        let encoded = try rows.map { row in (row, String(decoding: try encoder.encode(row.summary), as: UTF8.self)) }
        try database.transaction { connection in
            for (row, json) in encoded {
                try connection.execute("""
                    INSERT INTO summary_index (account, uidl, subject_words, from_words, to_words, date_at, size, has_attachments,
                                               summary, indexed_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (account, uidl) DO NOTHING
                    """, [.text(account), .text(row.uidl), .text(row.subjectWords), .text(row.fromWords), .text(row.toWords),
                          row.dateMillis.map(SQLValue.integer) ?? .null, .integer(Int64(row.summary.size)),
                          .integer(row.hasAttachments ? 1 : 0), .text(json), .integer(now)])
            }
        }
    }

    /// Every UIDL indexed for `account`.
    /// - Throws: ``StateStoreError``.
    package func indexedUIDLs(account: String) throws -> Set<String> {
        let rows = try database.withConnection { connection in
            try connection.query("SELECT uidl FROM summary_index WHERE account = $1", [.text(account)])
        }
        return Set(rows.compactMap { $0.text(0) })
    }

    /// Deletes the rows of these UIDLs of `account`.
    /// - Throws: ``StateStoreError``.
    package func delete(account: String, uidls: [String]) throws {
        guard !uidls.isEmpty else { return }
        try database.transaction { connection in
            for uidl in Set(uidls).sorted() {
                try connection.execute("DELETE FROM summary_index WHERE account = $1 AND uidl = $2", [.text(account), .text(uidl)])
            }
        }
    }

    /// The UIDLs of `account` whose row matches `query` (in any order; possibly including UIDLs
    /// the mailbox no longer has, which the caller intersects with its listing).
    /// - Throws: ``StateStoreError``.
    package func matching(account: String, query: SearchQuery) throws -> Set<String> {
        let (sql, parameters) = Self.matchStatement(account: account, query: query, dialect: database.dialect)
        let rows = try database.withConnection { connection in try connection.query(sql, parameters) }
        return Set(rows.compactMap { $0.text(0) })
    }

    /// The statement ``matching(account:query:)`` runs: only the conditions the query sets, every
    /// value bound as a parameter.
    static func matchStatement(account: String, query: SearchQuery, dialect: SQLDialect) -> (String, [SQLValue]) {
        var conditions = ["s.account = $1"]
        var parameters: [SQLValue] = [.text(account)]
        func bind(_ value: SQLValue) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        switch dialect {
        case .sqlite:
            if let match = FullTextQuery.sqlite(query) {
                conditions.append("s.rowid IN (SELECT rowid FROM summary_index_fts WHERE summary_index_fts MATCH \(bind(.text(match))))")
            }
        case .postgres:
            if let match = FullTextQuery.postgres(query) {
                conditions.append("s.search @@ to_tsquery('simple', \(bind(.text(match))))")
            }
        }
        if let since = query.sinceMillis { conditions.append("s.date_at >= \(bind(.integer(since)))") }
        if let before = query.beforeMillis { conditions.append("s.date_at < \(bind(.integer(before)))") }
        if let attachments = query.hasAttachments { conditions.append("s.has_attachments = \(bind(.integer(attachments ? 1 : 0)))") }
        return ("SELECT s.uidl FROM summary_index s WHERE " + conditions.joined(separator: " AND "), parameters)
    }

    /// The stored summaries of these UIDLs of `account` (flags false), by UIDL.
    /// - Throws: ``StateStoreError``.
    package func summaries(account: String, uidls: [String]) throws -> [String: MessageSummary] {
        guard !uidls.isEmpty else { return [:] }
        var parameters: [SQLValue] = [.text(account)]
        parameters += uidls.map { .text($0) }
        let placeholders = (2...parameters.count).map { "$\($0)" }.joined(separator: ", ")
        let rows = try database.withConnection { connection in
            try connection.query("SELECT uidl, summary FROM summary_index WHERE account = $1 AND uidl IN (\(placeholders))", parameters)
        }
        let decoder = JSONDecoder()
        var result: [String: MessageSummary] = [:]
        for row in rows {
            guard let uidl = row.text(0), let json = row.text(1),
                  let summary = try? decoder.decode(MessageSummary.self, from: Data(json.utf8)) else { continue }
            result[uidl] = summary
        }
        return result
    }
}
