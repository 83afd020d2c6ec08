/// An attachment (or inline resource, or attached message) of a parsed message.
public struct AttachmentInfo: Codable, Sendable, Equatable, NullPreservingEncodable {
    /// IMAP-style part path, for example `2` or `1.2`; stable for a given message.
    public var partId: String
    /// Decoded file name (RFC 2231 / RFC 2047), or nil.
    public var filename: String?
    /// `type/subtype`, lower-case.
    public var contentType: String
    /// Decoded size in bytes.
    public var size: Int
    /// Content-ID without angle brackets, or nil.
    public var contentId: String?
    /// `attachment`, `inline`, or nil when the part has no Content-Disposition.
    public var disposition: String?
}
