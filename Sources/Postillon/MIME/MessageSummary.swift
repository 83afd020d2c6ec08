/// One row of the message list: what a mail client shows without opening the message.
package struct MessageSummary: Codable, Sendable, Equatable, NullPreservingEncodable {
    /// The URL-safe message id (from the UIDL).
    package var id: String
    /// Size in octets as the server reports it.
    package var size: Int
    /// Decoded subject, or nil.
    package var subject: String?
    /// From addresses.
    package var from: [MailAddress]
    /// To addresses.
    package var to: [MailAddress]
    /// Cc addresses.
    package var cc: [MailAddress]
    /// ISO 8601 date with offset, or nil.
    package var date: String?
    /// Message-ID with angle brackets, or nil.
    package var messageId: String?
    /// Top-level `type/subtype`.
    package var contentType: String
    /// Postillon's own "read" flag (POP3 has no flags); false until set.
    package var seen = false
    /// Postillon's own "flagged" mark; false until set.
    package var flagged = false

    /// Builds a summary from list data and parsed headers.
    package init(id: String, size: Int, fields: HeaderFields) {
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
