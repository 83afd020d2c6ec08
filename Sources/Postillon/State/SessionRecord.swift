/// A stored sign-in session. The token itself is never stored, only its SHA-256; the password is
/// sealed (AES-GCM) under the secret key named by `keyID`.
package struct SessionRecord: Sendable, Equatable {
    /// Hex SHA-256 of the bearer token.
    package var tokenHash: String
    /// The upstream login.
    package var username: String
    /// The sender address.
    package var address: String
    /// The AES-GCM sealed password (base64 of nonce, ciphertext and tag).
    package var sealedPassword: String
    /// Which secret key sealed it.
    package var keyID: String
    /// Sign-in time (ms since 1970).
    package var createdAt: Int64
    /// Last use (ms since 1970).
    package var lastUsedAt: Int64
    /// When it expires unless used again (ms since 1970).
    package var expiresAt: Int64

    /// Creates a record.
    package init(tokenHash: String, username: String, address: String, sealedPassword: String, keyID: String,
                 createdAt: Int64, lastUsedAt: Int64, expiresAt: Int64) {
        self.tokenHash = tokenHash
        self.username = username
        self.address = address
        self.sealedPassword = sealedPassword
        self.keyID = keyID
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }
}
