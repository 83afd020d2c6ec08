import PostillonHTTP

/// Raw messages kept in memory by (mailbox, UIDL), bounded by bytes, least recently used evicted
/// first. A message's bytes never change for a UIDL, so an entry stays right until the message is
/// gone: it is dropped when a listing no longer shows the UIDL and after a delete.
///
/// ``MailboxService`` serves from it only to a caller whose credentials a login in this process
/// accepted recently (``VerifiedLogins``): cached mail never reaches an unverified password.
final class MessageCache: @unchecked Sendable {
    private struct Entry {
        let bytes: [UInt8]
        var lastUse: UInt64
    }

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var entries: [String: [String: Entry]] = [:]  // mailbox -> UIDL -> entry
    private var totalBytes = 0
    private var tick: UInt64 = 0
    /// Most bytes held (0: off).
    let capacityBytes: Int
    /// Largest message kept (a sixteenth of the capacity, at most 4 MiB).
    let maxEntryBytes: Int

    /// Creates a cache of at most `capacityBytes` bytes.
    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
        maxEntryBytes = min(capacityBytes / 16, 4 << 20)
    }

    /// The cached bytes of a message, if any.
    func get(mailbox: String, uidl: String) -> [UInt8]? {
        lock.withLock {
            guard var entry = entries[mailbox]?[uidl] else { return nil }
            tick += 1
            entry.lastUse = tick
            entries[mailbox]![uidl] = entry
            return entry.bytes
        }
    }

    /// Keeps a message (ignored when too large or the cache is off).
    func put(mailbox: String, uidl: String, bytes: [UInt8]) {
        guard capacityBytes > 0, bytes.count <= maxEntryBytes else { return }
        lock.withLock {
            tick += 1
            if let old = entries[mailbox]?[uidl] { totalBytes -= old.bytes.count }
            entries[mailbox, default: [:]][uidl] = Entry(bytes: bytes, lastUse: tick)
            totalBytes += bytes.count
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

    private func remove(mailbox: String, uidl: String) {
        guard let old = entries[mailbox]?.removeValue(forKey: uidl) else { return }
        totalBytes -= old.bytes.count
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
