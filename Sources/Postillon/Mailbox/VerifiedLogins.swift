import PostillonHTTP
import Foundation

/// Which credentials a POP3 login in this process accepted recently, per mailbox.
///
/// Passwords are not kept: an entry is a salted SHA-256 fingerprint (the salt is random per
/// process). Used to let a proven caller skip the check outside the mailbox's line, and to hand
/// parked sessions only to the credentials that opened them.
final class VerifiedLogins: @unchecked Sendable {
    private let lock = ConditionLock()
    // Guarded by `lock`.
    private var entries: [String: (fingerprint: String, expiresMillis: Int64, sequence: UInt64)] = [:]
    private var sequence: UInt64 = 0
    private let lifetimeMillis: Int64
    private let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
    /// Most entries kept (only logins the server accepted are recorded, so guesses cannot fill it).
    let maxEntries: Int

    /// Creates a table whose entries last `lifetimeMillis`, of at most `maxEntries` entries.
    init(lifetimeMillis: Int64, maxEntries: Int = 100_000) {
        self.lifetimeMillis = lifetimeMillis
        self.maxEntries = max(1, maxEntries)
    }

    /// The fingerprint of `credentials`.
    func fingerprint(_ credentials: Credentials) -> String {
        Hashing.sha256Hex(salt + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
    }

    /// Remembers that the server accepted `credentials` just now.
    func record(_ credentials: Credentials) {
        let print = fingerprint(credentials)
        let now = MonotonicClock.nowMillis()
        lock.withLock {
            if entries[credentials.mailboxKey] == nil, entries.count >= maxEntries {
                entries = entries.filter { $0.value.expiresMillis > now }
                // Still full of live entries: the tenth that expires soonest goes (those callers are
                // simply checked upstream again), so the others keep their fast path.
                if entries.count >= maxEntries {
                    let oldest = entries.sorted { ($0.value.expiresMillis, $0.value.sequence) < ($1.value.expiresMillis, $1.value.sequence) }.prefix(max(1, maxEntries / 10))
                    for (key, _) in oldest { entries.removeValue(forKey: key) }
                }
            }
            sequence += 1
            entries[credentials.mailboxKey] = (print, now + lifetimeMillis, sequence)
        }
    }

    /// Whether `credentials` were accepted within the lifetime.
    func contains(_ credentials: Credentials) -> Bool {
        let print = fingerprint(credentials)
        let now = MonotonicClock.nowMillis()
        return lock.withLock {
            guard let entry = entries[credentials.mailboxKey] else { return false }
            return entry.fingerprint == print && entry.expiresMillis > now
        }
    }

    /// Entries kept now (tests).
    var count: Int { lock.withLock { entries.count } }

    /// Forgets `credentials` after the server refused them (a changed password); another
    /// caller's refused guess leaves the entry alone.
    func forget(_ credentials: Credentials) {
        let print = fingerprint(credentials)
        lock.withLock {
            if entries[credentials.mailboxKey]?.fingerprint == print { entries.removeValue(forKey: credentials.mailboxKey) }
        }
    }
}
