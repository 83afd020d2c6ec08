/// A responder's decision about a request, made from its head before the body is read.
package struct RequestPlan: Sendable {
    /// The largest body this request may carry; larger ones get 413 before they are read.
    package var maxBodyBytes: Int
    /// Whether the handler is cheap and never blocks, so it may run on the event loop thread.
    package var runsInline: Bool
    /// What the request resolved to, carried to ``HTTPResponder/respond(to:plan:)``.
    package var target: RouteTarget
    /// Path parameters captured while matching.
    package var parameters: [String: String]
    /// The worker pool that runs the handler (one of ``HTTPServerConfiguration/workerPools``);
    /// nil, or a name without a pool, is the shared pool.
    package var pool: String?
    /// What to answer, instead of 413, when the body is larger than ``maxBodyBytes`` (for example
    /// 401 when only an authenticated caller may send a large body); nil for 413.
    package var bodyLimitProblem: Problem?
    /// Bodies larger than this are written to a temporary file as they arrive and reach the handler
    /// as ``HTTPRequest/spooledBody`` (empty ``HTTPRequest/body``); nil keeps every body in memory.
    package var spoolBodyOver: Int?
    /// A bounded label for metrics: the matched route's template, never the raw path.
    package var routeLabel: String = "(unmatched)"

    /// Creates a plan.
    package init(maxBodyBytes: Int, runsInline: Bool = false, target: RouteTarget = .notFound, parameters: [String: String] = [:]) {
        self.maxBodyBytes = maxBodyBytes
        self.runsInline = runsInline
        self.target = target
        self.parameters = parameters
    }
}
