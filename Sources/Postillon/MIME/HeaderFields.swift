/// The headers a message list needs, decoded (RFC 2047 words, charsets, groups flattened).
package struct HeaderFields: Sendable, Equatable {
    /// Decoded subject.
    package var subject: String?
    /// From addresses.
    package var from: [MailAddress] = []
    /// To addresses.
    package var to: [MailAddress] = []
    /// Cc addresses.
    package var cc: [MailAddress] = []
    /// Date as ISO 8601 with the sender's offset.
    package var date: String?
    /// Message-ID with angle brackets.
    package var messageId: String?
    /// `type/subtype` of the top-level part, lower-case.
    package var contentType: String = "text/plain"

    /// Empty fields.
    package init() {}
}
