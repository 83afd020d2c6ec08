import PostillonHTTP

/// Starts the background side of events for a running service: the poller over the watched API-key
/// accounts and the webhook deliverer. Both run on their own threads for the life of the process.
enum EventRunner {
    /// Starts both (a no-op without an SQL state store).
    /// - Throws: ``StateStoreError`` when the watched accounts cannot be registered.
    static func start(_ services: AppServices) throws {
        guard let store = services.events else { return }
        let configuration = services.configuration
        let sender = WebhookSender(policy: AddressPolicy(allowed: configuration.webhookAllowNetworks),
                                   allowHTTP: configuration.webhookAllowHTTP, caFile: nil)
        let deliverer = WebhookDeliverer(store: store, sender: sender, schedule: configuration.webhookRetrySchedule, logger: services.logger)
        deliverer.start()
        let watched = services.authenticator.apiKeys.all.filter(\.watch).map { account in
            WatchedAccount(credentials: Credentials(username: account.username, password: account.password),
                           intervalSeconds: account.pollInterval ?? configuration.pollInterval)
        }
        let leaseMillis = Int64(configuration.upstreamConnectTimeout + configuration.upstreamTimeout + 30) * 1000
        let poller = MailboxPoller(store: store, mailbox: services.mailbox, accounts: watched, leaseMillis: leaseMillis,
                                   logger: services.logger, onRecorded: { deliverer.wake(); services.eventHub?.wake() })
        try poller.start()
    }
}
