/// The parsed request line and header block of one request.
public struct HTTPRequestHead: Sendable {
    /// The request method.
    package var method: HTTPMethod
    /// The request target exactly as sent (origin form: path plus optional query).
    package var target: String
    /// The path part of the target, still percent-encoded.
    public var path: Substring
    /// The query part of the target without the `?`, or `nil` when there is none.
    package var query: Substring?
    /// The minor HTTP version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    /// The header fields in order.
    package var headers: HTTPHeaders
    /// How the body is framed.
    package var framing: HTTPBodyFraming
    /// Whether the client asked for `100 Continue` before sending its body.
    package var expectsContinue: Bool
    /// Whether the connection may stay open after this exchange.
    package var keepAlive: Bool

    /// Creates a head; `path` and `query` are split from `target`.
    package init(
        method: HTTPMethod, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders(),
        framing: HTTPBodyFraming = .none, expectsContinue: Bool = false, keepAlive: Bool = true
    ) {
        self.method = method
        self.target = target
        if let question = target.firstIndex(of: "?") {
            path = target[..<question]
            query = target[target.index(after: question)...]
        } else {
            path = target[...]
            query = nil
        }
        self.minorVersion = minorVersion
        self.headers = headers
        self.framing = framing
        self.expectsContinue = expectsContinue
        self.keepAlive = keepAlive
    }
}
