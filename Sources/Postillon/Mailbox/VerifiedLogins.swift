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
    private var entries: [String: (fingerprint: String, expiresMillis: Int64)] = [:]
    private let lifetimeMillis: Int64
    private let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
    static let maxEntries = 100_000

    /// Creates a table whose entries last `lifetimeMillis`.
    init(lifetimeMillis: Int64) {
        self.lifetimeMillis = lifetimeMillis
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
            if entries.count >= Self.maxEntries { entries = entries.filter { $0.value.expiresMillis > now } }
            if entries.count >= Self.maxEntries { entries.removeAll() }
            entries[credentials.mailboxKey] = (print, now + lifetimeMillis)
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

    /// Forgets `credentials` after the server refused them (a changed password); another
    /// caller's refused guess leaves the entry alone.
    func forget(_ credentials: Credentials) {
        let print = fingerprint(credentials)
        lock.withLock {
            if entries[credentials.mailboxKey]?.fingerprint == print { entries.removeValue(forKey: credentials.mailboxKey) }
        }
    }
}
