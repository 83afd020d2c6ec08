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

    /// The configuration as `key = value` lines for `--print-config`; nothing here is secret,
    /// but the accounts file's contents never appear.
    public var printable: String {
        var lines: [String] = []
        lines.append("listen = \(http.host.contains(":") ? "[\(http.host)]" : http.host):\(http.port)")
        lines.append("pop3-url = \(pop3)")
        lines.append("smtp-url = \(smtp)")
        lines.append("ca-file = \(caFile ?? "(system)")")
        lines.append("allow-plaintext = \(allowPlaintext)")
        lines.append("insecure-skip-verify = \(insecureSkipVerify)")
        lines.append("public-dir = \(publicDir)")
        lines.append("accounts-file = \(accountsFile ?? "(none)")")
        lines.append("log-level = \(logLevel)")
        lines.append("access-log = \(http.accessLog)")
        lines.append("log-format = \(http.accessLogFormat.rawValue)")
        lines.append("ehlo-name = \(ehloName)")
        lines.append("mail-domain = \(mailDomain)")
        lines.append("trusted-proxies = \(trustedProxies.map(\.description).joined(separator: ","))")
        lines.append("max-connections = \(http.maxConnections)")
        lines.append("workers = \(http.workerThreads)")
        lines.append("event-loops = \(http.eventLoops)")
        lines.append("max-header-bytes = \(http.parserLimits.maxHeaderBytes)")
        lines.append("max-body-bytes = \(maxBodyBytes)")
        lines.append("max-send-bytes = \(maxSendBytes)")
        lines.append("max-parse-bytes = \(maxParseBytes)")
        lines.append("header-timeout = \(http.headerTimeoutMillis / 1000)")
        lines.append("idle-timeout = \(http.idleTimeoutMillis / 1000)")
        lines.append("shutdown-timeout = \(shutdownTimeoutMillis / 1000)")
        lines.append("upstream-connect-timeout = \(upstreamConnectTimeout)")
        lines.append("upstream-timeout = \(upstreamTimeout)")
        lines.append("mailbox-wait = \(mailboxWaitMillis / 1000)")
        lines.append("session-idle-timeout = \(sessionIdleTimeout)")
        lines.append("session-max-age = \(sessionMaxAge)")
        lines.append("summary-cache-entries = \(summaryCacheEntries)")
        lines.append("smtp-trusted-relay = \(smtpTrustedRelay)")
        lines.append("cors-origins = \(cors.origins.sorted().joined(separator: ","))")
        lines.append("state = \(state)")
        lines.append("secret-key-file = \(secretKeyFile ?? "(beside the SQLite database)")")
        lines.append("previous-secret-key-file = \(previousSecretKeyFile ?? "(none)")")
        lines.append("pop3-auth = \(pop3AuthMode.rawValue)")
        lines.append("pop3-session-reuse = \(pop3SessionReuseMillis / 1000)")
        lines.append("mailbox-waiters = \(mailboxWaiters)")
        lines.append("message-cache-bytes = \(messageCacheBytes)")
        lines.append("poll-interval = \(pollInterval)")
        lines.append("webhook-retry-schedule = \(webhookRetrySchedule.text)")
        lines.append("webhook-allow-http = \(webhookAllowHTTP)")
        lines.append("webhook-allow-networks = \(webhookAllowNetworks.map(\.description).joined(separator: ","))")
        return lines.joined(separator: "\n")
    }
}
