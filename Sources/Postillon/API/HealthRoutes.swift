import Logging
import PostillonHTTP

/// `GET /api/v1/health` (liveness, trivial) and `GET /api/v1/ready` (cached TCP + TLS probes of both
/// mail servers, see ``ReadinessChecker``).
enum HealthRoutes {
    struct Health: Encodable {
        let status: String
        let version: String
    }

    struct Readiness: Encodable {
        struct Check: Encodable {
            let name: String
            let ok: Bool
            /// `ok`, `failing` or `pending` (no probe has finished yet).
            let state: String
            /// Seconds since the result was measured.
            let ageSeconds: Double?
            /// Why it fails: `tls_failed`, `unreachable`, `timeout`, `upstream_error`.
            let code: String?
            /// Operators only: the server probed and libcurl's reason.
            let upstream: String?
            let detail: String?
        }
        let status: String
        let checks: [Check]
    }

    /// The routes. Host details in `/ready` go only to operators (``OperatorAccess``).
    static func routes(configuration: Configuration, readiness: ReadinessChecker) -> [Route] {
        let health = JSONBody.response(Health(status: "ok", version: Version.current))
        return [
            Route(.GET, "/api/v1/health", runsInline: true) { _ in health },
            Route(.GET, "/api/v1/ready", pool: WorkerPoolName.probe) { context in
                let operatorView = OperatorAccess.isOperator(context.request, token: configuration.operatorToken)
                let checks = readiness.reports().map { report in
                    Readiness.Check(name: report.name, ok: report.ok, state: report.state,
                                    ageSeconds: report.ageMillis.map { Double($0) / 1000 }, code: report.outcome?.code,
                                    upstream: operatorView ? report.upstream : nil, detail: operatorView ? report.outcome?.detail : nil)
                }
                let ready = checks.allSatisfy(\.ok)
                return JSONBody.response(Readiness(status: ready ? "ready" : "unavailable", checks: checks),
                                         status: ready ? .ok : .serviceUnavailable)
            },
        ]
    }
}
