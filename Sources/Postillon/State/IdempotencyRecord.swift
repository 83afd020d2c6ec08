/// A stored idempotency record: one (caller, route, key) slot.
package struct IdempotencyRecord: Sendable, Equatable {
    /// The caller's scope plus the client's key.
    package var slot: String
    /// Hex SHA-256 of the request body.
    package var fingerprint: String
    /// The encoded response once finished (see ``StoredResponse``), nil while running.
    package var response: String?
    /// When the claim was made (ms since 1970); identifies the claim.
    package var createdAt: Int64
    /// When a finished record stops being replayed.
    package var expiresAt: Int64
    /// Until when a running claim is considered alive (its owner may have died after that).
    package var leaseUntil: Int64

    /// Creates a record.
    package init(slot: String, fingerprint: String, response: String? = nil, createdAt: Int64, expiresAt: Int64, leaseUntil: Int64) {
        self.slot = slot
        self.fingerprint = fingerprint
        self.response = response
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.leaseUntil = leaseUntil
    }

    /// Whether a new claim may take the slot over at `now`: a running record whose lease ended, or a
    /// finished one past its expiry.
    package func isStale(now: Int64) -> Bool { response == nil ? leaseUntil <= now : expiresAt <= now }
}
