/// A cheap identity of a mailbox listing (its UIDLs in order), to tell "the same listing the index
/// was completed for" without reading the index. In memory only (the hash seed is per process).
package struct ListingFingerprint: Sendable, Hashable {
    /// Number of messages.
    package let count: Int
    /// Hash of the UIDLs in order.
    package let hash: Int

    /// The fingerprint of `uidls`.
    package init(_ uidls: [String]) {
        var hasher = Hasher()
        for uidl in uidls { hasher.combine(uidl) }
        count = uidls.count
        hash = hasher.finalize()
    }
}
