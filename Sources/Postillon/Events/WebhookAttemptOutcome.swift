import PostillonHTTP

/// What one HTTP attempt of a delivery came to.
package struct WebhookAttemptOutcome: Sendable, Equatable {
    /// The receiver's status code, 0 when there was no HTTP answer.
    package var statusCode: Int
    /// How long the attempt took.
    package var durationMillis: Int
    /// The transport or policy error, if any.
    package var error: String?

    /// Creates an outcome.
    package init(statusCode: Int, durationMillis: Int, error: String? = nil) {
        self.statusCode = statusCode
        self.durationMillis = durationMillis
        self.error = error
    }

    /// A 2xx answer: delivered.
    package var succeeded: Bool { (200...299).contains(statusCode) }
}
