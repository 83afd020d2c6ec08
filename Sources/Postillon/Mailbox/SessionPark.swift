import PostillonHTTP
import Foundation

/// Authenticated POP3 sessions kept open for a few seconds after a request, at most one per
/// mailbox, so the next request for that mailbox (open the message just listed, its attachments)
/// skips connect, TLS and login.
///
/// Only the holder of the mailbox's line (``KeyedLock``) takes or parks a session, so a session is
/// never used by two threads. Parked sessions have no pending `DELE` (deletes end with QUIT). A
/// reaper thread closes them with QUIT once idle; ``closeAll()`` does the same at shutdown.
final class SessionPark: @unchecked Sendable {
    /// A parked session and what decides whether it may be reused.
    struct Entry {
        let session: any POP3Session
        /// ``VerifiedLogins/fingerprint(_:)`` of the credentials that logged it in.
        let fingerprint: String
        /// When its login happened (POP3 snapshots the maildrop then).
        let loggedInMillis: Int64
        /// When it is closed unless taken.
        let expiresMillis: Int64
    }

    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var entries: [String: Entry] = [:]
    private var reaperRunning = false
    private var stopped = false
    private let clock: @Sendable () -> Int64
    private let onClose: @Sendable (String) -> Void

    /// Creates an empty park.
    /// - Parameter onClose: told the mailbox key of every session the park closes with QUIT.
    init(clock: @escaping @Sendable () -> Int64 = { MonotonicClock.nowMillis() }, onClose: @escaping @Sendable (String) -> Void = { _ in }) {
        self.clock = clock
        self.onClose = onClose
    }

    /// Removes and returns the session parked for `key`, if any.
    func take(_ key: String) -> Entry? {
        lock.withLock { entries.removeValue(forKey: key) }
    }

    /// Parks `entry` under `key` (closing any session already there, and the entry itself after shutdown).
    func park(_ key: String, _ entry: Entry) {
        let (displaced, refused): (Entry?, Bool) = lock.withLock {
            if stopped { return (nil, true) }
            let old = entries.updateValue(entry, forKey: key)
            if !reaperRunning {
                reaperRunning = true
                let thread = Thread { [self] in reap() }
                thread.name = "postillon.pop3-park"
                thread.start()
            }
            return (old, false)
        }
        if let displaced {
            displaced.session.close()
            onClose(key)
        }
        if refused {
            entry.session.close()
            onClose(key)
        }
    }

    /// Closes every session whose time is up; returns how many.
    @discardableResult
    func closeExpired() -> Int {
        let now = clock()
        let expired: [(key: String, entry: Entry)] = lock.withLock {
            let keys = entries.filter { $0.value.expiresMillis <= now }.map(\.key)
            return keys.compactMap { key in entries.removeValue(forKey: key).map { (key, $0) } }
        }
        for (key, entry) in expired {
            entry.session.close()
            onClose(key)
        }
        return expired.count
    }

    /// Closes every parked session with QUIT; with `stopping`, parks no more (shutdown).
    func closeAll(stopping: Bool) {
        let all: [String: Entry] = lock.withLock {
            if stopping { stopped = true }
            lock.broadcast()
            defer { entries.removeAll() }
            return entries
        }
        for (key, entry) in all {
            entry.session.close()
            onClose(key)
        }
    }

    /// Parked sessions right now.
    var count: Int { lock.withLock { entries.count } }

    private func reap() {
        while true {
            let done: Bool = lock.withLock {
                if !stopped { _ = lock.wait(untilMillis: MonotonicClock.nowMillis() + 250) }
                if stopped || entries.isEmpty {
                    reaperRunning = false
                    return true
                }
                return false
            }
            closeExpired()
            if done { return }
        }
    }
}
