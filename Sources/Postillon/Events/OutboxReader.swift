/// What the ``EventHub`` reads: the newest sequence number and the events after a sequence for a
/// set of accounts. ``EventStore`` reads the shared SQL outbox; unit tests use an in-memory twin.
/// Calls block (the hub's own thread and workers only).
package protocol OutboxReader: Sendable {
    /// The highest sequence number in the outbox (0 when empty): a stream without `Last-Event-ID` starts after it.
    /// - Throws: ``StateStoreError``.
    func latestSequence() throws -> Int64

    /// Events of `accounts` with `seq > after`, oldest first, at most `limit`, and besides them
    /// (at most `limit` more, any order) those with `seq <= after` recorded at or after
    /// `recordedSince`: one query for every open stream. The second part finds an event that became
    /// visible after later ones (PostgreSQL hands out sequence numbers at insert, not at commit).
    /// It may also return other accounts' events (the caller filters).
    /// - Throws: ``StateStoreError``.
    func events(accounts: [String], after: Int64, recordedSince: Int64, limit: Int) throws -> [OutboxEvent]
}
