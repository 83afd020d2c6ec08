import PostillonHTTP

/// What changed in a mailbox between two polls: pure, over UIDL lists.
package struct UIDLDiff: Sendable, Equatable {
    /// UIDLs present now and not before, in the server's order (oldest first).
    package var added: [String]
    /// UIDLs stored before and gone now, sorted.
    package var vanished: [String]

    /// Compares the stored set with the current listing. A mailbox without a stored set (first
    /// poll) is a baseline: nothing added, nothing vanished.
    package init(stored: Set<String>?, current: [String]) {
        guard let stored else {
            added = []
            vanished = []
            return
        }
        var seen: Set<String> = []
        added = current.filter { !stored.contains($0) && seen.insert($0).inserted }
        let now = Set(current)
        vanished = stored.filter { !now.contains($0) }.sorted()
    }

    /// Creates a diff from its parts.
    package init(added: [String], vanished: [String]) {
        self.added = added
        self.vanished = vanished
    }
}
