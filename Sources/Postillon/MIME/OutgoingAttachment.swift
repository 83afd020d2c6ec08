import PostillonHTTP
/// A file attached to a composed message: always base64 on the wire, so its bytes arrive unchanged.
package struct OutgoingAttachment: Sendable, Equatable {
    /// The file name (any Unicode; written RFC 2231-encoded when not plain ASCII).
    package let filename: String
    /// The media type, for example `image/png` (parameters allowed).
    package let contentType: String
    /// The decoded bytes.
    package let data: [UInt8]
    /// The Content-ID without angle brackets, making the part inline (`cid:` in the HTML), or nil.
    package let contentID: String?

    /// Creates an attachment.
    package init(filename: String, contentType: String = "application/octet-stream", data: [UInt8], contentID: String? = nil) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
        self.contentID = contentID
    }
}
