import Logging
import PostillonHTTP

/// The whole configuration, read once at start from flags, then `POSTILLON_*` variables, then defaults.
package struct Configuration: Sendable {
    /// HTTP listener, limits and timeouts.
    package var http: HTTPServerConfiguration
    /// The POP3 server every read goes to.
    package var pop3: UpstreamURL
    /// The SMTP server every send goes to.
    package var smtp: UpstreamURL
    /// CA bundle for upstream TLS; nil means the system store.
    package var caFile: String?
    /// Whether pop3:// and smtp:// may run without TLS.
    package var allowPlaintext: Bool
    /// Development only: skip upstream certificate verification.
    package var insecureSkipVerify: Bool
    /// Directory with the web UI and openapi.json.
    package var publicDir: String
    /// API-key accounts file, if any.
    package var accountsFile: String?
    /// Log level.
    package var logLevel: Logger.Level
    /// EHLO name for SMTP.
    package var ehloName: String
    /// Domain added to logins without `@` to form sender addresses.
    package var mailDomain: String
    /// Proxies whose `X-Forwarded-For` is trusted (also in `http.trustedProxies`).
    package var trustedProxies: [IPNetwork] { http.trustedProxies }
    /// Largest JSON body (except sends).
    package var maxBodyBytes: Int
    /// Largest submitted message.
    package var maxSendBytes: Int
    /// Largest message parsed into JSON.
    package var maxParseBytes: Int
    /// Graceful shutdown deadline in milliseconds.
    package var shutdownTimeoutMillis: Int64
    /// Connect (TCP + TLS + login) timeout in seconds.
    package var upstreamConnectTimeout: Int
    /// Whole upstream exchange timeout in seconds.
    package var upstreamTimeout: Int
    /// How long a request waits for its mailbox's session, in milliseconds.
    package var mailboxWaitMillis: Int64
    /// Sign-in token idle lifetime in seconds.
    package var sessionIdleTimeout: Int
    /// Sign-in token absolute lifetime in seconds.
    package var sessionMaxAge: Int
    /// Summary cache capacity.
    package var summaryCacheEntries: Int
    /// Whether the SMTP server is a trusted relay: sends may go without SMTP AUTH (callers are then
    /// proven by a POP3 login). Off by default: no AUTH accepted, no send.
    package var smtpTrustedRelay = false
    /// Mailboxes whose summary index is completed in the background at once (0: none).
    package var indexJobs = 2
    /// Which other origins' pages may call the API (off when it lists none).
    package var cors: CORSPolicy = .off
    /// Where sessions, idempotency records, login windows and flags are kept.
    package var state: StateLocation = .sqlite(path: ":memory:")
    /// The key file sealing stored passwords (nil: beside the SQLite database).
    package var secretKeyFile: String?
    /// The key file before a rotation, still accepted for opening.
    package var previousSecretKeyFile: String?
    /// How Postillon logs in to the POP3 server.
    package var pop3AuthMode: POP3AuthMode = .auto
    /// How long a mailbox's POP3 session stays parked for its next request, in milliseconds (0: off).
    package var pop3SessionReuseMillis: Int64 = 5000
    /// Most requests waiting for one mailbox.
    package var mailboxWaiters: Int = 32
    /// Memory for raw messages cached by UIDL, in bytes (0: off).
    package var messageCacheBytes: Int = 64 << 20
    /// Seconds between polls of a watched mailbox (an account may override it).
    package var pollInterval = 60
    /// Seconds between polls of a signed-in user's mailbox; 0 = signed-in users are not watched.
    package var sessionPollInterval = 60
    /// Delays between webhook attempts.
    package var webhookRetrySchedule = RetrySchedule.standard
    /// Whether webhook URLs may be plain http.
    package var webhookAllowHTTP = false
    /// Internal networks webhooks may reach anyway.
    package var webhookAllowNetworks: [IPNetwork] = []
    /// Seconds between heartbeat comments on an idle event stream.
    package var eventsHeartbeat = 15
    /// Most open event streams in this process.
    package var eventsMaxStreams = 2000
    /// Most open event streams per account.
    package var eventsMaxStreamsPerAccount = 5

    /// Whether metrics are collected and served.
    package var metricsEnabled: Bool
    /// The own listener for `/metrics` (host, port), if any.
    package var metricsListen: (host: String, port: Int)?
    /// The operator's bearer token (secret), if any.
    package var operatorToken: String?
    /// Seconds a readiness probe result is reused.
    package var readyCacheSeconds: Int
    /// The effective value of every key that has one, as text (flag, else environment, else default).
    package var resolved: [ConfigKey: String]
    /// Warnings found while loading (mistyped `POSTILLON_*` variables); logged once at start.
    package var warnings: [String]

    /// The configuration as `key = value` lines for `--print-config`, one per key of ``ConfigKey/spec``
    /// in table order; secret values show as `(set, not shown)`.
    package var printable: String {
        ConfigKey.allCases.map { key in
            let value = resolved[key]
            if key.spec.isSecret, let value, !value.isEmpty { return "\(key.rawValue) = (set, not shown)" }
            return "\(key.rawValue) = \(value ?? "(none)")"
        }.joined(separator: "\n")
    }
}
