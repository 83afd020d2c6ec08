/// An RFC 9457 problem: the one shape every error response takes (`application/problem+json`).
package struct Problem: Error, Sendable, Equatable {
    /// The HTTP status.
    package var status: HTTPStatus
    /// A stable, machine-readable code such as `message_not_found`; clients switch on it.
    package var code: String
    /// A short human-readable summary that does not change between occurrences.
    package var title: String
    /// A human-readable explanation of this occurrence; never holds credentials.
    package var detail: String?
    /// Extra response headers, for example `Retry-After` or `Allow`.
    package var headers: HTTPHeaders

    /// Creates a problem; `title` defaults to the status's reason phrase.
    package init(_ status: HTTPStatus, code: String, title: String? = nil, detail: String? = nil, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.code = code
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
    }

    /// The problem's `type` URI, derived from its code.
    package var type: String { "urn:postillon:problem:\(code)" }

    /// The problem as a response: `application/problem+json` with the extra headers.
    package func response(requestID: String) -> HTTPResponse {
        var json = JSONWriter()
        json.objectStart()
        json.key("type"); json.string(type)
        json.key("title"); json.string(title)
        json.key("status"); json.int(status.code)
        if let detail { json.key("detail"); json.string(detail) }
        json.key("code"); json.string(code)
        json.key("requestId"); json.string(requestID)
        json.objectEnd()
        var headers = self.headers
        headers.set("Cache-Control", "no-store")
        headers.set("X-Content-Type-Options", "nosniff")
        return HTTPResponse(status: status, contentType: "application/problem+json", bytes: json.bytes, headers: headers)
    }

    package static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.status == rhs.status && lhs.code == rhs.code && lhs.title == rhs.title && lhs.detail == rhs.detail
    }
}
