import PostillonHTTP

/// One event to record in the outbox: its type, the message it is about and, for new mail, the summary.
package struct MailEvent: Sendable {
    /// `message.new` or `message.deleted` (`message.sent` is a ``SentEvent``).
    package var type: String
    /// The message's UIDL.
    package var uidl: String
    /// The summary of a new message (from `TOP n 0`), when the server gave headers.
    package var summary: MessageSummary?

    /// Creates an event.
    package init(type: String, uidl: String, summary: MessageSummary? = nil) {
        self.type = type
        self.uidl = uidl
        self.summary = summary
    }

    /// The event types a subscription may ask for.
    package static let types = ["message.new", "message.deleted", "message.sent"]
}
