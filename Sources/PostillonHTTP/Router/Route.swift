/// A route: method, path pattern, body limit, and the handler that answers it.
public struct Route: Sendable {
    /// A route handler; throw any error and the router maps it to a problem response.
    public typealias Handler = @Sendable (RequestContext) throws -> HTTPResponse

    /// The method (a `GET` route also answers `HEAD`).
    public let method: HTTPMethod
    /// The pattern as written, for example `/api/v1/messages/{id}`.
    public let pattern: String
    let segments: [PathSegment]
    /// The largest request body accepted.
    public let maxBodyBytes: Int
    /// Whether the handler is cheap and never blocks, so it may run on the event loop.
    public let runsInline: Bool
    let handler: Handler

    /// Creates a route.
    public init(_ method: HTTPMethod, _ pattern: String, maxBodyBytes: Int = 0, runsInline: Bool = false, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.segments = PathSegment.parse(pattern)
        self.maxBodyBytes = maxBodyBytes
        self.runsInline = runsInline
        self.handler = handler
    }

    /// Matches decoded path segments; returns the captured parameters or nil.
    func match(_ path: [String]) -> [String: String]? {
        guard path.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, path) {
            switch segment {
            case .literal(let literal): if literal != part { return nil }
            case .parameter(let name):
                if part.isEmpty { return nil }
                parameters[name] = part
            }
        }
        return parameters
    }
}
