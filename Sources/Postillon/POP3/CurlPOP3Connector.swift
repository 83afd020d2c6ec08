import PostillonHTTP
import CCurl
import Synchronization

/// Opens POP3 sessions with libcurl for the transport only: with `CURLOPT_CONNECT_ONLY` and no
/// credentials libcurl connects, reads the greeting and CAPA, negotiates TLS (implicit or STLS),
/// reads CAPA again and stops before any login. The login is ours (``POP3Login``): libcurl would
/// choose APOP by itself whenever the greeting has a timestamp, which locks users out of servers
/// whose APOP secret is not the login password (GNU mailutils, solid-pop3d).
package final class CurlPOP3Connector: POP3Connector {
    private let settings: UpstreamSettings
    private let authMode: POP3AuthMode
    private let logins = Atomic<Int>(0)

    /// Creates a connector for the configured server.
    package init(settings: UpstreamSettings, authMode: POP3AuthMode = .auto) {
        self.settings = settings
        self.authMode = authMode
    }

    /// Logins the server accepted so far (tests check that a bulk operation used one).
    package var loginCount: Int { logins.load(ordering: .relaxed) }

    /// Commands libcurl itself may send before handing the connection over; anything else (`AUTH`,
    /// `USER`, `PASS`, `APOP`) would mean libcurl logged in on its own.
    static let transportVerbs: Set<String> = ["CAPA", "STLS"]

    package func connect(_ credentials: Credentials) throws -> any POP3Session {
        try open(credentials)
    }

    package func connect(_ credentials: Credentials, deadlineMillis: Int64?) throws -> any POP3Session {
        try open(credentials, deadlineMillis: deadlineMillis)
    }

    /// Opens the connection and prepares the login; with PIPELINING the login goes out with the
    /// session's first commands, otherwise it runs here.
    /// - Parameter deadlineMillis: when set, connect, TLS and login must also be done by then (a
    ///   request's remaining budget), and the session keeps that bound.
    func open(_ credentials: Credentials, deadlineMillis: Int64? = nil) throws -> CurlPOP3Session {
        let easy = try CurlEasy()
        try easy.configure(settings, username: nil, password: nil)
        if let deadlineMillis {
            // The millisecond options override the configured seconds; at least 1 ms (0 means "none").
            let left = max(1, min(deadlineMillis - MonotonicClock.nowMillis(), Int64(settings.timeout) * 1000))
            try easy.set(CURLOPT_TIMEOUT_MS, Int(left))
            try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(min(left, Int64(settings.connectTimeout) * 1000)))
        }
        try easy.set(CURLOPT_CONNECT_ONLY, 1)
        try easy.perform()
        let sent = easy.transcript.sentVerbs
        guard sent.allSatisfy({ Self.transportVerbs.contains($0) }) else {
            throw POP3Error.protocolViolation("libcurl sent \(sent.joined(separator: ", ")) before the login")
        }
        let capabilities = POP3Capabilities(easy.transcript.capabilities)
        let login = try POP3Login.make(credentials: credentials, greeting: easy.transcript.greeting ?? "",
                                       capabilities: capabilities, mode: authMode)
        let session = try CurlPOP3Session(easy: easy, login: login, capabilities: capabilities,
                                          timeoutMillis: Int64(settings.timeout) * 1000) { [self] in
            self.logins.wrappingAdd(1, ordering: .relaxed)
        }
        var phases = easy.phases(restPhase: "login")
        session.limitWaits(until: deadlineMillis)
        if !(capabilities.pipelining && login.pipelinable) {
            let started = MonotonicClock.nowNanos()
            do {
                try session.authenticate()
            } catch {
                session.abort()
                throw error
            }
            phases.restNanoseconds += Int64(MonotonicClock.nowNanos() &- started)
        }
        // "login" is CAPA (and STLS) plus, unless pipelined with the first commands, the login itself.
        ServiceMetrics.pop3Connected(phases)
        return session
    }
}
