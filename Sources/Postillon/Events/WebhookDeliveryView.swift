import PostillonHTTP

/// One delivery of one event to one subscription, with its attempts, as the API lists it.
package struct WebhookDeliveryView: Sendable, Encodable {
    /// One HTTP attempt.
    package struct Attempt: Sendable, Encodable {
        /// When, ISO 8601.
        package var time: String
        /// The receiver's status code (0: no HTTP answer).
        package var statusCode: Int
        /// Milliseconds the attempt took.
        package var durationMillis: Int
        /// Transport or policy error, if any.
        package var error: String?
    }

    /// `dlv_` + random hex.
    package var id: String
    /// The `webhook-id` sent (the event id, stable across attempts).
    package var webhookId: String
    /// The event type.
    package var type: String
    /// `pending`, `delivered` or `failed`.
    package var status: String
    /// Attempts so far.
    package var attempts: [Attempt]
    /// When the next attempt is due (pending only), ISO 8601.
    package var nextAttemptAt: String?
}
