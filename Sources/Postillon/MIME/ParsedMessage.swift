/// A message as a mail client needs it: decoded headers, the best text and HTML bodies, attachments.
///
/// `html` is returned exactly as the message has it (not sanitised): render it sandboxed.
public struct ParsedMessage: Sendable, NullPreservingEncodable {
    /// The list fields (id, size, subject, addresses, date, message id, content type).
    public var summary: MessageSummary
    /// Every header, decoded, in order.
    public var headers: [HeaderField]
    /// The plain-text body as valid UTF-8, or nil.
    public var text: String?
    /// The HTML body as valid UTF-8, or nil.
    public var html: String?
    /// Attachments, inline resources and attached messages.
    public var attachments: [AttachmentInfo]
    /// In-Reply-To message id, or nil.
    public var inReplyTo: String?
    /// References message ids, oldest first.
    public var references: [String]
    /// Reply-To addresses.
    public var replyTo: [MailAddress]
    /// Sender addresses.
    public var sender: [MailAddress]
    /// What the parser found wrong (truncated, invalid headers, unknown charsets).
    public var warnings: [String]

    public func encode(to encoder: any Encoder) throws {
        // The summary's fields sit at the top level, beside the parsed details.
        try summary.encode(to: encoder)
        try encodeProperties(to: encoder, skipping: ["summary"])
    }
}
