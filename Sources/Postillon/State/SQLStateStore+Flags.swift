extension SQLStateStore {
    package func flags(account: String) throws -> [String: MessageFlags] {
        let rows = try database.withConnection { connection in
            try connection.query("SELECT uidl, seen, flagged FROM message_flags WHERE account = $1", [.text(account)])
        }
        var flags: [String: MessageFlags] = [:]
        for row in rows {
            guard let uidl = row.text(0) else { continue }
            flags[uidl] = MessageFlags(seen: row.integer(1) == 1, flagged: row.integer(2) == 1)
        }
        return flags
    }

    /// Also appends a `flags.changed` event to the outbox in the same transaction (the live event
    /// stream sends it; webhooks do not: no delivery is queued, subscriptions cannot ask for the type).
    package func updateFlags(account: String, uidls: [String], seen: Bool?, flagged: Bool?, now: Int64) throws {
        guard !uidls.isEmpty, seen != nil || flagged != nil else { return }
        func value(_ flag: Bool?) -> SQLValue { flag.map { .integer($0 ? 1 : 0) } ?? .null }
        let sorted = Set(uidls).sorted()
        try database.transaction { connection in
            try connection.execute("""
                INSERT INTO event_outbox (event_id, account, type, body, created_at) VALUES ($1, $2, 'flags.changed', $3, $4)
                """, [.text("evt_" + EventStore.randomToken()), .text(account),
                      .text(EventBody.flagsChanged(account: account, uidls: sorted, seen: seen, flagged: flagged, millis: now)),
                      .integer(now)])
            for uidl in sorted {
                try connection.execute("""
                    INSERT INTO message_flags (account, uidl, seen, flagged, updated_at)
                    VALUES ($1, $2, COALESCE(CAST($3 AS SMALLINT), 0), COALESCE(CAST($4 AS SMALLINT), 0), $5)
                    ON CONFLICT (account, uidl) DO UPDATE SET
                        seen = COALESCE(CAST($6 AS SMALLINT), message_flags.seen),
                        flagged = COALESCE(CAST($7 AS SMALLINT), message_flags.flagged),
                        updated_at = $5
                    """, [.text(account), .text(uidl), value(seen), value(flagged), .integer(now), value(seen), value(flagged)])
            }
        }
        ServiceMetrics.eventsRecorded(type: "flags.changed")
    }

    package func deleteFlags(account: String, uidls: [String]) throws {
        guard !uidls.isEmpty else { return }
        try database.transaction { connection in
            for uidl in Set(uidls).sorted() {
                try connection.execute("DELETE FROM message_flags WHERE account = $1 AND uidl = $2", [.text(account), .text(uidl)])
            }
        }
    }
}
