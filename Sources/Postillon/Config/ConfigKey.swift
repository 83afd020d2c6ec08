import Foundation

/// Every configuration key, with one naming scheme: flag `--pop3-url` <-> `POSTILLON_POP3_URL`.
public enum ConfigKey: String, CaseIterable, Sendable {
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
    case webhookRetrySchedule = "webhook-retry-schedule"
    case webhookAllowHTTP = "webhook-allow-http"
    case webhookAllowNetworks = "webhook-allow-networks"

    /// The command-line flag, for example `--pop3-url`.
    public var flag: String { "--" + rawValue }

    /// The environment variable, for example `POSTILLON_POP3_URL`.
    public var environmentName: String { "POSTILLON_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }

    /// The default as text, or nil when the key is unset by default.
    public var defaultValue: String? {
        switch self {
        case .listen: return "127.0.0.1:8080"
        case .pop3URL: return "pop3s://127.0.0.1:995"
        case .smtpURL: return "smtp://127.0.0.1:587"
        case .caFile, .accountsFile, .mailDomain: return nil
        case .allowPlaintext, .insecureSkipVerify: return "false"
        case .publicDir: return "Public"
        case .logLevel: return "info"
        case .accessLog: return "true"
        case .logFormat: return "text"
        case .ehloName: return "postillon.localhost"
        case .trustedProxies: return ""
        case .maxConnections: return "10000"
        case .workers: return "64"
        case .eventLoops: return "2"
        case .maxHeaderBytes: return "32768"
        case .maxBodyBytes: return "1048576"
        case .maxSendBytes: return "26214400"
        case .maxParseBytes: return "52428800"
        case .headerTimeout: return "10"
        case .idleTimeout: return "60"
        case .shutdownTimeout: return "25"
        case .upstreamConnectTimeout: return "20"
        case .upstreamTimeout: return "60"
        case .mailboxWait: return "15"
        case .sessionIdleTimeout: return "1800"
        case .sessionMaxAge: return "43200"
        case .summaryCacheEntries: return "50000"
        case .smtpTrustedRelay: return "false"
        case .corsOrigins: return ""
        case .state: return "sqlite:/var/lib/postillon/state.db"
        case .secretKeyFile, .previousSecretKeyFile: return nil
        case .pop3Auth: return "auto"
        case .pop3SessionReuse: return "5"
        case .mailboxWaiters: return "32"
        case .messageCacheBytes: return "67108864"
        case .pollInterval: return "60"
        case .webhookRetrySchedule: return RetrySchedule.standard.text
        case .webhookAllowHTTP: return "false"
        case .webhookAllowNetworks: return ""
        }
    }

    /// One line of help for `--help` and the README.
    public var help: String {
        switch self {
        case .listen: return "Address to listen on, host:port ([::1]:8080 for IPv6)."
        case .pop3URL: return "POP3 server: pop3s://host:995 (implicit TLS) or pop3://host:110 (STLS required unless --allow-plaintext)."
        case .smtpURL: return "SMTP server: smtps://host:465 (implicit TLS) or smtp://host:587 (STARTTLS required unless --allow-plaintext)."
        case .caFile: return "PEM file with the CA certificates that sign the mail servers' certificates (default: system store)."
        case .allowPlaintext: return "Allow pop3:// and smtp:// without TLS. Only for servers on loopback or a trusted network."
        case .insecureSkipVerify: return "DEVELOPMENT ONLY: do not verify upstream TLS certificates."
        case .publicDir: return "Directory with the web UI and openapi.json."
        case .accountsFile: return "JSON file of API-key accounts: [{name, keySha256, username, password, address}] (see README)."
        case .logLevel: return "trace, debug, info, notice, warning, error or critical."
        case .accessLog: return "Log one line per request (true/false)."
        case .logFormat: return "Access-log line format: text, or json (JSON lines, adding user_agent and account) for log shippers."
        case .ehloName: return "Name Postillon gives in SMTP EHLO."
        case .mailDomain: return "Domain appended to a login without '@' to form the sender address (default: the POP3 host)."
        case .trustedProxies: return "Comma-separated proxy addresses or CIDR networks whose X-Forwarded-For is believed for rate limits and logs."
        case .maxConnections: return "Most simultaneous client connections."
        case .workers: return "Worker threads for requests that wait on mail servers."
        case .eventLoops: return "Event loop threads (epoll)."
        case .maxHeaderBytes: return "Largest request header block in bytes."
        case .maxBodyBytes: return "Largest JSON request body in bytes for sign-in and bulk delete (sends have --max-send-bytes)."
        case .maxSendBytes: return "Largest message submitted with POST /send, in bytes."
        case .maxParseBytes: return "Largest message parsed for GET /messages/{id}; larger ones are still available raw."
        case .headerTimeout: return "Seconds a client has to send a request head."
        case .idleTimeout: return "Seconds an idle keep-alive connection stays open."
        case .shutdownTimeout: return "Seconds in-flight requests get to finish on SIGTERM."
        case .upstreamConnectTimeout: return "Seconds to connect to a mail server (TCP + TLS + login)."
        case .upstreamTimeout: return "Seconds a whole mail-server exchange may take."
        case .mailboxWait: return "Seconds a request waits for another request's session on the same mailbox before 503."
        case .sessionIdleTimeout: return "Seconds a sign-in token lives without use."
        case .sessionMaxAge: return "Seconds a sign-in token lives at most."
        case .summaryCacheEntries: return "Message summaries kept in memory across all mailboxes."
        case .smtpTrustedRelay:
            return "The SMTP server relays for Postillon without AUTH: a send is then allowed without SMTP AUTH, "
                + "after a POP3 login proved a Basic caller's password. Off: a send stops before MAIL FROM unless the server accepted AUTH."
        case .corsOrigins: return "Comma-separated exact origins (https://app.example.org) whose pages may call the API (CORS); empty: none."
        case .state: return "State store (sessions, idempotency, login limits, flags): sqlite:/path/state.db, or postgres://user@host/db for replicas."
        case .secretKeyFile: return "Key that encrypts stored passwords (base64 of 32 bytes). SQLite: created 0600 beside the database if unset. PostgreSQL: required."
        case .previousSecretKeyFile: return "The key before a rotation: sessions sealed with it still open and are resealed with the new key."
        case .pop3Auth: return "POP3 login: auto (AUTH PLAIN when offered, else USER/PASS) or apop (APOP when the greeting has a timestamp)."
        case .pop3SessionReuse: return "Seconds a mailbox's POP3 session stays open for its next request (0: off; longer for a server LOGIN-DELAY)."
        case .mailboxWaiters: return "Most requests waiting for one mailbox's session; more get 503 mailbox_busy at once."
        case .messageCacheBytes: return "Memory for raw messages cached by UIDL (0: off); served only to credentials a login proved in the last minute."
        case .pollInterval: return "Seconds between polls of a watched mailbox (accounts file: pollInterval per account); never below the server's LOGIN-DELAY."
        case .webhookRetrySchedule: return "Seconds to wait after each failed webhook attempt, comma-separated; after the last the delivery is failed."
        case .webhookAllowHTTP: return "Allow plain http:// webhook URLs (default: https only)."
        case .webhookAllowNetworks: return "Comma-separated addresses or CIDR networks webhooks may reach although loopback, private or link-local."
        }
    }

    /// Whether the key is a boolean switch (a flag without a value).
    public var isSwitch: Bool { [.allowPlaintext, .insecureSkipVerify, .smtpTrustedRelay, .webhookAllowHTTP].contains(self) }
}
