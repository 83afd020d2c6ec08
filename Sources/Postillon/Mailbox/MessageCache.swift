import PostillonHTTP

/// Raw messages and their parsed views kept in memory by (mailbox, UIDL), bounded by bytes, least
/// recently used evicted first. A message's bytes never change for a UIDL, so an entry stays right until the message is
/// gone: it is dropped when a listing no longer shows the UIDL and after a delete.
///
/// ``MailboxService`` serves from it only to a caller whose credentials a login in this process
/// accepted recently (``VerifiedLogins``): cached mail never reaches an unverified password.
final class MessageCache: @unchecked Sendable {
    private struct Entry {
        /// The raw message, when it is small enough to keep.
        var bytes: [UInt8]?
        /// A parsed view of it (``MailboxService/parsed(_:id:maxBytes:cost:parse:)``) and what it is charged.
        var view: (any Sendable)?
        var viewCost = 0
        var lastUse: UInt64
        var cost: Int { (bytes?.count ?? 0) + viewCost }
    }

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var entries: [String: [String: Entry]] = [:]  // mailbox -> UIDL -> entry
    private var totalBytes = 0
    private var tick: UInt64 = 0
    /// Most bytes held (0: off).
    let capacityBytes: Int
    /// Largest entry kept (a sixteenth of the capacity, at most 1 MiB): the cache is for the small
    /// messages people open again and again; a large one (or a part bomb) is downloaded again rather
    /// than held, so memory returns after it.
    let maxEntryBytes: Int

    /// Creates a cache of at most `capacityBytes` bytes.
    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
        maxEntryBytes = min(capacityBytes / 16, 1 << 20)
    }

    /// The cached bytes of a message, if any.
    func get(mailbox: String, uidl: String) -> [UInt8]? {
        lock.withLock { touch(mailbox, uidl)?.bytes }
    }

    /// The cached parsed view of a message, if one of type `View` is kept.
    func view<View: Sendable>(mailbox: String, uidl: String, as type: View.Type = View.self) -> View? {
        lock.withLock { touch(mailbox, uidl)?.view as? View }
    }

    /// Keeps a message (ignored when too large or the cache is off).
    func put(mailbox: String, uidl: String, bytes: [UInt8]) {
        guard capacityBytes > 0, bytes.count <= maxEntryBytes else { return }
        store(mailbox, uidl) { $0.bytes = bytes }
    }

    /// Keeps a parsed view of a message, charged `cost` bytes (ignored when that is too large or the cache is off).
    func putView(mailbox: String, uidl: String, view: any Sendable, cost: Int) {
        guard capacityBytes > 0, cost <= maxEntryBytes else { return }
        store(mailbox, uidl) {
            $0.view = view
            $0.viewCost = cost
        }
    }

    /// Marks an entry used and returns it. Call with `lock` held.
    private func touch(_ mailbox: String, _ uidl: String) -> Entry? {
        guard var entry = entries[mailbox]?[uidl] else { return nil }
        tick += 1
        entry.lastUse = tick
        entries[mailbox]![uidl] = entry
        return entry
    }

    /// Changes (or creates) an entry, then evicts down to the capacity.
    private func store(_ mailbox: String, _ uidl: String, _ change: (inout Entry) -> Void) {
        lock.withLock {
            tick += 1
            var entry = entries[mailbox]?[uidl] ?? Entry(lastUse: tick)
            totalBytes -= entry.cost
            change(&entry)
            entry.lastUse = tick
            entries[mailbox, default: [:]][uidl] = entry
            totalBytes += entry.cost
            while totalBytes > capacityBytes, let victim = leastRecentlyUsed() {
                remove(mailbox: victim.0, uidl: victim.1)
            }
        }
    }

    /// Drops the mailbox's entries whose UIDL is not in `present` (a fresh listing).
    func retain(mailbox: String, present: Set<String>) {
        lock.withLock {
            guard let cached = entries[mailbox] else { return }
            for uidl in cached.keys where !present.contains(uidl) { remove(mailbox: mailbox, uidl: uidl) }
        }
    }

    /// Drops entries (deleted, or possibly deleted, messages).
    func remove(mailbox: String, uidls: [String]) {
        lock.withLock { for uidl in uidls { remove(mailbox: mailbox, uidl: uidl) } }
    }

    /// Bytes held now.
    var bytes: Int { lock.withLock { totalBytes } }

    /// Parsed views held now (tests).
    var viewCount: Int { lock.withLock { entries.values.reduce(0) { $0 + $1.values.filter { $0.view != nil }.count } } }

    private func remove(mailbox: String, uidl: String) {
        guard let old = entries[mailbox]?.removeValue(forKey: uidl) else { return }
        totalBytes -= old.cost
        if entries[mailbox]?.isEmpty == true { entries.removeValue(forKey: mailbox) }
    }

    private func leastRecentlyUsed() -> (String, String)? {
        var best: (String, String, UInt64)?
        for (mailbox, messages) in entries {
            for (uidl, entry) in messages where best == nil || entry.lastUse < best!.2 { best = (mailbox, uidl, entry.lastUse) }
        }
        return best.map { ($0.0, $0.1) }
    }
}
