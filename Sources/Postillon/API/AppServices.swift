import Foundation
import Logging

/// The long-lived services the API routes share, built once from the configuration.
package final class AppServices: Sendable {
    /// The configuration.
    package let configuration: Configuration
    /// Authentication (Basic, sessions, API keys) and failed-login limits.
    package let authenticator: Authenticator
    /// POP3 reading and deleting.
    package let mailbox: MailboxService
    /// `Idempotency-Key` replay.
    package let idempotency: IdempotencyStore
    /// Sessions, idempotency records, login windows and flags (SQLite or PostgreSQL).
    package let state: any StateStore
    /// Postillon's own message flags.
    package let flags: MessageFlagStore
    /// Deletes expired state in the background (started by ``live(configuration:logger:)``).
    package let sweeper: StateSweeper
    /// The event outbox and webhook subscriptions (nil on a state store without SQL, as in unit tests).
    package let events: EventStore?
    /// Search over the summary index, with its background indexer (nil on a state store without
    /// SQL, as in unit tests with the in-memory twin: search then answers 503 `search_unavailable`).
    package let search: MessageSearch?
    /// Feeds the live event streams from the outbox (nil without an SQL state store).
    package let eventHub: EventHub?
    /// SMTP submission (sending).
    package let smtp: any SMTPClient
    /// The server's logger.
    package let logger: Logger

    /// Creates the services.
    package init(configuration: Configuration, authenticator: Authenticator, mailbox: MailboxService,
                 idempotency: IdempotencyStore, state: any StateStore, smtp: any SMTPClient, logger: Logger, events: EventStore? = nil) {
        self.configuration = configuration
        self.authenticator = authenticator
        self.mailbox = mailbox
        self.idempotency = idempotency
        self.state = state
        flags = MessageFlagStore(store: state)
        sweeper = StateSweeper(store: state, windowMillis: authenticator.limiter.windowLength, logger: logger)
        let flags = self.flags
        search = (state as? SQLStateStore).map { store in
            let index = SummaryIndex(database: store.database)
            return MessageSearch(mailbox: mailbox, index: index, flags: flags,
                                 indexer: SummaryIndexer(mailbox: mailbox, index: index, maxJobs: configuration.indexJobs, logger: logger))
        }
        self.smtp = smtp
        self.logger = logger
        self.events = events
        eventHub = events.map { store in
            var settings = EventHub.Settings()
            settings.heartbeatMillis = Int64(configuration.eventsHeartbeat) * 1000
            settings.maxTotal = configuration.eventsMaxStreams
            settings.maxPerAccount = configuration.eventsMaxStreamsPerAccount
            return EventHub(reader: store, settings: settings, logger: logger)
        }
    }

    /// Builds the production services for `configuration`: opens and migrates the state store,
    /// loads (or for SQLite creates) the secret key, and starts the state sweeper.
    /// - Throws: ``ConfigurationError`` when the accounts or key file is invalid, ``StateStoreError``
    ///   when the state store cannot be opened.
    package static func live(configuration: Configuration, logger: Logger) throws -> AppServices {
        CurlGlobal.initialize()
        GMime.initialize()
        let pop3 = UpstreamSettings(configuration.pop3, configuration: configuration)
        let state = try SQLStateStore.open(configuration.state, poolSize: min(16, max(2, configuration.http.workerThreads / 4)),
                                           logger: logger)
        let sealer = try loadSealer(configuration)
        let services = try make(configuration: configuration, connector: CurlPOP3Connector(settings: pop3, authMode: configuration.pop3AuthMode), state: state,
                                sealer: sealer, logger: logger)
        services.sweeper.sweepOnce()
        services.sweeper.start()
        try EventRunner.start(services)
        return services
    }

    /// The password sealer from `--secret-key-file` (created beside a SQLite database when unset)
    /// and `--previous-secret-key-file`.
    static func loadSealer(_ configuration: Configuration) throws -> PasswordSealer {
        let current: SecretKey
        if let file = configuration.secretKeyFile {
            current = try SecretKey.loadOrCreate(file: file, key: .secretKeyFile, create: configuration.state.isSQLite)
        } else if case .sqlite(let path) = configuration.state, path != ":memory:" {
            let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("secret.key").path
            current = try SecretKey.loadOrCreate(file: file, key: .secretKeyFile, create: true)
        } else {
            throw ConfigurationError(.secretKeyFile, "is required for this state store")
        }
        let previous = try configuration.previousSecretKeyFile.map { try SecretKey(file: $0, key: .previousSecretKeyFile) }
        return PasswordSealer(current: current, previous: previous)
    }

    /// Builds services around a given POP3 connector and SMTP client (tests pass the in-memory twins;
    /// a nil `smtp` is the libcurl client for the configured server).
    package static func make(configuration: Configuration, connector: any POP3Connector, smtp: (any SMTPClient)? = nil,
                             state: any StateStore, sealer: PasswordSealer, logger: Logger) throws -> AppServices {
        let apiKeys = try configuration.accountsFile.map { try APIKeyStore(file: $0) } ?? APIKeyStore()
        let authenticator = Authenticator(
            sessions: SessionStore(store: state, sealer: sealer, idleSeconds: configuration.sessionIdleTimeout,
                                   maxAgeSeconds: configuration.sessionMaxAge),
            apiKeys: apiKeys, limiter: LoginRateLimiter(store: state), mailDomain: configuration.mailDomain)
        let mailbox = MailboxService(connector: connector, cacheCapacity: configuration.summaryCacheEntries,
                                     waitMillis: configuration.mailboxWaitMillis, reuseMillis: configuration.pop3SessionReuseMillis,
                                     maxWaiters: configuration.mailboxWaiters, messageCacheBytes: configuration.messageCacheBytes)
        let submission = smtp ?? CurlSMTPClient(settings: UpstreamSettings(configuration.smtp, configuration: configuration),
                                                ehloName: configuration.ehloName)
        return AppServices(configuration: configuration, authenticator: authenticator, mailbox: mailbox,
                           idempotency: IdempotencyStore(store: state), state: state, smtp: submission, logger: logger,
                           events: (state as? SQLStateStore).map { EventStore(database: $0.database, sealer: sealer) })
    }
}
