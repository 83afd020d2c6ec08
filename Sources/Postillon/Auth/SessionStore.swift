import Foundation
import PostillonHTTP

/// Sign-in sessions: random 256-bit bearer tokens mapped to mail credentials, kept in the state
/// store with an idle and an absolute lifetime. Only SHA-256 hashes of tokens are stored; passwords
/// are sealed with AES-GCM (see ``PasswordSealer``). A sign-out on one replica is seen by all.
/// A token is 32 random bytes plus a 16-byte HMAC tag under the secret key (64 base64url
/// characters), so a forged token is recognised without a database query.
package final class SessionStore: Sendable {
    private let store: any StateStore
    private let sealer: PasswordSealer
    private let idleMillis: Int64
    private let maxAgeMillis: Int64
    private let touchMillis: Int64
    private let clock: @Sendable () -> Int64

    /// Creates a session store.
    /// - Parameters:
    ///   - store: where sessions live.
    ///   - sealer: encrypts the stored passwords.
    ///   - idleSeconds: a token unused this long expires.
    ///   - maxAgeSeconds: a token expires this long after sign-in, used or not.
    ///   - clock: wall-clock milliseconds since 1970 (tests pass their own).
    package init(store: any StateStore, sealer: PasswordSealer, idleSeconds: Int, maxAgeSeconds: Int,
                 clock: @escaping @Sendable () -> Int64 = { WallClock.nowMillis() }) {
        self.store = store
        self.sealer = sealer
        idleMillis = Int64(idleSeconds) * 1000
        maxAgeMillis = Int64(maxAgeSeconds) * 1000
        // Record a use at most this often: one write per token per interval instead of one per request.
        touchMillis = min(30_000, idleMillis / 10)
        self.clock = clock
    }

    /// Creates a session and returns its token and expiry.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    package func create(credentials: Credentials, address: String) throws -> (token: String, expiresAt: Date) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token = Base64URL.encode(bytes + sealer.tokenTag(bytes))
        let hash = Self.hash(token)
        let now = clock()
        let expires = now + min(idleMillis, maxAgeMillis)
        try store.insertSession(SessionRecord(
            tokenHash: hash, username: credentials.username, address: address,
            sealedPassword: try sealer.seal(credentials.password, context: hash), keyID: sealer.current.id,
            createdAt: now, lastUsedAt: now, expiresAt: expires))
        return (token, Date(timeIntervalSince1970: Double(expires) / 1000))
    }

    /// The session for a token, refreshing its idle timer; nil when unknown, expired, or sealed
    /// under a key no longer configured.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    package func lookup(token: String) throws -> (credentials: Credentials, address: String)? {
        guard token.utf8.count <= 512 else { return nil }
        let hash = Self.hash(token)
        let now = clock()
        guard let record = try store.session(tokenHash: hash, now: now, touchBefore: now - touchMillis,
                                             idleMillis: idleMillis, maxAgeMillis: maxAgeMillis)
        else { return nil }
        guard let password = sealer.open(record.sealedPassword, keyID: record.keyID, context: hash) else {
            try store.deleteSession(tokenHash: hash)
            return nil
        }
        if record.keyID != sealer.current.id {
            try store.resealSession(tokenHash: hash, sealedPassword: try sealer.seal(password, context: hash), keyID: sealer.current.id)
        }
        return (Credentials(username: record.username, password: password), record.address)
    }

    /// Whether `token` is one a replica with this secret key issued (its tag verifies), decided in
    /// memory without the database, so it may run on an event loop before a body is read. It says
    /// nothing about expiry or sign-out: ``lookup(token:)`` decides that.
    package func isPlausible(token: String) -> Bool {
        guard token.utf8.count == 64, let bytes = Base64URL.decode(token), bytes.count == 48 else { return false }
        return sealer.verifyTokenTag(Array(bytes[..<32]), tag: Array(bytes[32...]))
    }

    /// The logins of the signed-in users, one per mailbox (from its most recently used session),
    /// at most `limit` mailboxes: what the poller watches while their sessions live. Sessions sealed
    /// under a key no longer configured are skipped.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    package func signedInLogins(limit: Int) throws -> [Credentials] {
        var seen = Set<String>()
        var logins: [Credentials] = []
        for record in try store.liveSessions(now: clock(), limit: limit * 4) where logins.count < limit {
            guard seen.insert(Credentials.mailboxKey(of: record.username)).inserted,
                  let password = sealer.open(record.sealedPassword, keyID: record.keyID, context: record.tokenHash)
            else { continue }
            logins.append(Credentials(username: record.username, password: password))
        }
        return logins
    }

    /// Ends a session; returns whether it existed.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    @discardableResult
    package func remove(token: String) throws -> Bool {
        try store.deleteSession(tokenHash: Self.hash(token))
    }

    /// The stored form of a token: hex SHA-256.
    static func hash(_ token: String) -> String { Hashing.sha256Hex(Array(token.utf8)) }
}
