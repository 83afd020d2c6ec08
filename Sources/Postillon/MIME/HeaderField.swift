/// One header as the API shows it: the name as written and the decoded, unfolded value.
package struct HeaderField: Codable, Sendable, Equatable {
    /// The header name as written in the message.
    package var name: String
    /// The decoded value (RFC 2047 words decoded, folding removed).
    package var value: String
}
