/// The headers a message list needs, decoded (RFC 2047 words, charsets, groups flattened).
public struct HeaderFields: Sendable, Equatable {
    /// Decoded subject.
    public var subject: String?
    /// From addresses.
    public var from: [MailAddress] = []
    /// To addresses.
    public var to: [MailAddress] = []
    /// Cc addresses.
    public var cc: [MailAddress] = []
    /// Date as ISO 8601 with the sender's offset.
    public var date: String?
    /// Message-ID with angle brackets.
    public var messageId: String?
    /// `type/subtype` of the top-level part, lower-case.
    public var contentType: String = "text/plain"

    /// Empty fields.
    public init() {}
}
