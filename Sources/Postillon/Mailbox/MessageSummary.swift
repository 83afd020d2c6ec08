/// One row of the message list: what a mail client shows without opening the message.
public struct MessageSummary: Codable, Sendable, Equatable {
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

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encode(id, forKey: AnyCodingKey(stringValue: "id"))
        try container.encode(size, forKey: AnyCodingKey(stringValue: "size"))
        try container.encode(subject, forKey: AnyCodingKey(stringValue: "subject"))
        try container.encode(from, forKey: AnyCodingKey(stringValue: "from"))
        try container.encode(to, forKey: AnyCodingKey(stringValue: "to"))
        try container.encode(cc, forKey: AnyCodingKey(stringValue: "cc"))
        try container.encode(date, forKey: AnyCodingKey(stringValue: "date"))
        try container.encode(messageId, forKey: AnyCodingKey(stringValue: "messageId"))
        try container.encode(contentType, forKey: AnyCodingKey(stringValue: "contentType"))
    }
}
