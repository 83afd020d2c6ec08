import CCurl
import Synchronization

/// Opens POP3 sessions with libcurl: `CURLOPT_CONNECT_ONLY` makes libcurl connect, negotiate TLS
/// (implicit or STLS), read CAPA and log in (USER/PASS or SASL as offered); our engine takes it from there.
public final class CurlPOP3Connector: POP3Connector {
    private let settings: UpstreamSettings
    private let logins = Atomic<Int>(0)

    /// Creates a connector for the configured server.
    public init(settings: UpstreamSettings) {
        self.settings = settings
    }

    /// Successful logins so far (tests check that a bulk operation used one).
    public var loginCount: Int { logins.load(ordering: .relaxed) }

    public func connect(_ credentials: Credentials) throws -> any POP3Session {
        let easy = try CurlEasy()
        try easy.configure(settings, username: credentials.username, password: credentials.password)
        try easy.set(CURLOPT_CONNECT_ONLY, 1)
        do {
            try easy.perform()
        } catch let error as CurlError where error.kind == .loginDenied {
            throw POP3Error.loginRefused(error.serverResponse.flatMap { POP3Status.parse($0) })
        }
        ServiceMetrics.pop3Connected(easy.phases(restPhase: "login"))
        logins.wrappingAdd(1, ordering: .relaxed)
        return try CurlPOP3Session(easy: easy, timeoutMillis: Int64(settings.timeout) * 1000)
    }
}
