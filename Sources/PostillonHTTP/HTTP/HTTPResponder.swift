/// What the HTTP server calls to answer requests: the router implements it, tests may use a twin.
package protocol HTTPResponder: Sendable {
    /// Decides from the head alone how large a body may be and whether the handler may run inline.
    func plan(for head: HTTPRequestHead) -> RequestPlan

    /// Answers a complete request. Runs on a worker thread (or the event loop when the plan says inline);
    /// it may block, and must not throw: errors become problem responses inside.
    func respond(to request: HTTPRequest, plan: RequestPlan) -> HTTPResponse
}
