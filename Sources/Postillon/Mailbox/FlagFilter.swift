/// The `?seen=` and `?flagged=` filters of the message list; nil means "either".
package struct FlagFilter: Sendable, Equatable {
    /// Only messages whose `seen` flag is this.
    package var seen: Bool?
    /// Only messages whose `flagged` flag is this.
    package var flagged: Bool?

    /// Creates a filter (no arguments: matches everything).
    package init(seen: Bool? = nil, flagged: Bool? = nil) {
        self.seen = seen
        self.flagged = flagged
    }

    /// Whether any filter is set.
    package var isActive: Bool { seen != nil || flagged != nil }

    /// Whether a message with `flags` passes.
    package func matches(_ flags: MessageFlags) -> Bool {
        (seen == nil || seen == flags.seen) && (flagged == nil || flagged == flags.flagged)
    }
}
