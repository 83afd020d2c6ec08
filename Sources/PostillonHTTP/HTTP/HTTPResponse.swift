/// A response: status, headers and a body that is either bytes or written by a closure.
package struct HTTPResponse: Sendable {
    /// The status.
    package var status: HTTPStatus
    /// Header fields; the server adds `Content-Length` or `Transfer-Encoding`, `Date`, `Connection` and `X-Request-Id`.
    package var headers: HTTPHeaders
    /// The body.
    package var body: HTTPResponseBody
    /// The authenticated account's name, for the access log only (never sent, never a credential).
    package var account: String?

    /// Creates a response.
    package init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: HTTPResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a byte body and its content type.
    package init(status: HTTPStatus = .ok, contentType: String, bytes: [UInt8], headers: HTTPHeaders = HTTPHeaders()) {
        var headers = headers
        headers.set("Content-Type", contentType)
        self.init(status: status, headers: headers, body: .bytes(bytes))
    }
}
