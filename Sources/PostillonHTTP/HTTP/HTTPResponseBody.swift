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
    /// A long-lived `text/event-stream` (Server-Sent Events) held by the event loop, not a worker:
    /// the worker returns at once, the loop writes the head (the server sets `Content-Type:
    /// text/event-stream`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`; chunked, `Connection:
    /// close`) and then what the handle's producer sends, from any thread (see ``EventStreamHandle``).
    /// Only a `200` to a `GET` streams; otherwise (or from an inline handler) the handle is closed
    /// and an empty body is sent.
    case eventStream(EventStreamHandle)
}
