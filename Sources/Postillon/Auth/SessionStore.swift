import Foundation
import Synchronization
import PostillonHTTP

/// Sign-in sessions: random 256-bit bearer tokens mapped to mail credentials, in memory,
/// with an idle and an absolute lifetime. Only SHA-256 hashes of tokens are kept as keys.
public final class SessionStore: Sendable {
    struct Entry: Sendable {
        let credentials: Credentials
        let address: String
        let createdMillis: Int64
        var lastUsedMillis: Int64
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let idleMillis: Int64
    private let maxAgeMillis: Int64
    private let maxEntries: Int
    private let clock: @Sendable () -> Int64

    /// Creates a store.
    /// - Parameters:
    ///   - idleSeconds: a token unused this long expires.
    ///   - maxAgeSeconds: a token expires this long after sign-in, used or not.
    ///   - maxEntries: most live sessions; the oldest are dropped beyond it.
    ///   - clock: monotonic milliseconds (tests pass their own).
    public init(idleSeconds: Int, maxAgeSeconds: Int, maxEntries: Int = 100_000,
                clock: @escaping @Sendable () -> Int64 = { MonotonicClock.nowMillis() }) {
        idleMillis = Int64(idleSeconds) * 1000
        maxAgeMillis = Int64(maxAgeSeconds) * 1000
        self.maxEntries = maxEntries
        self.clock = clock
    }

    /// Creates a session and returns its token and expiry.
    public func create(credentials: Credentials, address: String) -> (token: String, expiresAt: Date) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token = Base64URL.encode(bytes)
        let now = clock()
        entries.withLock { entries in
            if entries.count >= maxEntries {
                entries = entries.filter { !isExpired($0.value, now: now) }
                if entries.count >= maxEntries, let oldest = entries.min(by: { $0.value.createdMillis < $1.value.createdMillis }) {
                    entries.removeValue(forKey: oldest.key)
                }
            }
            entries[SHA256.hex(Array(token.utf8))] = Entry(credentials: credentials, address: address, createdMillis: now, lastUsedMillis: now)
        }
        return (token, Date().addingTimeInterval(Double(min(idleMillis, maxAgeMillis)) / 1000))
    }

    /// The session for a token, refreshing its idle timer; nil when unknown or expired.
    public func lookup(token: String) -> (credentials: Credentials, address: String)? {
        let key = SHA256.hex(Array(token.utf8))
        let now = clock()
        return entries.withLock { entries in
            guard var entry = entries[key] else { return nil }
            if isExpired(entry, now: now) {
                entries.removeValue(forKey: key)
                return nil
            }
            entry.lastUsedMillis = now
            entries[key] = entry
            return (entry.credentials, entry.address)
        }
    }

    /// Ends a session; returns whether it existed.
    @discardableResult
    public func remove(token: String) -> Bool {
        let key = SHA256.hex(Array(token.utf8))
        return entries.withLock { $0.removeValue(forKey: key) != nil }
    }

    /// The number of stored sessions (expired ones included until touched).
    public var count: Int { entries.withLock { $0.count } }

    private func isExpired(_ entry: Entry, now: Int64) -> Bool {
        now - entry.lastUsedMillis > idleMillis || now - entry.createdMillis > maxAgeMillis
    }
}
