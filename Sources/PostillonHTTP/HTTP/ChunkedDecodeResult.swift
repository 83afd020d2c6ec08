/// What one step of ``ChunkedBodyDecoder`` found.
public enum ChunkedDecodeResult: Equatable, Sendable {
    /// More bytes are needed; the first `consumed` bytes were used and must be dropped.
    case needMore(consumed: Int)
    /// The body is complete; `consumed` bytes were used (the next request starts there).
    case done(consumed: Int)
    /// The body is malformed or too large.
    case failure(HTTPParseError)
}
