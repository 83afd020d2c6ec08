/// What ``HTTPRequestParser/parseHead(_:limits:)`` found in the bytes it was given.
public enum HTTPHeadParseResult: Sendable {
    /// The head is not complete yet; read more and call again with all bytes.
    case needMore
    /// A complete head, and how many bytes it took (the body, if any, starts there).
    case head(HTTPRequestHead, consumed: Int)
    /// The bytes can never form a valid head; answer with the error's status and close.
    case failure(HTTPParseError)
}
