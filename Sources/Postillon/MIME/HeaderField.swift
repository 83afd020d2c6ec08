/// One header as the API shows it: the name as written and the decoded, unfolded value.
public struct HeaderField: Codable, Sendable, Equatable {
    /// The header name as written in the message.
    public var name: String
    /// The decoded value (RFC 2047 words decoded, folding removed).
    public var value: String
}
