/// A responder's decision about a request, made from its head before the body is read.
public struct RequestPlan: Sendable {
    /// The largest body this request may carry; larger ones get 413 before they are read.
    public var maxBodyBytes: Int
    /// Whether the handler is cheap and never blocks, so it may run on the event loop thread.
    public var runsInline: Bool
    /// Responder-private data carried to ``HTTPResponder/respond(to:plan:)`` (for example the matched route).
    public var routeIndex: Int
    /// Path parameters captured while matching.
    public var parameters: [String: String]
    /// A bounded label for metrics: the matched route's template, never the raw path.
    package var routeLabel: String = "(unmatched)"

    /// Creates a plan.
    public init(maxBodyBytes: Int, runsInline: Bool = false, routeIndex: Int = -1, parameters: [String: String] = [:]) {
        self.maxBodyBytes = maxBodyBytes
        self.runsInline = runsInline
        self.routeIndex = routeIndex
        self.parameters = parameters
    }
}
