/// Postillon's own per-message flags (POP3 has none): kept per account and UIDL in the state store.
public struct MessageFlags: Sendable, Equatable, Codable {
    /// The user has read the message.
    public var seen: Bool
    /// The user marked the message.
    public var flagged: Bool

    /// Creates flags; both false by default (a message without a row).
    public init(seen: Bool = false, flagged: Bool = false) {
        self.seen = seen
        self.flagged = flagged
    }
}
