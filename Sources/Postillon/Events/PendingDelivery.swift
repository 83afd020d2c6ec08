import PostillonHTTP

/// A delivery claimed for one attempt: everything needed to send it.
package struct PendingDelivery: Sendable {
    /// The delivery id.
    package var id: String
    /// The subscription it belongs to.
    package var subscriptionID: String
    /// The endpoint.
    package var url: String
    /// The signing secret (`whsec_…`).
    package var secret: String
    /// The `webhook-id` (the event id).
    package var webhookID: String
    /// The JSON body, identical on every attempt.
    package var body: String
    /// Attempts made before this one.
    package var attempts: Int
}
