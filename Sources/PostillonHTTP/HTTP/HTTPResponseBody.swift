/// A response body.
package enum HTTPResponseBody: Sendable {
    /// No body.
    case empty
    /// A body held in memory.
    case bytes([UInt8])
    /// A body written piece by piece as it is produced (for example streamed from a POP3 server).
    ///
    /// With a `length` the response carries `Content-Length` and the closure must write exactly that many
    /// bytes; without one it is sent chunked. Each write blocks until the client has taken the bytes
    /// (backpressure) or the write deadline passes.
    case stream(length: Int?, @Sendable (any HTTPBodyWriter) throws -> Void)
}
