/// What a request resolved to when its head was planned; carried to the answer in ``RequestPlan``.
package enum RouteTarget: Sendable, Equatable {
    /// The responder's route at this position in its table.
    case route(Int)
    /// The fallback handler (static files).
    case fallback
    /// The path exists for other methods; `allow` is the `Allow` header value.
    case methodNotAllowed(allow: String)
    /// The path's percent-encoding is malformed.
    case badPath
    /// Nothing answers this path.
    case notFound
    /// A CORS preflight, answered by ``CORSResponder`` itself.
    case preflight
}
