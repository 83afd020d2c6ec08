import Logging
import PostillonHTTP

/// Assembles the service: routes, static files and the HTTP server, from a configuration.
package enum Application {
    /// Builds the router for `configuration` with the live mail-server clients.
    /// - Throws: ``SystemError`` when the public directory is missing, ``ConfigurationError`` for a bad accounts file.
    package static func buildRouter(configuration: Configuration, logger: Logger) throws -> Router {
        try buildRouter(services: AppServices.live(configuration: configuration, logger: logger))
    }

    /// Builds the router around given services (tests pass in-memory twins).
    package static func buildRouter(services: AppServices) throws -> Router {
        let configuration = services.configuration
        let logger = services.logger
        let files = try StaticFileHandler(directory: configuration.publicDir)
        let readiness = ReadinessChecker(pop3: UpstreamSettings(configuration.pop3, configuration: configuration),
                                         smtp: UpstreamSettings(configuration.smtp, configuration: configuration),
                                         cacheSeconds: configuration.readyCacheSeconds,
                                         timeoutSeconds: min(configuration.upstreamConnectTimeout, 2))
        var routes = HealthRoutes.routes(configuration: configuration, readiness: readiness)
        if configuration.metricsEnabled {
            routes.append(MetricsRoutes.protected(token: configuration.operatorToken, refresh: refreshGauges))
        }
        routes += SessionRoutes.routes(services)
        routes += MessageRoutes.routes(services)
        routes += ParsedMessageRoutes.routes(services)
        routes += FlagRoutes.routes(services)
        routes += SendRoutes.routes(services)
        routes += WebhookRoutes.routes(services)
        routes += EventStreamRoutes.routes(services)
        routes.append(Route(.GET, "/api/v1/openapi.json") { context in
            var response = try files.respond(rawPath: "/openapi.json", headers: context.request.headers)
            response.headers.set("Access-Control-Allow-Origin", "*")
            return response
        })

        // Unauthenticated work stays small: a body over 16 KiB is read only after the head carries
        // plausible credentials (Basic of the right shape, a live session token or a known API key).
        let authenticator = services.authenticator
        let smallBodyBytes = 16 * 1024
        return Router(routes: routes, fallback: { context in
            try files.respond(rawPath: context.request.head.path, headers: context.request.headers)
        }, fallbackIsInline: { path in files.isCached(rawPath: path) }, logger: logger, bodyGate: { head in
            authenticator.isPlausible(authorization: head.headers["Authorization"]) ? nil
                : Problem(.unauthorized, code: "unauthorized",
                          detail: "Authenticate (Basic, or a Bearer session token or API key) to send a body over \(smallBodyBytes) bytes.",
                          headers: ["WWW-Authenticate": "Basic realm=\"postillon\", charset=\"UTF-8\", Bearer"])
        }, smallBodyBytes: smallBodyBytes)
    }

    /// Builds the HTTP server for `configuration`; call `start()` on it. With metrics on, the Prometheus
    /// backend is installed first (once per process).
    package static func buildServer(configuration: Configuration, logger: Logger) throws -> HTTPServer {
        try buildServer(services: AppServices.live(configuration: configuration, logger: logger))
    }

    /// Builds the HTTP server over `services`: the router, behind the CORS policy when one is configured,
    /// observed by the Prometheus metrics when they are on.
    package static func buildServer(services: AppServices) throws -> HTTPServer {
        let configuration = services.configuration
        if configuration.metricsEnabled { ServiceMetrics.bootstrap() }
        let router = try buildRouter(services: services)
        let responder: any HTTPResponder = configuration.cors.isEnabled
            ? CORSResponder(wrapping: router, policy: configuration.cors) : router
        let server = HTTPServer(configuration: configuration.http, responder: responder, logger: services.logger,
                                observer: configuration.metricsEnabled ? HTTPMetricsObserver() : nil)
        if configuration.metricsEnabled {
            ServiceMetrics.watch(server)
            if let hub = services.eventHub { ServiceMetrics.watchEventStreams { hub.openStreams } }
        }
        return server
    }

    /// The server for `--metrics-listen`: `GET /metrics` and nothing else, one event loop, few workers.
    /// - Returns: nil when metrics are off or have no own listener.
    package static func buildMetricsServer(configuration: Configuration, logger: Logger) -> HTTPServer? {
        guard configuration.metricsEnabled, let (host, port) = configuration.metricsListen else { return nil }
        let registry = ServiceMetrics.bootstrap()
        var http = HTTPServerConfiguration(host: host, port: port)
        http.accessLog = false
        http.eventLoops = 1
        http.workerThreads = 2
        http.maxConnections = 64
        let router = Router(routes: [MetricsRoutes.open(registry: registry, refresh: refreshGauges)], logger: logger)
        return HTTPServer(configuration: http, responder: router, logger: logger)
    }

    /// Sets the gauges that are read rather than counted, just before a scrape.
    static let refreshGauges: @Sendable () -> Void = { ServiceMetrics.refreshGauges() }
}
