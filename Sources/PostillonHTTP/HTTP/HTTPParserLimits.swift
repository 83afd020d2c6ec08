/// Size limits applied while reading a request head.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line in bytes, CRLF excluded.
    public var maxRequestLineBytes: Int
    /// Largest header block in bytes (request line included).
    public var maxHeaderBytes: Int
    /// Most header fields.
    public var maxHeaderCount: Int

    /// Creates limits; the defaults suit an API server.
    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
    }
}
