/// A complete request as handed to a responder: head, body and connection facts.
package struct HTTPRequest: Sendable {
    /// Request line and headers.
    package var head: HTTPRequestHead
    /// The whole body (bounded by the route's limit), empty when there is none or when it was
    /// spooled to a file (``spooledBody``).
    package var body: [UInt8]
    /// The body, when its route spools large bodies (``Route/spoolBodyOver``) and this one was
    /// larger: it is in a temporary file, and ``body`` is empty.
    package var spooledBody: SpooledBody?
    /// The peer's IP address as text.
    package var remoteAddress: String
    /// The request id: the client's valid `X-Request-Id`, or a generated one.
    package var requestID: String
    /// The client's address: the peer, or the forwarded client when the peer is a trusted proxy.
    package var clientAddress: String
    /// When the request was complete and handed to the responder (``MonotonicClock`` milliseconds):
    /// per-request budgets such as the mailbox wait count from here, so time spent waiting for a
    /// worker thread counts too.
    package var arrivedMillis: Int64

    /// Creates a request.
    package init(head: HTTPRequestHead, body: [UInt8] = [], remoteAddress: String = "127.0.0.1", requestID: String = "test") {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.clientAddress = remoteAddress
        self.arrivedMillis = MonotonicClock.nowMillis()
    }

    /// The body's length, in memory or spooled.
    package var bodyCount: Int { spooledBody?.count ?? body.count }

    /// The whole body as bytes: ``body``, or the spooled file read into memory. Reading the file
    /// blocks on the disk: call this on a worker thread, only when the handler needs every byte at once.
    /// - Throws: ``SystemError`` when the file cannot be read.
    package func bodyBytes() throws -> [UInt8] {
        guard let spooledBody else { return body }
        return try spooledBody.bytes(length: spooledBody.count)
    }

    /// The request method.
    package var method: HTTPMethod { head.method }
    /// The header fields.
    package var headers: HTTPHeaders { head.headers }
}
