import Logging

/// Matches requests to routes and turns every thrown error into a problem response in one place.
///
/// Paths outside `/api/` that match no route go to the fallback (the static files), for `GET` and `HEAD`.
package final class Router: HTTPResponder {
    private let routes: [Route]
    private let fallback: Route.Handler?
    private let fallbackIsInline: (@Sendable (Substring) -> Bool)?
    private let logger: Logger
    /// Body limit for requests that match no route (they are read and discarded).
    private let unmatchedBodyLimit = 64 * 1024
    private let bodyGate: BodyGate?
    private let smallBodyBytes: Int

    /// Decides from a request head whether its body may be larger than the router's small-body
    /// limit: nil allows it, a problem is answered instead of reading the larger body. The API
    /// layer passes "is this head plausibly authenticated"; it runs on the event loop, so it must
    /// be cheap and never block.
    package typealias BodyGate = @Sendable (HTTPRequestHead) -> Problem?

    /// Creates a router.
    /// - Parameters:
    ///   - routes: the API routes.
    ///   - fallback: handler for `GET`/`HEAD` outside `/api/` (static files), or nil.
    ///   - fallbackIsInline: says, from the raw path, whether the fallback can answer without blocking.
    ///   - logger: the server's logger.
    ///   - bodyGate: consulted for routes that accept more than `smallBodyBytes`; nil accepts every body up to the route's limit.
    ///   - smallBodyBytes: the body limit of requests the gate refuses.
    package init(routes: [Route], fallback: Route.Handler? = nil, fallbackIsInline: (@Sendable (Substring) -> Bool)? = nil, logger: Logger,
                bodyGate: BodyGate? = nil, smallBodyBytes: Int = 16 * 1024) {
        self.routes = routes
        self.fallback = fallback
        self.fallbackIsInline = fallbackIsInline
        self.logger = logger
        self.bodyGate = bodyGate
        self.smallBodyBytes = smallBodyBytes
    }

    /// The route table as `(method, pattern)` pairs, for documentation checks.
    package var routeTable: [(method: String, pattern: String)] { routes.map { ($0.method.rawValue, $0.pattern) } }

    package func plan(for head: HTTPRequestHead) -> RequestPlan {
        guard let path = Self.decodedSegments(head.path) else {
            var plan = RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: true, target: .badPath)
            plan.routeLabel = "(bad_path)"
            return plan
        }
        // Only the most specific patterns that match count (most literal segments): a literal
        // `/messages/delete` is not also `/messages/{id}`, for any method or for `Allow`.
        var matches: [(index: Int, parameters: [String: String])] = []
        var bestLiterals = -1
        for (index, route) in routes.enumerated() {
            guard let parameters = route.match(path) else { continue }
            if route.literalCount > bestLiterals {
                bestLiterals = route.literalCount
                matches.removeAll()
            }
            if route.literalCount == bestLiterals { matches.append((index, parameters)) }
        }
        var allowed: [String] = []
        for (index, parameters) in matches {
            let route = routes[index]
            if route.method == head.method || (head.method == .HEAD && route.method == .GET) {
                var plan = RequestPlan(maxBodyBytes: route.maxBodyBytes, runsInline: route.runsInline, target: .route(index), parameters: parameters)
                plan.pool = route.pool
                plan.spoolBodyOver = route.spoolBodyOver
                plan.routeLabel = route.pattern
                // A large body only after the head passed the gate (credentials present and plausible).
                if route.maxBodyBytes > smallBodyBytes, head.framing != .none, let refusal = bodyGate?(head) {
                    plan.maxBodyBytes = smallBodyBytes
                    plan.bodyLimitProblem = refusal
                }
                return plan
            }
            allowed.append(route.method.rawValue)
            if route.method == .GET { allowed.append("HEAD") }
        }
        if !allowed.isEmpty {
            var plan = RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: true, target: .methodNotAllowed(allow: allowed.joined(separator: ", ")))
            plan.routeLabel = "(method_not_allowed)"
            return plan
        }
        if fallback != nil, path.first != "api", head.method == .GET || head.method == .HEAD {
            let inline = fallbackIsInline?(head.path) ?? false
            var plan = RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: inline, target: .fallback)
            plan.routeLabel = "(static)"
            return plan
        }
        return RequestPlan(maxBodyBytes: unmatchedBodyLimit, runsInline: true, target: .notFound)
    }

    package func respond(to request: HTTPRequest, plan: RequestPlan) -> HTTPResponse {
        let context = RequestContext(request: request, parameters: plan.parameters, logger: logger)
        do {
            switch plan.target {
            case .route(let index):
                return try routes[index].handler(context)
            case .fallback:
                guard let fallback else { throw Problem(.notFound, code: "not_found", detail: "No resource at \(String(request.head.path.prefix(200))).") }
                return try fallback(context)
            case .methodNotAllowed(let allow):
                throw Problem(.methodNotAllowed, code: "method_not_allowed",
                              detail: "\(request.method.rawValue) is not allowed here; use \(allow).", headers: ["Allow": allow])
            case .badPath:
                throw Problem(.badRequest, code: "bad_request", detail: "The request path has an invalid percent-encoding.")
            case .notFound, .preflight:
                throw Problem(.notFound, code: "not_found", detail: "No resource at \(String(request.head.path.prefix(200))).")
            }
        } catch {
            return Self.problem(for: error, logger: context.logger).response(requestID: request.requestID)
        }
    }

    /// The problem for an error: its own when it is ``ProblemConvertible``, else a logged 500 whose
    /// detail reveals nothing internal.
    package static func problem(for error: any Error, logger: Logger) -> Problem {
        if let convertible = error as? any ProblemConvertible {
            let problem = convertible.problem
            // A 5xx answer says what failed; how (an upstream's text, host, port, paths) goes to the log.
            if problem.status.code >= 500 {
                logger.warning("request failed", metadata: ["status": .stringConvertible(problem.status.code),
                                                            "error": .string(String(describing: error))])
            }
            return problem
        }
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
