import PostillonHTTP

extension EventStore {
    /// Whether an enabled subscription of `account` asks for `message.sent`: one read, outside any
    /// transaction, made before a send so that sends nobody listens to write nothing at all.
    /// `meanwhile` is the caller's own work, done while the read is in flight (see
    /// ``SQLConnection/pipeline(_:meanwhile:)``).
    package func wantsSent(account: String, meanwhile: () -> Void = {}) throws -> Bool {
        try database.withConnection { connection in
            let results = try connection.pipeline([Self.subscriptionsQuery(account: account)], meanwhile: meanwhile)
            return Self.wantSent(Self.subscriptionTypes(results.first?.rows ?? []))
        }
    }

    /// ``wantsSent(account:)`` as a read that rides along with an idempotency claim (one flight to
    /// the database for both): `receive` gets the answer.
    package func wantsSentRead(account: String, receive: @escaping (Bool) -> Void) -> SQLRead {
        SQLRead(Self.subscriptionsQuery(account: account)) { rows in receive(Self.wantSent(Self.subscriptionTypes(rows))) }
    }

    private static func wantSent(_ subscriptions: [(id: String, types: [Substring])]) -> Bool {
        subscriptions.contains { $0.types.contains("message.sent") }
    }

    /// Records `event` as `message.sent` on `connection` (inside the caller's transaction), only
    /// when a subscription of the account wants that type: sends nobody listens to cost one read.
    /// - Returns: whether an event was written.
    @discardableResult
    package func recordSent(_ event: SentEvent, now: Int64, on connection: any SQLConnection) throws -> Bool {
        let subscriptions = try Self.subscriptionTypes(account: event.account, on: connection)
        guard Self.wantSent(subscriptions) else { return false }
        try Self.append(type: "message.sent", body: event.body(millis: now), account: event.account, subscriptions: subscriptions,
                        now: now, on: connection)
        ServiceMetrics.eventsRecorded(type: "message.sent")
        return true
    }

    /// ``recordSent(_:now:on:)`` in a transaction of its own (a send without an Idempotency-Key).
    @discardableResult
    package func recordSent(_ event: SentEvent, now: Int64) throws -> Bool {
        try database.transaction { connection in try recordSent(event, now: now, on: connection) }
    }
}
