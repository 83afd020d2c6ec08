import Foundation

/// Every configuration key, with one naming scheme: flag `--pop3-url` <-> `POSTILLON_POP3_URL`.
///
/// ``spec`` is the one table of defaults, help texts, switches and secrets; nothing else lists keys.
package enum ConfigKey: String, CaseIterable, Sendable {
    case listen
    case pop3URL = "pop3-url"
    case smtpURL = "smtp-url"
    case caFile = "ca-file"
    case allowPlaintext = "allow-plaintext"
    case insecureSkipVerify = "insecure-skip-verify"
    case publicDir = "public-dir"
    case accountsFile = "accounts-file"
    case logLevel = "log-level"
    case accessLog = "access-log"
    case logFormat = "log-format"
    case ehloName = "ehlo-name"
    case mailDomain = "mail-domain"
    case trustedProxies = "trusted-proxies"
    case maxConnections = "max-connections"
    case workers
    case eventLoops = "event-loops"
    case maxHeaderBytes = "max-header-bytes"
    case maxBodyBytes = "max-body-bytes"
    case maxSendBytes = "max-send-bytes"
    case maxParseBytes = "max-parse-bytes"
    case headerTimeout = "header-timeout"
    case idleTimeout = "idle-timeout"
    case shutdownTimeout = "shutdown-timeout"
    case upstreamConnectTimeout = "upstream-connect-timeout"
    case upstreamTimeout = "upstream-timeout"
    case mailboxWait = "mailbox-wait"
    case sessionIdleTimeout = "session-idle-timeout"
    case sessionMaxAge = "session-max-age"
    case summaryCacheEntries = "summary-cache-entries"
    case indexJobs = "index-jobs"
    case smtpTrustedRelay = "smtp-trusted-relay"
    case corsOrigins = "cors-origins"
    case state
    case secretKeyFile = "secret-key-file"
    case previousSecretKeyFile = "previous-secret-key-file"
    case pop3Auth = "pop3-auth"
    case pop3SessionReuse = "pop3-session-reuse"
    case mailboxWaiters = "mailbox-waiters"
    case messageCacheBytes = "message-cache-bytes"
    case pollInterval = "poll-interval"
    case sessionPollInterval = "session-poll-interval"
    case webhookRetrySchedule = "webhook-retry-schedule"
    case webhookAllowHTTP = "webhook-allow-http"
    case webhookAllowNetworks = "webhook-allow-networks"
    case eventsHeartbeat = "events-heartbeat"
    case eventsMaxStreams = "events-max-streams"
    case eventsMaxStreamsPerAccount = "events-max-streams-per-account"
    case metrics
    case metricsListen = "metrics-listen"
    case operatorToken = "operator-token"
    case readyCacheSeconds = "ready-cache"

    /// The command-line flag, for example `--pop3-url`.
    package var flag: String { "--" + rawValue }

    /// The environment variable, for example `POSTILLON_POP3_URL`.
    package var environmentName: String { "POSTILLON_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The default as text, or nil when the key is unset by default.
    package var defaultValue: String? { spec.defaultValue }

    /// One line of help for `--help` and the README.
    package var help: String { spec.help }

    /// Whether the key is a boolean switch (a flag without a value).
    package var isSwitch: Bool { spec.isSwitch }

    /// The one table: default, help text, switch and secret, per key.
    package var spec: ConfigKeySpec {
        switch self {
        case .listen: ConfigKeySpec("127.0.0.1:8080", "Address to listen on, host:port ([::1]:8080 for IPv6).")
        case .pop3URL: ConfigKeySpec("pop3s://127.0.0.1:995", "POP3 server: pop3s://host:995 (implicit TLS) or pop3://host:110 (STLS required unless --allow-plaintext).")
        case .smtpURL: ConfigKeySpec("smtp://127.0.0.1:587", "SMTP server: smtps://host:465 (implicit TLS) or smtp://host:587 (STARTTLS required unless --allow-plaintext).")
        case .caFile: ConfigKeySpec(nil, "PEM file with the CA certificates that sign the mail servers' certificates (default: system store).")
        case .allowPlaintext: ConfigKeySpec("false", "Allow pop3:// and smtp:// without TLS. Only for servers on loopback or a trusted network.", isSwitch: true)
        case .insecureSkipVerify: ConfigKeySpec("false", "DEVELOPMENT ONLY: do not verify upstream TLS certificates.", isSwitch: true)
        case .publicDir: ConfigKeySpec("Public", "Directory with the web UI and openapi.json.")
        case .accountsFile: ConfigKeySpec(nil, "JSON file of API-key accounts: [{name, keySha256, username, password, address, watch?, pollInterval?, webhooks?}] (see README).")
        case .logLevel: ConfigKeySpec("info", "trace, debug, info, notice, warning, error or critical.")
        case .accessLog: ConfigKeySpec("true", "Log one line per request (true/false).")
        case .logFormat: ConfigKeySpec("text", "Access-log line format: text, or json (JSON lines, adding user_agent and account) for log shippers.")
        case .ehloName: ConfigKeySpec("postillon.localhost", "Name Postillon gives in SMTP EHLO.")
        case .mailDomain: ConfigKeySpec(nil, "Domain appended to a login without '@' to form the sender address (default: the POP3 host).")
        case .trustedProxies: ConfigKeySpec("", "Comma-separated proxy addresses or CIDR networks whose X-Forwarded-For is believed for rate limits and logs.")
        case .maxConnections: ConfigKeySpec("10000", "Most simultaneous client connections.")
        case .workers: ConfigKeySpec("64", "Worker threads for requests that wait on mail servers.")
        case .eventLoops: ConfigKeySpec("2", "Event loop threads (epoll).")
        case .maxHeaderBytes: ConfigKeySpec("32768", "Largest request header block in bytes.")
        case .maxBodyBytes: ConfigKeySpec("1048576", "Largest JSON request body in bytes for sign-in and bulk delete (sends have --max-send-bytes).")
        case .maxSendBytes: ConfigKeySpec("26214400", "Largest message submitted with POST /send, in bytes.")
        case .maxParseBytes: ConfigKeySpec("52428800", "Largest message parsed for GET /messages/{id}; larger ones are still available raw.")
        case .headerTimeout: ConfigKeySpec("10", "Seconds a client has to send a request head.")
        case .idleTimeout: ConfigKeySpec("60", "Seconds an idle keep-alive connection stays open.")
        case .shutdownTimeout: ConfigKeySpec("25", "Seconds in-flight requests get to finish on SIGTERM.")
        case .upstreamConnectTimeout: ConfigKeySpec("20", "Seconds to connect to a mail server (TCP + TLS + login).")
        case .upstreamTimeout: ConfigKeySpec("60", "Seconds a whole mail-server exchange may take.")
        case .mailboxWait: ConfigKeySpec("15", "Seconds a request waits for another request's session on the same mailbox before 503.")
        case .sessionIdleTimeout: ConfigKeySpec("1800", "Seconds a sign-in token lives without use.")
        case .sessionMaxAge: ConfigKeySpec("43200", "Seconds a sign-in token lives at most.")
        case .summaryCacheEntries: ConfigKeySpec("50000", "Message summaries kept in memory across all mailboxes.")
        case .indexJobs: ConfigKeySpec("2", "Mailboxes whose search index is completed in the background at once (pipelined TOP, 100 a round; 0: only pages the user views are indexed).")
        case .smtpTrustedRelay: ConfigKeySpec("false", "The SMTP server relays for Postillon without AUTH: a send is then allowed without SMTP AUTH, " + "after a POP3 login proved a Basic caller's password. Off: a send stops before MAIL FROM unless the server accepted AUTH.", isSwitch: true)
        case .corsOrigins: ConfigKeySpec("", "Comma-separated exact origins (https://app.example.org) whose pages may call the API (CORS); empty: none.")
        case .state: ConfigKeySpec("sqlite:/var/lib/postillon/state.db", "State store (sessions, idempotency, login limits, flags): sqlite:/path/state.db, or postgres://user@host/db for replicas.")
        case .secretKeyFile: ConfigKeySpec(nil, "Key that encrypts stored passwords (base64 of 32 bytes). SQLite: created 0600 beside the database if unset. PostgreSQL: required.")
        case .previousSecretKeyFile: ConfigKeySpec(nil, "The key before a rotation: sessions sealed with it still open and are resealed with the new key.")
        case .pop3Auth: ConfigKeySpec("auto", "POP3 login: auto (AUTH PLAIN when offered, else USER/PASS) or apop (APOP when the greeting has a timestamp).")
        case .pop3SessionReuse: ConfigKeySpec("5", "Seconds a mailbox's POP3 session stays open for its next request (0: off; longer for a server LOGIN-DELAY).")
        case .mailboxWaiters: ConfigKeySpec("32", "Most requests waiting for one mailbox's session; more get 503 mailbox_busy at once.")
        case .messageCacheBytes: ConfigKeySpec("67108864", "Memory for raw messages cached by UIDL (0: off); served only to credentials a login proved in the last minute.")
        case .pollInterval: ConfigKeySpec("60", "Seconds between polls of a watched mailbox (accounts file: pollInterval per account); never below the server's LOGIN-DELAY.")
        case .sessionPollInterval: ConfigKeySpec("60", "Seconds between polls of a signed-in user's mailbox, watched while a session lives (feeds the live event stream); 0 = do not watch signed-in users.")
        case .webhookRetrySchedule: ConfigKeySpec(RetrySchedule.standard.text, "Seconds to wait after each failed webhook attempt, comma-separated; after the last the delivery is failed.")
        case .webhookAllowHTTP: ConfigKeySpec("false", "Allow plain http:// webhook URLs (default: https only).", isSwitch: true)
        case .webhookAllowNetworks: ConfigKeySpec("", "Comma-separated addresses or CIDR networks webhooks may reach although loopback, private or link-local.")
        case .eventsHeartbeat: ConfigKeySpec("15", "Seconds between keep-alive comments on an idle GET /api/v1/events stream (keep a proxy's read timeout above it).")
        case .eventsMaxStreams: ConfigKeySpec("2000", "Most open event streams (GET /api/v1/events) in this process; more get 503 event_streams_exhausted.")
        case .eventsMaxStreamsPerAccount: ConfigKeySpec("5", "Most open event streams per account; more get 429 too_many_event_streams.")
        case .metrics: ConfigKeySpec("true", "Collect metrics (true/false); false makes every instrument a no-op and /metrics answer 404.")
        case .metricsListen: ConfigKeySpec(nil, "Own listener for GET /metrics, host:port (e.g. 127.0.0.1:9464), without authentication. (default: none; /metrics on --listen needs --operator-token)")
        case .operatorToken: ConfigKeySpec(nil, "Bearer token for operators: /metrics on --listen and upstream details in /api/v1/ready. Set it through the environment: flags show in ps. (default: none)", isSecret: true)
        case .readyCacheSeconds: ConfigKeySpec("5", "Seconds a readiness probe result is reused, so /api/v1/ready cannot be used to flood the mail servers.")
        }
    }
}
