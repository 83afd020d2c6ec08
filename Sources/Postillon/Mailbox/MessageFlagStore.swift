/// Postillon's own `seen`/`flagged` marks per (account, UIDL), on the state store. POP3 has no
/// flags; these are not visible to other mail clients.
package final class MessageFlagStore: Sendable {
    private let store: any StateStore
    private let clock: @Sendable () -> Int64

    /// Creates the flag store.
    package init(store: any StateStore, clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() }) {
        self.store = store
        self.clock = clock
    }

    /// The flags of `account` for a listing of `uidls`; rows of UIDLs the listing no longer has are
    /// deleted (the messages were deleted or expunged elsewhere).
    /// - Throws: ``StateStoreError``.
    package func flagsForListing(account: String, uidls: [String]) throws -> [String: MessageFlags] {
        let stored = try store.flags(account: account)
        guard !stored.isEmpty else { return [:] }
        let vanished = VanishedUIDLs.among(stored.keys, present: Set(uidls))
        if !vanished.isEmpty { try store.deleteFlags(account: account, uidls: vanished) }
        return stored
    }

    /// The flags of one message (both false when never set).
    /// - Throws: ``StateStoreError``.
    package func flags(account: String, uidl: String) throws -> MessageFlags {
        try store.flags(account: account)[uidl] ?? MessageFlags()
    }

    /// Sets `seen` and/or `flagged` on each UIDL; returns the resulting flags by UIDL.
    /// - Throws: ``StateStoreError``.
    package func update(account: String, uidls: [String], seen: Bool?, flagged: Bool?) throws -> [String: MessageFlags] {
        try store.updateFlags(account: account, uidls: uidls, seen: seen, flagged: flagged, now: clock())
        let stored = try store.flags(account: account)
        var result: [String: MessageFlags] = [:]
        for uidl in uidls { result[uidl] = stored[uidl] ?? MessageFlags() }
        return result
    }
}
