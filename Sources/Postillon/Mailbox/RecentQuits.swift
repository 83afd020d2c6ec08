import PostillonHTTP
import Synchronization

/// When this process last ended a POP3 session per mailbox (QUIT, awaited or not).
///
/// Servers that lock the maildrop (GNU mailutils pop3d) release the lock only a moment after
/// answering QUIT, so a login right after our own QUIT may be refused with `-ERR [IN-USE]`; that
/// refusal is then our own doing and worth one short retry (``MailboxService``), while an
/// `[IN-USE]` with no recent QUIT of ours means another client holds the maildrop.
/// Bounded: at most ``maxEntries`` mailboxes, entries older than the window are dropped first.
final class RecentQuits: Sendable {
    private let entries = Mutex<[String: Int64]>([:])
    private let windowMillis: Int64
    private let clock: @Sendable () -> Int64

    /// Most mailboxes remembered.
    static let maxEntries = 10_000

    /// Creates an empty record.
    /// - Parameter windowMillis: how long after a QUIT an `[IN-USE]` still counts as ours.
    init(windowMillis: Int64, clock: @escaping @Sendable () -> Int64 = { MonotonicClock.nowMillis() }) {
        self.windowMillis = windowMillis
        self.clock = clock
    }

    /// Notes that a session for `mailbox` ended now.
    func record(_ mailbox: String) {
        let now = clock()
        entries.withLock { entries in
            if entries.count >= Self.maxEntries && entries[mailbox] == nil {
                entries = entries.filter { now - $0.value < windowMillis }
                if entries.count >= Self.maxEntries, let oldest = entries.min(by: { $0.value < $1.value }) {
                    entries.removeValue(forKey: oldest.key)
                }
            }
            entries[mailbox] = now
        }
    }

    /// Mailboxes remembered now (tests).
    var count: Int { entries.withLock { $0.count } }

    /// Whether a session for `mailbox` ended within the window.
    func contains(_ mailbox: String) -> Bool {
        let now = clock()
        return entries.withLock { entries in entries[mailbox].map { now - $0 < windowMillis } ?? false }
    }
}
