import PostillonHTTP

/// A state-store failure: the database could not be opened, refused a statement, or is unreachable.
/// Details (SQL errors, file paths, host names) go to the log, never into an HTTP body.
package struct StateStoreError: ProblemConvertible, CustomStringConvertible, Sendable {
    /// What happened, for the log.
    package let message: String

    /// Creates an error.
    package init(_ message: String) { self.message = message }

    package var description: String { "state store: \(message)" }

    /// The API answer: 503, so a client retries later; nothing internal is revealed (the database
    /// logs the details, see ``SQLDatabase``).
    package var problem: Problem {
        Problem(.serviceUnavailable, code: "state_unavailable",
                detail: "The state store is temporarily unavailable; retry later.", headers: ["Retry-After": "5"])
    }
}
