import Logging

/// Matches requests to routes and turns every thrown error into a problem response in one place.
///
/// Paths outside `/api/` that match no route go to the fallback (the static files), for `GET` and `HEAD`.
public final class Router: HTTPResponder {
    private let routes: [Route]
    private let fallback: Route.Handler?
    private let fallbackIsInline: (@Sendable (Substring) -> Bool)?
    private let logger: Logger
    /// Body limit for requests that match no route (they are read and discarded).
    private let unmatchedBodyLimit = 64 * 1024

    private enum Special: Int {
        case notFound = -1
        case methodNotAllowed = -2
        case badPath = -3
        case fallback = -4
    }

    /// Creates a router.
    /// - Parameters:
    ///   - routes: the API routes.
    ///   - fallback: handler for `GET`/`HEAD` outside `/api/` (static files), or nil.
    ///   - fallbackIsInline: says, from the raw path, whether the fallback can answer without blocking.
    ///   - logger: the server's logger.
    public init(routes: [Route], fallback: Route.Handler? = nil, fallbackIsInline: (@Sendable (Substring) -> Bool)? = nil, logger: Logger) {
        self.routes = routes
        self.fallback = fallback
        self.fallbackIsInline = fallbackIsInline
        self.logger = logger
    }

    /// The route table as `(method, pattern)` pairs, for documentation checks.
    public var routeTable: [(method: String, pattern: String)] { routes.map { ($0.method.rawValue, $0.pattern) } }

    public func plan(for head: HTTPRequestHead) -> RequestPlan {
        guard let path = Self.decodedSegments(head.path) else {
            var plan = RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: true, routeIndex: Special.badPath.rawValue)
            plan.routeLabel = "(bad_path)"
            return plan
        }
        var allowed: [String] = []
        for (index, route) in routes.enumerated() {
            guard let parameters = route.match(path) else { continue }
            if route.method == head.method || (head.method == .HEAD && route.method == .GET) {
                var plan = RequestPlan(maxBodyBytes: route.maxBodyBytes, runsInline: route.runsInline, routeIndex: index, parameters: parameters)
                plan.routeLabel = route.pattern
                return plan
            }
            allowed.append(route.method.rawValue)
            if route.method == .GET { allowed.append("HEAD") }
        }
        if !allowed.isEmpty {
            var plan = RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: true, routeIndex: Special.methodNotAllowed.rawValue,
                                   parameters: ["allow": allowed.joined(separator: ", ")])
            plan.routeLabel = "(method_not_allowed)"
            return plan
        }
        if fallback != nil, path.first != "api", head.method == .GET || head.method == .HEAD {
            let inline = fallbackIsInline?(head.path) ?? false
            var plan = RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: inline, routeIndex: Special.fallback.rawValue)
            plan.routeLabel = "(static)"
            return plan
        }
        return RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: true, routeIndex: Special.notFound.rawValue)
    }

    public func respond(to request: HTTPRequest, plan: RequestPlan) -> HTTPResponse {
        let context = RequestContext(request: request, parameters: plan.parameters, logger: logger)
        do {
            switch plan.routeIndex {
            case 0...:
                return try routes[plan.routeIndex].handler(context)
            case Special.fallback.rawValue:
                return try fallback!(context)
            case Special.methodNotAllowed.rawValue:
                let allow = plan.parameters["allow"] ?? ""
                throw Problem(.methodNotAllowed, code: "method_not_allowed",
                              detail: "\(request.method.rawValue) is not allowed here; use \(allow).", headers: ["Allow": allow])
            case Special.badPath.rawValue:
                throw Problem(.badRequest, code: "bad_request", detail: "The request path has an invalid percent-encoding.")
            default:
                throw Problem(.notFound, code: "not_found", detail: "No resource at \(String(request.head.path.prefix(200))).")
            }
        } catch {
            return Self.problem(for: error, logger: context.logger).response(requestID: request.requestID)
        }
    }

    /// The problem for an error: its own when it is ``ProblemConvertible``, else a logged 500 whose
    /// detail reveals nothing internal.
    package static func problem(for error: any Error, logger: Logger) -> Problem {
        if let convertible = error as? any ProblemConvertible { return convertible.problem }
        logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
        return Problem(.internalServerError, code: "internal_error", detail: "An unexpected error occurred; the request id identifies it in the logs.")
    }

    /// Splits a raw path into percent-decoded segments; nil when an escape is malformed or not UTF-8.
    static func decodedSegments(_ path: Substring) -> [String]? {
        var segments: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part.contains("%") {
                guard let decoded = PercentDecoding.decode(part) else { return nil }
                segments.append(decoded)
            } else {
                segments.append(String(part))
            }
        }
        return segments
    }
}
