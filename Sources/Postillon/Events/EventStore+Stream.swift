extension EventStore: OutboxReader {
    package func latestSequence() throws -> Int64 {
        try database.withConnection { connection in
            try connection.query("SELECT COALESCE(MAX(seq), 0) FROM event_outbox", []).first?.integer(0) ?? 0
        }
    }

    /// One query for every open stream. Up to ``maxAccountsInQuery`` accounts are named in the
    /// query (the `(account, seq)` index serves it); beyond, every account's events come back and
    /// the caller keeps those it wants (so a full batch still means "there may be more").
    package func events(accounts: [String], after: Int64, recordedSince: Int64, limit: Int) throws -> [OutboxEvent] {
        guard !accounts.isEmpty else { return [] }
        let named = accounts.count <= Self.maxAccountsInQuery
        var parameters: [SQLValue] = [.integer(after), .integer(Int64(limit)), .integer(recordedSince)]
        var filter = ""
        if named {
            filter = " AND account IN (" + accounts.indices.map { "$\($0 + 4)" }.joined(separator: ", ") + ")"
            parameters += accounts.map { .text($0) }
        }
        // Two parts with their own limits, so recent rows can never crowd out the new ones.
        let sql = """
            SELECT * FROM (SELECT seq, account, type, body, created_at FROM event_outbox WHERE seq > $1\(filter)
                           ORDER BY seq LIMIT $2) AS fresh
            UNION ALL
            SELECT * FROM (SELECT seq, account, type, body, created_at FROM event_outbox
                           WHERE seq <= $1 AND created_at >= $3\(filter) LIMIT $2) AS recent
            """
        let rows = try database.withConnection { connection in try connection.query(sql, parameters) }
        return rows.compactMap { row -> OutboxEvent? in
            guard let seq = row.integer(0), let account = row.text(1), let type = row.text(2), let body = row.text(3) else { return nil }
            return OutboxEvent(seq: seq, account: account, type: type, body: body, createdAt: row.integer(4) ?? 0)
        }
    }

    /// The most accounts named in one outbox query.
    static let maxAccountsInQuery = 500
}
