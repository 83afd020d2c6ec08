/// What the ``EventHub`` reads: the newest sequence number and the events after a sequence for a
/// set of accounts. ``EventStore`` reads the shared SQL outbox; unit tests use an in-memory twin.
/// Calls block (the hub's own thread and workers only).
package protocol OutboxReader: Sendable {
    /// The highest sequence number in the outbox (0 when empty): a stream without `Last-Event-ID` starts after it.
    /// - Throws: ``StateStoreError``.
    func latestSequence() throws -> Int64

    /// Events of `accounts` with `seq > after`, oldest first, at most `limit`: one query for every
    /// open stream. It may also return other accounts' events (the caller filters).
    /// - Throws: ``StateStoreError``.
    func events(accounts: [String], after: Int64, limit: Int) throws -> [OutboxEvent]
}
