import Logging

/// The long-lived services the API routes share, built once from the configuration.
public final class AppServices: Sendable {
    /// The configuration.
    public let configuration: Configuration
    /// Authentication (Basic, sessions, API keys) and failed-login limits.
    public let authenticator: Authenticator
    /// POP3 reading and deleting.
    public let mailbox: MailboxService
    /// `Idempotency-Key` replay.
    public let idempotency: IdempotencyStore
    /// SMTP submission (sending).
    public let smtp: any SMTPClient
    /// The server's logger.
    public let logger: Logger

    /// Creates the services.
    public init(configuration: Configuration, authenticator: Authenticator, mailbox: MailboxService,
                idempotency: IdempotencyStore, smtp: any SMTPClient, logger: Logger) {
        self.configuration = configuration
        self.authenticator = authenticator
        self.mailbox = mailbox
        self.idempotency = idempotency
        self.smtp = smtp
        self.logger = logger
    }

    /// How to reach `url` with the configured TLS policy, CA and timeouts.
    func upstreamSettings(_ url: UpstreamURL) -> UpstreamSettings {
        UpstreamSettings(url: url, caFile: configuration.caFile, insecureSkipVerify: configuration.insecureSkipVerify,
                         allowPlaintext: configuration.allowPlaintext, connectTimeout: configuration.upstreamConnectTimeout,
                         timeout: configuration.upstreamTimeout)
    }

    /// Builds the production services for `configuration`.
    /// - Throws: ``ConfigurationError`` when the accounts file is invalid.
    public static func live(configuration: Configuration, logger: Logger) throws -> AppServices {
        CurlGlobal.initialize()
        GMime.initialize()
        let pop3 = UpstreamSettings(url: configuration.pop3, caFile: configuration.caFile,
                                    insecureSkipVerify: configuration.insecureSkipVerify, allowPlaintext: configuration.allowPlaintext,
                                    connectTimeout: configuration.upstreamConnectTimeout, timeout: configuration.upstreamTimeout)
        return try make(configuration: configuration, connector: CurlPOP3Connector(settings: pop3), logger: logger)
    }

    /// Builds services around a given POP3 connector and SMTP client (tests pass the in-memory twins;
    /// a nil `smtp` is the libcurl client for the configured server).
    public static func make(configuration: Configuration, connector: any POP3Connector, smtp: (any SMTPClient)? = nil,
                            logger: Logger) throws -> AppServices {
        let apiKeys = try configuration.accountsFile.map { try APIKeyStore(file: $0) } ?? APIKeyStore()
        let authenticator = Authenticator(
            sessions: SessionStore(idleSeconds: configuration.sessionIdleTimeout, maxAgeSeconds: configuration.sessionMaxAge),
            apiKeys: apiKeys, limiter: LoginRateLimiter(), mailDomain: configuration.mailDomain)
        let mailbox = MailboxService(connector: connector, cacheCapacity: configuration.summaryCacheEntries,
                                     waitMillis: configuration.mailboxWaitMillis)
        let submission = smtp ?? CurlSMTPClient(settings: UpstreamSettings(
            url: configuration.smtp, caFile: configuration.caFile, insecureSkipVerify: configuration.insecureSkipVerify,
            allowPlaintext: configuration.allowPlaintext, connectTimeout: configuration.upstreamConnectTimeout,
            timeout: configuration.upstreamTimeout), ehloName: configuration.ehloName)
        return AppServices(configuration: configuration, authenticator: authenticator, mailbox: mailbox,
                           idempotency: IdempotencyStore(), smtp: submission, logger: logger)
    }
}
