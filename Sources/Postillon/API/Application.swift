import Logging

/// Assembles the service: routes, static files and the HTTP server, from a configuration.
public enum Application {
    /// Builds the router for `configuration` (tests drive it without sockets).
    /// - Throws: ``SystemError`` when the public directory is missing.
    public static func buildRouter(configuration: Configuration, logger: Logger) throws -> Router {
        let files = try StaticFileHandler(directory: configuration.publicDir)
        var routes = HealthRoutes.routes(configuration: configuration)
        routes.append(Route(.GET, "/api/v1/openapi.json") { context in
            var response = try files.respond(rawPath: "/openapi.json", headers: context.request.headers)
            response.headers.set("Access-Control-Allow-Origin", "*")
            return response
        })

        // Shared by every authenticated route: sign-in sessions, API keys, failed-login counts, idempotency keys.
        let authenticator = Authenticator(
            sessions: SessionStore(idleSeconds: configuration.sessionIdleTimeout, maxAgeSeconds: configuration.sessionMaxAge),
            apiKeys: try configuration.accountsFile.map { try APIKeyStore(file: $0) } ?? APIKeyStore(),
            limiter: LoginRateLimiter(), mailDomain: configuration.mailDomain, trustedProxies: configuration.trustedProxies)
        let idempotency = IdempotencyStore()

        // Sending: POST /api/v1/send over SMTP.
        GMime.initialize()
        let smtp = CurlSMTPClient(settings: UpstreamSettings(
            url: configuration.smtp, caFile: configuration.caFile, insecureSkipVerify: configuration.insecureSkipVerify,
            allowPlaintext: configuration.allowPlaintext, connectTimeout: configuration.upstreamConnectTimeout,
            timeout: configuration.upstreamTimeout), ehloName: configuration.ehloName)
        routes += SendRoutes.routes(authenticator: authenticator, smtp: smtp, idempotency: idempotency,
                                    configuration: configuration, logger: logger)

        return Router(routes: routes, fallback: { context in
            try files.respond(rawPath: context.request.head.path, headers: context.request.headers)
        }, fallbackIsInline: { path in files.isCached(rawPath: path) }, logger: logger)
    }

    /// Builds the HTTP server for `configuration`; call `start()` on it.
    public static func buildServer(configuration: Configuration, logger: Logger) throws -> HTTPServer {
        let router = try buildRouter(configuration: configuration, logger: logger)
        return HTTPServer(configuration: configuration.http, responder: router, logger: logger)
    }
}
