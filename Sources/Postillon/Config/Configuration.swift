import Logging
import PostillonHTTP

/// The whole configuration, read once at start from flags, then `POSTILLON_*` variables, then defaults.
public struct Configuration: Sendable {
    /// HTTP listener, limits and timeouts.
    public var http: HTTPServerConfiguration
    /// The POP3 server every read goes to.
    public var pop3: UpstreamURL
    /// The SMTP server every send goes to.
    public var smtp: UpstreamURL
    /// CA bundle for upstream TLS; nil means the system store.
    public var caFile: String?
    /// Whether pop3:// and smtp:// may run without TLS.
    public var allowPlaintext: Bool
    /// Development only: skip upstream certificate verification.
    public var insecureSkipVerify: Bool
    /// Directory with the web UI and openapi.json.
    public var publicDir: String
    /// API-key accounts file, if any.
    public var accountsFile: String?
    /// Log level.
    public var logLevel: Logger.Level
    /// EHLO name for SMTP.
    public var ehloName: String
    /// Domain added to logins without `@` to form sender addresses.
    public var mailDomain: String
    /// Proxies whose `X-Forwarded-For` is trusted (also in `http.trustedProxies`).
    public var trustedProxies: [IPNetwork] { http.trustedProxies }
    /// Largest JSON body (except sends).
    public var maxBodyBytes: Int
    /// Largest submitted message.
    public var maxSendBytes: Int
    /// Largest message parsed into JSON.
    public var maxParseBytes: Int
    /// Graceful shutdown deadline in milliseconds.
    public var shutdownTimeoutMillis: Int64
    /// Connect (TCP + TLS + login) timeout in seconds.
    public var upstreamConnectTimeout: Int
    /// Whole upstream exchange timeout in seconds.
    public var upstreamTimeout: Int
    /// How long a request waits for its mailbox's session, in milliseconds.
    public var mailboxWaitMillis: Int64
    /// Sign-in token idle lifetime in seconds.
    public var sessionIdleTimeout: Int
    /// Sign-in token absolute lifetime in seconds.
    public var sessionMaxAge: Int
    /// Summary cache capacity.
    public var summaryCacheEntries: Int
    /// Whether the SMTP server is a trusted relay: sends may go without SMTP AUTH (callers are then
    /// proven by a POP3 login). Off by default: no AUTH accepted, no send.
    public var smtpTrustedRelay = false
    /// Which other origins' pages may call the API (off when it lists none).
    package var cors: CORSPolicy = .off
    /// Where sessions, idempotency records, login windows and flags are kept.
    package var state: StateLocation = .sqlite(path: ":memory:")
    /// The key file sealing stored passwords (nil: beside the SQLite database).
    package var secretKeyFile: String?
    /// The key file before a rotation, still accepted for opening.
    package var previousSecretKeyFile: String?
    /// How Postillon logs in to the POP3 server.
    public var pop3AuthMode: POP3AuthMode = .auto
    /// How long a mailbox's POP3 session stays parked for its next request, in milliseconds (0: off).
    public var pop3SessionReuseMillis: Int64 = 5000
    /// Most requests waiting for one mailbox.
    public var mailboxWaiters: Int = 32
    /// Memory for raw messages cached by UIDL, in bytes (0: off).
    public var messageCacheBytes: Int = 64 << 20
    /// Seconds between polls of a watched mailbox (an account may override it).
    package var pollInterval = 60
    /// Delays between webhook attempts.
    package var webhookRetrySchedule = RetrySchedule.standard
    /// Whether webhook URLs may be plain http.
    package var webhookAllowHTTP = false
    /// Internal networks webhooks may reach anyway.
    package var webhookAllowNetworks: [IPNetwork] = []

    /// Whether metrics are collected and served.
    public var metricsEnabled: Bool
    /// The own listener for `/metrics` (host, port), if any.
    public var metricsListen: (host: String, port: Int)?
    /// The operator's bearer token (secret), if any.
    public var operatorToken: String?
    /// Seconds a readiness probe result is reused.
    public var readyCacheSeconds: Int
    /// The effective value of every key that has one, as text (flag, else environment, else default).
    public var resolved: [ConfigKey: String]
    /// Warnings found while loading (mistyped `POSTILLON_*` variables); logged once at start.
    public var warnings: [String]

    /// The configuration as `key = value` lines for `--print-config`, one per key of ``ConfigKey/spec``
    /// in table order; secret values show as `(set, not shown)`.
    public var printable: String {
        ConfigKey.allCases.map { key in
            let value = resolved[key]
            if key.spec.isSecret, let value, !value.isEmpty { return "\(key.rawValue) = (set, not shown)" }
            return "\(key.rawValue) = \(value ?? "(none)")"
        }.joined(separator: "\n")
    }
}
