/// One login-limit window to check and count.
package struct LoginLimitKey: Sendable, Equatable {
    /// The window's key, e.g. `c:198.51.100.7` or `cu:198.51.100.7 alice`.
    package var key: String
    /// Attempts allowed per window.
    package var limit: Int
    /// Whether a full window refuses the attempt (false: it is only reported, to slow down).
    package var blocks: Bool

    /// Creates a key.
    package init(_ key: String, limit: Int, blocks: Bool) {
        self.key = key
        self.limit = limit
        self.blocks = blocks
    }
}
