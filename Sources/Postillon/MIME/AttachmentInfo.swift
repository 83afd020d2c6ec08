/// An attachment (or inline resource, or attached message) of a parsed message.
public struct AttachmentInfo: Codable, Sendable, Equatable, NullPreservingEncodable {
    /// IMAP-style part path, for example `2` or `1.2`; stable for a given message.
    public var partId: String
    /// Decoded file name (RFC 2231 / RFC 2047), or nil.
    package var filename: String?
    /// `type/subtype`, lower-case.
    package var contentType: String
    /// Decoded size in bytes.
    package var size: Int
    /// Content-ID without angle brackets, or nil.
    package var contentId: String?
    /// `attachment`, `inline`, or nil when the part has no Content-Disposition.
    package var disposition: String?

    /// Describes a part.
    package init(partId: String, filename: String?, contentType: String, size: Int, contentId: String?, disposition: String?) {
        self.partId = partId
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.contentId = contentId
        self.disposition = disposition
    }
}
