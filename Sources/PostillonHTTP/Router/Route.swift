/// A route: method, path pattern, body limit, and the handler that answers it.
package struct Route: Sendable {
    /// A route handler; throw any error and the router maps it to a problem response.
    package typealias Handler = @Sendable (RequestContext) throws -> HTTPResponse

    /// The method (a `GET` route also answers `HEAD`).
    package let method: HTTPMethod
    /// The pattern as written, for example `/api/v1/messages/{id}`.
    package let pattern: String
    let segments: [PathSegment]
    /// How many segments are literals: among patterns matching a path, the most literal wins.
    let literalCount: Int
    /// The largest request body accepted.
    package let maxBodyBytes: Int
    /// Whether the handler is cheap and never blocks, so it may run on the event loop.
    package let runsInline: Bool
    /// Bodies larger than this are spooled to a temporary file while they arrive (the handler reads
    /// ``HTTPRequest/spooledBody``, on its worker); nil keeps every body in memory.
    package let spoolBodyOver: Int?
    /// The worker pool the handler runs on (see ``HTTPServerConfiguration/workerPools``); nil is the shared one.
    package let pool: String?
    let handler: Handler

    /// Creates a route.
    package init(_ method: HTTPMethod, _ pattern: String, maxBodyBytes: Int = 0, spoolBodyOver: Int? = nil, runsInline: Bool = false,
                pool: String? = nil, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.segments = PathSegment.parse(pattern)
        self.literalCount = segments.filter { if case .literal = $0 { true } else { false } }.count
        self.maxBodyBytes = maxBodyBytes
        self.runsInline = runsInline
        self.spoolBodyOver = runsInline ? nil : spoolBodyOver
        self.pool = pool
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
