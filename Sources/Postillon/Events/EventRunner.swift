import PostillonHTTP

/// Starts the background side of events for a running service: the poller over the watched API-key
/// accounts and the webhook deliverer. Both run on their own threads for the life of the process.
enum EventRunner {
    /// Most signed-in users' mailboxes watched at once (the most recently active ones).
    static let maxSignedInMailboxes = 10_000

    /// Starts both (a no-op without an SQL state store).
    /// - Throws: ``StateStoreError`` when the watched accounts cannot be registered.
    static func start(_ services: AppServices) throws {
        guard let store = services.events else { return }
        let configuration = services.configuration
        let sender = WebhookSender(policy: AddressPolicy(allowed: configuration.webhookAllowNetworks),
                                   allowHTTP: configuration.webhookAllowHTTP, caFile: nil)
        let deliverer = WebhookDeliverer(store: store, sender: sender, schedule: configuration.webhookRetrySchedule, logger: services.logger)
        try syncConfiguredWebhooks(services, store)
        deliverer.start()
        let watched = services.authenticator.apiKeys.all.filter(\.watch).map { account in
            WatchedAccount(credentials: Credentials(username: account.username, password: account.password),
                           intervalSeconds: account.pollInterval ?? configuration.pollInterval)
        }
        let leaseMillis = Int64(configuration.upstreamConnectTimeout + configuration.upstreamTimeout + 30) * 1000
        let sessions = services.authenticator.sessions
        let sessionInterval = configuration.sessionPollInterval
        let listSignedIn: @Sendable () throws -> [WatchedAccount] = {
            try sessions.signedInLogins(limit: maxSignedInMailboxes).map { WatchedAccount(credentials: $0, intervalSeconds: sessionInterval) }
        }
        let signedIn = sessionInterval == 0 ? nil : listSignedIn
        let poller = MailboxPoller(store: store, mailbox: services.mailbox, accounts: watched, signedIn: signedIn, leaseMillis: leaseMillis,
                                   logger: services.logger, onRecorded: { deliverer.wake(); services.eventHub?.wake() },
                                   onChanged: { account, summaries, vanished in
                                       guard let search = services.search else { return }
                                       do {
                                           try search.record(account: account, summaries.map { ($0.key, $0.value) })
                                           try search.index.delete(account: account, uidls: vanished)
                                       } catch {
                                           services.logger.notice("search index not updated by the poller",
                                                                  metadata: ["mailbox": "\(account)", "error": "\(error)"])
                                       }
                                   })
        try poller.start()
    }

    /// Writes the accounts file's declared webhooks to the store (all replicas do it at start, with
    /// the same result).
    /// - Throws: ``ConfigurationError`` for a plain-http URL without `--webhook-allow-http`.
    static func syncConfiguredWebhooks(_ services: AppServices, _ store: EventStore) throws {
        var declared: [(account: String, webhook: ConfiguredWebhook)] = []
        for account in services.authenticator.apiKeys.all {
            for webhook in account.webhooks {
                guard (try? WebhookURL(webhook.url, allowHTTP: services.configuration.webhookAllowHTTP)) != nil else {
                    throw ConfigurationError(.accountsFile, "account '\(account.name)': webhook url must use https (or set --webhook-allow-http)")
                }
                declared.append((Credentials.mailboxKey(of: account.username), webhook))
            }
        }
        let count = try store.syncConfiguredSubscriptions(declared, now: WallClock.nowMillis())
        if count > 0 { services.logger.info("configured webhooks", metadata: ["webhooks": "\(count)"]) }
    }
}
