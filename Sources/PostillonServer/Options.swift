import ArgumentParser
import Postillon

/// Command-line options, one per configuration key (flag `--pop3-url` <-> `POSTILLON_POP3_URL`).
struct Options: ParsableArguments {
    @Option(name: .customLong("listen"), help: help(.listen))
    var listen: String?

    @Option(name: .customLong("pop3-url"), help: help(.pop3URL))
    var pop3URL: String?

    @Option(name: .customLong("smtp-url"), help: help(.smtpURL))
    var smtpURL: String?

    @Option(name: .customLong("ca-file"), help: help(.caFile))
    var caFile: String?

    @Flag(name: .customLong("allow-plaintext"), help: help(.allowPlaintext))
    var allowPlaintext: Bool = false

    @Flag(name: .customLong("insecure-skip-verify"), help: help(.insecureSkipVerify))
    var insecureSkipVerify: Bool = false

    @Option(name: .customLong("public-dir"), help: help(.publicDir))
    var publicDir: String?

    @Option(name: .customLong("accounts-file"), help: help(.accountsFile))
    var accountsFile: String?

    @Option(name: .customLong("log-level"), help: help(.logLevel))
    var logLevel: String?

    @Option(name: .customLong("access-log"), help: help(.accessLog))
    var accessLog: String?

    @Option(name: .customLong("log-format"), help: help(.logFormat))
    var logFormat: String?

    @Option(name: .customLong("ehlo-name"), help: help(.ehloName))
    var ehloName: String?

    @Option(name: .customLong("mail-domain"), help: help(.mailDomain))
    var mailDomain: String?

    @Option(name: .customLong("trusted-proxies"), help: help(.trustedProxies))
    var trustedProxies: String?

    @Option(name: .customLong("max-connections"), help: help(.maxConnections))
    var maxConnections: String?

    @Option(name: .customLong("workers"), help: help(.workers))
    var workers: String?

    @Option(name: .customLong("event-loops"), help: help(.eventLoops))
    var eventLoops: String?

    @Option(name: .customLong("max-header-bytes"), help: help(.maxHeaderBytes))
    var maxHeaderBytes: String?

    @Option(name: .customLong("max-body-bytes"), help: help(.maxBodyBytes))
    var maxBodyBytes: String?

    @Option(name: .customLong("max-send-bytes"), help: help(.maxSendBytes))
    var maxSendBytes: String?

    @Option(name: .customLong("max-parse-bytes"), help: help(.maxParseBytes))
    var maxParseBytes: String?

    @Option(name: .customLong("header-timeout"), help: help(.headerTimeout))
    var headerTimeout: String?

    @Option(name: .customLong("idle-timeout"), help: help(.idleTimeout))
    var idleTimeout: String?

    @Option(name: .customLong("shutdown-timeout"), help: help(.shutdownTimeout))
    var shutdownTimeout: String?

    @Option(name: .customLong("upstream-connect-timeout"), help: help(.upstreamConnectTimeout))
    var upstreamConnectTimeout: String?

    @Option(name: .customLong("upstream-timeout"), help: help(.upstreamTimeout))
    var upstreamTimeout: String?

    @Option(name: .customLong("mailbox-wait"), help: help(.mailboxWait))
    var mailboxWait: String?

    @Option(name: .customLong("session-idle-timeout"), help: help(.sessionIdleTimeout))
    var sessionIdleTimeout: String?

    @Option(name: .customLong("session-max-age"), help: help(.sessionMaxAge))
    var sessionMaxAge: String?

    @Option(name: .customLong("summary-cache-entries"), help: help(.summaryCacheEntries))
    var summaryCacheEntries: String?

    @Flag(name: .customLong("smtp-trusted-relay"), help: help(.smtpTrustedRelay))
    var smtpTrustedRelay: Bool = false
    @Option(name: .customLong("cors-origins"), help: help(.corsOrigins))
    var corsOrigins: String?
    @Option(name: .customLong("state"), help: help(.state))
    var state: String?

    @Option(name: .customLong("secret-key-file"), help: help(.secretKeyFile))
    var secretKeyFile: String?

    @Option(name: .customLong("previous-secret-key-file"), help: help(.previousSecretKeyFile))
    var previousSecretKeyFile: String?
    @Option(name: .customLong("pop3-auth"), help: help(.pop3Auth))
    var pop3Auth: String?

    @Option(name: .customLong("pop3-session-reuse"), help: help(.pop3SessionReuse))
    var pop3SessionReuse: String?

    @Option(name: .customLong("mailbox-waiters"), help: help(.mailboxWaiters))
    var mailboxWaiters: String?

    @Option(name: .customLong("message-cache-bytes"), help: help(.messageCacheBytes))
    var messageCacheBytes: String?

    @Option(name: .customLong("poll-interval"), help: help(.pollInterval))
    var pollInterval: String?

    @Option(name: .customLong("webhook-retry-schedule"), help: help(.webhookRetrySchedule))
    var webhookRetrySchedule: String?

    @Flag(name: .customLong("webhook-allow-http"), help: help(.webhookAllowHTTP))
    var webhookAllowHTTP: Bool = false

    @Option(name: .customLong("webhook-allow-networks"), help: help(.webhookAllowNetworks))
    var webhookAllowNetworks: String?

    /// The values given on the command line, by key.
    var flagValues: [ConfigKey: String] {
        var values: [ConfigKey: String] = [:]
        values[.listen] = listen
        values[.pop3URL] = pop3URL
        values[.smtpURL] = smtpURL
        values[.caFile] = caFile
        if allowPlaintext { values[.allowPlaintext] = "true" }
        if insecureSkipVerify { values[.insecureSkipVerify] = "true" }
        values[.publicDir] = publicDir
        values[.accountsFile] = accountsFile
        values[.logLevel] = logLevel
        values[.accessLog] = accessLog
        values[.logFormat] = logFormat
        values[.ehloName] = ehloName
        values[.mailDomain] = mailDomain
        values[.trustedProxies] = trustedProxies
        values[.maxConnections] = maxConnections
        values[.workers] = workers
        values[.eventLoops] = eventLoops
        values[.maxHeaderBytes] = maxHeaderBytes
        values[.maxBodyBytes] = maxBodyBytes
        values[.maxSendBytes] = maxSendBytes
        values[.maxParseBytes] = maxParseBytes
        values[.headerTimeout] = headerTimeout
        values[.idleTimeout] = idleTimeout
        values[.shutdownTimeout] = shutdownTimeout
        values[.upstreamConnectTimeout] = upstreamConnectTimeout
        values[.upstreamTimeout] = upstreamTimeout
        values[.mailboxWait] = mailboxWait
        values[.sessionIdleTimeout] = sessionIdleTimeout
        values[.sessionMaxAge] = sessionMaxAge
        values[.summaryCacheEntries] = summaryCacheEntries
        if smtpTrustedRelay { values[.smtpTrustedRelay] = "true" }
        values[.corsOrigins] = corsOrigins
        values[.state] = state
        values[.secretKeyFile] = secretKeyFile
        values[.previousSecretKeyFile] = previousSecretKeyFile
        values[.pop3Auth] = pop3Auth
        values[.pop3SessionReuse] = pop3SessionReuse
        values[.mailboxWaiters] = mailboxWaiters
        values[.messageCacheBytes] = messageCacheBytes
        values[.pollInterval] = pollInterval
        values[.webhookRetrySchedule] = webhookRetrySchedule
        if webhookAllowHTTP { values[.webhookAllowHTTP] = "true" }
        values[.webhookAllowNetworks] = webhookAllowNetworks
        return values
    }
}

/// Help text for a key: its description, environment variable and default.
private func help(_ key: ConfigKey) -> ArgumentHelp {
    let fallback = key.defaultValue.map { $0.isEmpty ? "" : " Default: \($0)." } ?? ""
    return ArgumentHelp("\(key.help) Env: \(key.environmentName).\(fallback)")
}
