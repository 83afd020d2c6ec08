import PostillonHTTP
import Prometheus

/// `GET /metrics`: the Prometheus text format from ``ServiceMetrics``' registry.
///
/// Served without authentication on `--metrics-listen` (an address off the public port), and on the
/// public listener only to callers presenting `--operator-token`; without a token there it is 404, so
/// the internet-facing port reveals no traffic or error rates by default.
enum MetricsRoutes {
    /// The route for the own metrics listener.
    static func open(registry: PrometheusCollectorRegistry, refresh: @escaping @Sendable () -> Void) -> Route {
        Route(.GET, "/metrics") { _ in render(registry, refresh: refresh) }
    }

    /// The route on the public listener, behind the operator token (404 without one, or before
    /// ``ServiceMetrics/bootstrap()`` ran).
    static func protected(token: String?, refresh: @escaping @Sendable () -> Void) -> Route {
        Route(.GET, "/metrics") { context in
            guard let token, let registry = ServiceMetrics.registry else {
                throw Problem(.notFound, code: "not_found", detail: "Nothing here.")
            }
            guard OperatorAccess.hasToken(context.request, token: token) else {
                throw Problem(.unauthorized, code: "unauthorized", detail: "Metrics need the operator token.",
                              headers: ["WWW-Authenticate": "Bearer realm=\"postillon-metrics\""])
            }
            return render(registry, refresh: refresh)
        }
    }

    static func render(_ registry: PrometheusCollectorRegistry, refresh: @Sendable () -> Void) -> HTTPResponse {
        refresh()
        var headers = HTTPHeaders()
        headers.set("Cache-Control", "no-store")
        return HTTPResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", bytes: registry.emitToBuffer(), headers: headers)
    }
}
