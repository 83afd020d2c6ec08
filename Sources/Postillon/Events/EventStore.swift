import Foundation
import PostillonHTTP

/// The event tables on the state store's SQL database: poll leases, UIDL sets and the outbox.
/// Every method is one statement or one transaction, so replicas sharing a PostgreSQL database
/// agree; all calls block (poller, deliverer and worker threads only).
package final class EventStore: Sendable {
    /// The database (the state store's).
    package let database: SQLDatabase
    /// Seals webhook secrets at rest.
    let sealer: PasswordSealer

    /// Creates a store on a migrated database.
    package init(database: SQLDatabase, sealer: PasswordSealer) {
        self.database = database
        self.sealer = sealer
    }

    /// Makes `account` a watched mailbox (idempotent); its first poll is due at `firstPollAt`.
    package func watch(account: String, firstPollAt: Int64) throws {
        try database.withConnection { connection in
            try connection.execute("""
                INSERT INTO watched_mailboxes (account, next_poll_at) VALUES ($1, $2) ON CONFLICT (account) DO NOTHING
                """, [.text(account), .integer(firstPollAt)])
        }
    }

    /// Every watched mailbox in the store (by any replica).
    package func watchedAccounts() throws -> Set<String> {
        try database.withConnection { connection in
            Set(try connection.query("SELECT account FROM watched_mailboxes", []).compactMap { $0.text(0) })
        }
    }

    /// Stops watching `account` and forgets its UIDL set, so that watching it again starts with a
    /// new baseline instead of reporting everything that arrived meanwhile. Events already in the
    /// outbox stay (and are delivered).
    package func unwatch(account: String) throws {
        try database.transaction { connection in
            try connection.execute("DELETE FROM watched_mailboxes WHERE account = $1", [.text(account)])
            try connection.execute("DELETE FROM mailbox_uidls WHERE account = $1", [.text(account)])
        }
    }

    /// Takes the poll lease of `account` when its poll is due and no live lease is held: true means
    /// this caller (`owner`) polls it now and no other replica does until `now + leaseMillis`.
    package func claimPoll(account: String, owner: String, now: Int64, leaseMillis: Int64) throws -> Bool {
        try database.withConnection { connection in
            try connection.execute("""
                UPDATE watched_mailboxes SET lease_owner = $2, lease_until = $3
                WHERE account = $1 AND next_poll_at <= $4 AND lease_until <= $4
                """, [.text(account), .text(owner), .integer(now + leaseMillis), .integer(now)]) == 1
        }
    }

    /// When `account` can next be claimed (its next poll or the end of a live lease), or nil when it
    /// is not watched.
    package func pollDue(account: String) throws -> Int64? {
        try database.withConnection { connection in
            try connection.query("SELECT next_poll_at, lease_until FROM watched_mailboxes WHERE account = $1", [.text(account)])
                .first.flatMap { row in row.integer(0).map { max($0, row.integer(1) ?? 0) } }
        }
    }

    /// Releases the poll lease and schedules the next poll (after success or failure).
    package func releasePoll(account: String, owner: String, nextPollAt: Int64) throws {
        try database.withConnection { connection in
            try connection.execute("""
                UPDATE watched_mailboxes SET lease_until = 0, lease_owner = NULL, next_poll_at = $3
                WHERE account = $1 AND lease_owner = $2
                """, [.text(account), .text(owner), .integer(nextPollAt)])
        }
    }

    /// The stored UIDL set of `account`, or nil before its baseline poll.
    package func storedUIDLs(account: String) throws -> Set<String>? {
        try database.withConnection { connection in
            let baseline = try connection.query("SELECT baseline FROM watched_mailboxes WHERE account = $1", [.text(account)])
            guard baseline.first?.integer(0) == 1 else { return nil }
            let rows = try connection.query("SELECT uidl FROM mailbox_uidls WHERE account = $1", [.text(account)])
            return Set(rows.compactMap { $0.text(0) })
        }
    }

    /// Records a poll: in ONE transaction, diffs `current` against the stored set, replaces the set,
    /// appends an outbox event per added and vanished UIDL (none on the baseline poll), and queues a
    /// delivery of each event to every enabled subscription of the account that asked for its type.
    /// Only the lease holder `owner` may record (a replica whose lease expired writes nothing).
    /// - Parameter summaries: summaries of new messages by UIDL (absent ones are sent without).
    /// - Returns: the diff that was recorded.
    @discardableResult
    package func recordPoll(account: String, owner: String, current: [String], summaries: [String: MessageSummary],
                            now: Int64) throws -> UIDLDiff {
        try database.transaction { connection in
            let lockSuffix = database.dialect == .postgres ? " FOR UPDATE" : ""
            let lease = try connection.query("SELECT lease_owner, baseline FROM watched_mailboxes WHERE account = $1" + lockSuffix,
                                             [.text(account)])
            guard let row = lease.first, row.text(0) == owner else { throw StateStoreError("poll lease of \(account) lost") }
            var stored: Set<String>?
            if row.integer(1) == 1 {
                let rows = try connection.query("SELECT uidl FROM mailbox_uidls WHERE account = $1", [.text(account)])
                stored = Set(rows.compactMap { $0.text(0) })
            }
            let diff = UIDLDiff(stored: stored, current: current)
            let known = stored ?? []
            for uidl in Set(current) where !known.contains(uidl) {
                try connection.execute("INSERT INTO mailbox_uidls (account, uidl) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                                       [.text(account), .text(uidl)])
            }
            for uidl in diff.vanished {
                try connection.execute("DELETE FROM mailbox_uidls WHERE account = $1 AND uidl = $2", [.text(account), .text(uidl)])
            }
            try connection.execute("UPDATE watched_mailboxes SET baseline = 1, polled_at = $2 WHERE account = $1",
                                   [.text(account), .integer(now)])
            let events = diff.added.map { MailEvent(type: "message.new", uidl: $0, summary: summaries[$0]) }
                + diff.vanished.map { MailEvent(type: "message.deleted", uidl: $0) }
            guard !events.isEmpty else { return diff }
            let subscriptions = try Self.subscriptionTypes(account: account, on: connection)
            for event in events {
                try Self.append(type: event.type, body: EventBody.encode(event, account: account, millis: now), account: account,
                                subscriptions: subscriptions, now: now, on: connection)
            }
            return diff
        }
    }

    /// The enabled subscriptions of `account` with the event types each wants.
    static func subscriptionTypes(account: String, on connection: any SQLConnection) throws -> [(id: String, types: [Substring])] {
        let statement = subscriptionsQuery(account: account)
        return subscriptionTypes(try connection.query(statement.sql, statement.parameters))
    }

    /// The query for the enabled subscriptions of `account`: their ids and event types.
    static func subscriptionsQuery(account: String) -> SQLStatement {
        SQLStatement("SELECT id, events FROM webhook_subscriptions WHERE account = $1 AND enabled = 1", [.text(account)])
    }

    /// The rows of ``subscriptionsQuery(account:)``, decoded.
    static func subscriptionTypes(_ rows: [SQLRow]) -> [(id: String, types: [Substring])] {
        rows.compactMap { row in
            guard let id = row.text(0), let types = row.text(1) else { return nil }
            return (id, types.split(separator: ","))
        }
    }

    /// Appends one event to the outbox and queues its delivery to each subscription that wants its
    /// type, on `connection` (inside the caller's transaction).
    /// - Returns: the event's sequence number.
    @discardableResult
    static func append(type: String, body: String, account: String, subscriptions: [(id: String, types: [Substring])], now: Int64,
                       on connection: any SQLConnection) throws -> Int64 {
        let rows = try connection.query("""
            INSERT INTO event_outbox (event_id, account, type, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq
            """, [.text("evt_" + EventStore.randomToken()), .text(account), .text(type), .text(body), .integer(now)])
        guard let seq = rows.first?.integer(0) else { throw StateStoreError("outbox insert returned no sequence") }
        for subscription in subscriptions where subscription.types.contains(Substring(type)) {
            try connection.execute("""
                INSERT INTO webhook_deliveries (id, subscription_id, event_seq, status, next_attempt_at, created_at)
                VALUES ($1, $2, $3, 'pending', $4, $4)
                """, [.text("dlv_" + EventStore.randomToken()), .text(subscription.id), .integer(seq), .integer(now)])
        }
        return seq
    }

    /// Events of `account` after sequence `after`, oldest first (for the live stream and tests).
    package func events(account: String, after: Int64, limit: Int) throws -> [(seq: Int64, eventID: String, type: String, body: String)] {
        try database.withConnection { connection in
            try connection.query("""
                SELECT seq, event_id, type, body FROM event_outbox WHERE account = $1 AND seq > $2 ORDER BY seq LIMIT $3
                """, [.text(account), .integer(after), .integer(Int64(limit))]).compactMap { row -> (seq: Int64, eventID: String, type: String, body: String)? in
                guard let seq = row.integer(0), let id = row.text(1), let type = row.text(2), let body = row.text(3) else { return nil }
                return (seq, id, type, body)
            }
        }
    }

    /// 16 random bytes as lower-case hex (event, delivery and subscription ids).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hashing.hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
