/// Told about every request the responder answered, for metrics. The server knows nothing of what
/// is measured (the gateway's Prometheus families live in the `Postillon` target); an observer must
/// be thread-safe and cheap: it is called on event-loop threads and workers, after the response.
package protocol HTTPServerObserver: Sendable {
    /// A request was answered.
    /// - Parameters:
    ///   - route: the responder's bounded label for it (``RequestPlan/routeLabel``, a route template).
    ///   - method: the request method as sent (may be any token: bound it before using it as a label).
    ///   - status: the response status code.
    ///   - nanoseconds: from the complete request head to the response written.
    func requestFinished(route: String, method: HTTPMethod, status: Int, nanoseconds: UInt64)
}
