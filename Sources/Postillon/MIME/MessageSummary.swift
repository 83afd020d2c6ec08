/// One row of the message list: what a mail client shows without opening the message.
public struct MessageSummary: Codable, Sendable, Equatable, NullPreservingEncodable {
    /// The URL-safe message id (from the UIDL).
    public var id: String
    /// Size in octets as the server reports it.
    public var size: Int
    /// Decoded subject, or nil.
    public var subject: String?
    /// From addresses.
    public var from: [MailAddress]
    /// To addresses.
    public var to: [MailAddress]
    /// Cc addresses.
    public var cc: [MailAddress]
    /// ISO 8601 date with offset, or nil.
    public var date: String?
    /// Message-ID with angle brackets, or nil.
    public var messageId: String?
    /// Top-level `type/subtype`.
    public var contentType: String
    /// Postillon's own "read" flag (POP3 has no flags); false until set.
    public var seen = false
    /// Postillon's own "flagged" mark; false until set.
    public var flagged = false

    /// Builds a summary from list data and parsed headers.
    public init(id: String, size: Int, fields: HeaderFields) {
        self.id = id
        self.size = size
        subject = fields.subject
        from = fields.from
        to = fields.to
        cc = fields.cc
        date = fields.date
        messageId = fields.messageId
        contentType = fields.contentType
    }
}
