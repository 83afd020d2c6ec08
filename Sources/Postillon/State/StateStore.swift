/// Everything Postillon remembers beyond one request: sign-in sessions, idempotency records,
/// login-limit windows and message flags. Each operation is atomic in the backend (a transaction
/// or a single statement), so several replicas on one PostgreSQL database agree.
///
/// Backends: ``SQLStateStore`` on SQLite (default, one file) or PostgreSQL (replicas); an in-memory
/// twin for unit tests lives in the test-support target. Later features add their tables as new
/// ``SQLMigration`` steps and run their own transactions on ``SQLStateStore/database``.
/// All calls block: call them from worker threads only.
/// Statements run inside another operation's transaction (see ``StateStore/finishIdempotency(slot:createdAt:response:alongside:)``).
package typealias SQLWork = (any SQLConnection) throws -> Void

/// A read that rides along with another operation's statements, in the same flight to the
/// database (see ``StateStore/claimIdempotency(_:now:reading:meanwhile:)``): `statement`'s rows go to `receive`.
/// A backend that cannot run SQL never calls `receive`; the caller then reads on its own.
package struct SQLRead {
    /// The query.
    package let statement: SQLStatement
    /// Takes the query's rows.
    package let receive: ([SQLRow]) -> Void

    /// Creates a read.
    package init(_ statement: SQLStatement, receive: @escaping ([SQLRow]) -> Void) {
        self.statement = statement
        self.receive = receive
    }
}

package protocol StateStore: Sendable {
    // MARK: Sessions

    /// Stores a new session.
    func insertSession(_ session: SessionRecord) throws

    /// The live session for a token hash, or nil when unknown or expired at `now`. When its last use
    /// is older than `touchBefore`, records `now` as its last use and extends its expiry to
    /// `now + idleMillis`, never beyond `createdAt + maxAgeMillis`.
    func session(tokenHash: String, now: Int64, touchBefore: Int64, idleMillis: Int64, maxAgeMillis: Int64) throws -> SessionRecord?

    /// Replaces a session's sealed password (after a key rotation).
    func resealSession(tokenHash: String, sealedPassword: String, keyID: String) throws

    /// Deletes a session; whether it existed.
    @discardableResult
    func deleteSession(tokenHash: String) throws -> Bool

    /// The sessions live at `now`, most recently used first, at most `limit` (the poller watches
    /// their mailboxes while they live).
    func liveSessions(now: Int64, limit: Int) throws -> [SessionRecord]

    // MARK: Idempotency

    /// Claims `slot` for a new request, or returns the record already there. A running record whose
    /// lease ended, or a finished one past its expiry, is taken over (claimed anew). SQL backends run
    /// `reading` in the same flight as the claim (and hand it its rows); others ignore it.
    /// `meanwhile` is called once, while the claim is in flight (it must not use the store; it is
    /// not called when the claim fails before leaving).
    func claimIdempotency(_ claim: IdempotencyRecord, now: Int64, reading: SQLRead?, meanwhile: () -> Void) throws -> IdempotencyClaim

    /// Stores the finished response of the claim made at `createdAt`; `alongside` (the events of the
    /// work, e.g. `message.sent`) runs in the same transaction on SQL backends.
    func finishIdempotency(slot: String, createdAt: Int64, response: String, alongside: SQLWork?) throws

    /// Drops the claim made at `createdAt` (the work failed in a way a retry may repeat).
    func abandonIdempotency(slot: String, createdAt: Int64) throws

    // MARK: Login limits

    /// Atomically checks the windows in `keys` and, unless a blocking one is full, counts one attempt
    /// in each. Windows older than `windowMillis` start over.
    func reserveLoginAttempt(_ keys: [LoginLimitKey], now: Int64, windowMillis: Int64) throws -> LoginLimitDecision

    /// After a successful login: removes one counted attempt from `refund` and deletes `clear`.
    func settleLoginAttempt(refund: [String], clear: [String]) throws

    // MARK: Message flags

    /// Every flag row of `account`, by UIDL (a UIDL without a row has both flags false).
    func flags(account: String) throws -> [String: MessageFlags]

    /// Sets `seen` and/or `flagged` (nil leaves a flag as it is) on each UIDL of `account`.
    func updateFlags(account: String, uidls: [String], seen: Bool?, flagged: Bool?, now: Int64) throws

    /// Deletes the flag rows of these UIDLs of `account` (the mailbox no longer has them).
    func deleteFlags(account: String, uidls: [String]) throws

    // MARK: Upkeep

    /// Deletes expired sessions, idempotency records and login windows; the number of rows removed.
    @discardableResult
    func sweep(now: Int64, windowMillis: Int64, maxIdempotencyRecords: Int, maxLoginWindows: Int) throws -> Int
}

extension StateStore {
    /// ``claimIdempotency(_:now:reading:meanwhile:)`` alone.
    package func claimIdempotency(_ claim: IdempotencyRecord, now: Int64) throws -> IdempotencyClaim {
        try claimIdempotency(claim, now: now, reading: nil, meanwhile: {})
    }
}
