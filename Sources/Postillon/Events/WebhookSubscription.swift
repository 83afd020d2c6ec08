import PostillonHTTP

/// A webhook subscription of one account, as stored (the secret only while creating or rotating).
package struct WebhookSubscription: Sendable, Encodable {
    /// `wh_` + random hex.
    package var id: String
    /// The HTTPS endpoint.
    package var url: String
    /// Event types delivered (see ``MailEvent/types``).
    package var events: [String]
    /// The caller's note.
    package var description: String?
    /// Whether deliveries are made.
    package var enabled: Bool
    /// Why Postillon disabled it (e.g. the receiver answered 410), if it did.
    package var disabledReason: String?
    /// Creation time, ISO 8601.
    package var createdAt: String
    /// `configuration` when the operator declared it in the accounts file (read-only through the API).
    package var managedBy: String?
    /// The signing secret (`whsec_` + base64), present only in create and rotate answers.
    package var secret: String?
}
