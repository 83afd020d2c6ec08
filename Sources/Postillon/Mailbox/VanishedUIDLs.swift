/// Rows kept per (account, UIDL) — flags, summary index — outlive their message when it is deleted
/// or expunged elsewhere; a listing that shows the mailbox's current UIDLs tells which to drop.
package enum VanishedUIDLs {
    /// The UIDLs of `stored` that `present` (the mailbox's current UIDLs) no longer has.
    package static func among<Stored: Sequence<String>>(_ stored: Stored, present: Set<String>) -> [String] {
        stored.filter { !present.contains($0) }
    }
}
