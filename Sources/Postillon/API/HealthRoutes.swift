import Logging
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
            Route(.GET, "/api/v1/ready") { context in
                let upstreams = [("pop3", configuration.pop3), ("smtp", configuration.smtp)]
                let checks = upstreams.map { name, url in
                    let failure = TCPProbe.check(host: url.host, port: url.port, timeoutMillis: 2000)
                    // Anyone may ask: host, port and errno go to the log, not into the answer.
                    if let failure {
                        context.logger.warning("readiness check failed", metadata: ["upstream": .string(name),
                                                                                     "error": .string("\(url.host):\(url.port): \(failure)")])
                    }
                    return Readiness.Check(name: name, ok: failure == nil, detail: failure.map { _ in "not reachable" })
                }
                let ready = checks.allSatisfy(\.ok)
                return JSONBody.response(Readiness(status: ready ? "ready" : "unavailable", checks: checks),
                                         status: ready ? .ok : .serviceUnavailable)
            },
        ]
    }
}
