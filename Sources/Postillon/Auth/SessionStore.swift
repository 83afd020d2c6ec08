import Foundation
import PostillonHTTP

/// Sign-in sessions: random 256-bit bearer tokens mapped to mail credentials, kept in the state
/// store with an idle and an absolute lifetime. Only SHA-256 hashes of tokens are stored; passwords
/// are sealed with AES-GCM (see ``PasswordSealer``). A sign-out on one replica is seen by all.
public final class SessionStore: Sendable {
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
    public func create(credentials: Credentials, address: String) throws -> (token: String, expiresAt: Date) {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        let token = Base64URL.encode(bytes)
        let hash = Self.hash(token)
        let now = clock()
        let expires = now + min(idleMillis, maxAgeMillis)
        try store.insertSession(SessionRecord(
            tokenHash: hash, username: credentials.username, address: address,
            sealedPassword: try sealer.seal(credentials.password, context: hash), keyID: sealer.current.id,
            createdAt: now, lastUsedAt: now, expiresAt: expires))
        return (token, Date(timeIntervalSince1970: Double(expires) / 1000))
    }

    /// True when `token` has the shape of the tokens ``create(credentials:address:)`` issues (32 random
    /// bytes in unpadded base64url, 43 characters): an in-memory check that consults no store.
    public static func hasTokenShape(_ token: some StringProtocol) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"): return true
            default: return false
            }
        }
    }

    /// The session for a token, refreshing its idle timer; nil when unknown, expired, or sealed
    /// under a key no longer configured.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    public func lookup(token: String) throws -> (credentials: Credentials, address: String)? {
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

    /// Ends a session; returns whether it existed.
    /// - Throws: ``StateStoreError`` when the store is unavailable.
    @discardableResult
    public func remove(token: String) throws -> Bool {
        try store.deleteSession(tokenHash: Self.hash(token))
    }

    /// The stored form of a token: hex SHA-256.
    static func hash(_ token: String) -> String { Hashing.sha256Hex(Array(token.utf8)) }
}
