/// A message as a mail client needs it: decoded headers, the best text and HTML bodies, attachments.
///
/// `html` is returned exactly as the message has it (not sanitised): render it sandboxed.
public struct ParsedMessage: Sendable, NullPreservingEncodable {
    /// The list fields (id, size, subject, addresses, date, message id, content type).
    package var summary: MessageSummary
    /// Every header, decoded, in order.
    package var headers: [HeaderField]
    /// The plain-text body as valid UTF-8, or nil.
    package var text: String?
    /// The HTML body as valid UTF-8, or nil.
    package var html: String?
    /// Attachments, inline resources and attached messages.
    public var attachments: [AttachmentInfo]
    /// In-Reply-To message id, or nil.
    package var inReplyTo: String?
    /// References message ids, oldest first.
    package var references: [String]
    /// Reply-To addresses.
    package var replyTo: [MailAddress]
    /// Sender addresses.
    package var sender: [MailAddress]
    /// What the parser found wrong (truncated, invalid headers, unknown charsets).
    package var warnings: [String]

    public func encode(to encoder: any Encoder) throws {
        // The summary's fields sit at the top level, beside the parsed details.
        try summary.encode(to: encoder)
        try encodeProperties(to: encoder, skipping: ["summary"])
    }
}
