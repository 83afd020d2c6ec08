/// The `?seen=` and `?flagged=` filters of the message list; nil means "either".
public struct FlagFilter: Sendable, Equatable {
    /// Only messages whose `seen` flag is this.
    public var seen: Bool?
    /// Only messages whose `flagged` flag is this.
    public var flagged: Bool?

    /// Creates a filter (no arguments: matches everything).
    public init(seen: Bool? = nil, flagged: Bool? = nil) {
        self.seen = seen
        self.flagged = flagged
    }

    /// Whether any filter is set.
    public var isActive: Bool { seen != nil || flagged != nil }

    /// Whether a message with `flags` passes.
    package func matches(_ flags: MessageFlags) -> Bool {
        (seen == nil || seen == flags.seen) && (flagged == nil || flagged == flags.flagged)
    }
}
