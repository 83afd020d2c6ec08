/// The answer of a successful `POST /api/v1/send`: the Message-ID and the per-recipient outcome.
struct SendResult: Encodable {
    /// The Message-ID with angle brackets.
    let messageId: String
    /// Envelope recipients the SMTP server accepted.
    let accepted: [String]
    /// Envelope recipients it refused, with its reply.
    let rejected: [SMTPRecipientRejection]
}
