/// The answer to reserving a login attempt.
package enum LoginLimitDecision: Sendable, Equatable {
    /// Counted; `overLimit` lists the non-blocking keys that were already full (the caller slows down).
    case allowed(overLimit: [String])
    /// Refused without counting: a blocking window is full until `retryAfterMillis` from now.
    case blocked(retryAfterMillis: Int64)
}
