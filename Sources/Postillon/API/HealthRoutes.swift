import PostillonHTTP
/// `GET /api/v1/health` (liveness) and `GET /api/v1/ready` (upstreams reachable).
enum HealthRoutes {
    struct Health: Encodable {
        let status: String
        let version: String
    }

    struct Readiness: Encodable {
        struct Check: Encodable {
            let name: String
            let ok: Bool
            let detail: String?
        }
        let status: String
        let checks: [Check]
    }

    /// The routes; readiness probes the configured POP3 and SMTP servers over TCP.
    static func routes(configuration: Configuration) -> [Route] {
        let health = JSONBody.response(Health(status: "ok", version: Version.current))
        return [
            Route(.GET, "/api/v1/health", runsInline: true) { _ in health },
            Route(.GET, "/api/v1/ready") { _ in
                let upstreams = [("pop3", configuration.pop3), ("smtp", configuration.smtp)]
                let checks = upstreams.map { name, url in
                    let failure = TCPProbe.check(host: url.host, port: url.port, timeoutMillis: 2000)
                    return Readiness.Check(name: name, ok: failure == nil, detail: failure.map { "\(url.host):\(url.port): \($0)" })
                }
                let ready = checks.allSatisfy(\.ok)
                return JSONBody.response(Readiness(status: ready ? "ready" : "unavailable", checks: checks),
                                         status: ready ? .ok : .serviceUnavailable)
            },
        ]
    }
}
