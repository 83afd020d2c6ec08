/// One row of the event outbox as the live stream sends it.
package struct OutboxEvent: Sendable, Equatable {
    /// The outbox sequence number: the SSE `id`, and what `Last-Event-ID` resumes after.
    package var seq: Int64
    /// The mailbox key the event belongs to.
    package var account: String
    /// `message.new`, `message.deleted` or `flags.changed`.
    package var type: String
    /// The JSON body, the same bytes a webhook delivery sends (`{type, timestamp, data}`).
    package var body: String
    /// When it was recorded (the writer's wall clock, epoch milliseconds).
    package var createdAt: Int64

    /// Creates an event.
    package init(seq: Int64, account: String, type: String, body: String, createdAt: Int64 = 0) {
        self.seq = seq
        self.account = account
        self.type = type
        self.body = body
        self.createdAt = createdAt
    }
}
