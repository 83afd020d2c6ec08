/// Postillon's own per-message flags (POP3 has none): kept per account and UIDL in the state store.
package struct MessageFlags: Sendable, Equatable, Codable {
    /// The user has read the message.
    package var seen: Bool
    /// The user marked the message.
    package var flagged: Bool

    /// Creates flags; both false by default (a message without a row).
    package init(seen: Bool = false, flagged: Bool = false) {
        self.seen = seen
        self.flagged = flagged
    }
}
