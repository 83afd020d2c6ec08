/// How a request's body is delimited (RFC 9112 section 6).
package enum HTTPBodyFraming: Sendable, Equatable {
    /// No body.
    case none
    /// Exactly this many bytes follow the head.
    case length(Int)
    /// A chunked body follows the head.
    case chunked
}
