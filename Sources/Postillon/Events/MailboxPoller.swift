import Foundation
import Logging
import PostillonHTTP

/// Polls watched mailboxes on dedicated threads (POP3 over libcurl and the store block, so never on
/// an event loop or the cooperative pool). Each account is polled when its turn comes in the store
/// (`next_poll_at`, jittered ±10 % so many mailboxes do not log in at the same second) and only by
/// the replica holding its poll lease. A poll records the new UIDL set and its events in one
/// transaction (``EventStore/recordPoll(account:owner:current:summaries:now:)``).
package final class MailboxPoller: Sendable {
    private let store: EventStore
    private let mailbox: MailboxService
    private let accounts: [WatchedAccount]
    private let owner: String
    private let leaseMillis: Int64
    private let threadCount: Int
    private let logger: Logger
    private let stopping = StopSignal()
    private let onRecorded: @Sendable () -> Void

    /// Creates a poller; ``start()`` runs it.
    /// - Parameters:
    ///   - leaseMillis: how long a poll lease lasts (longer than a whole POP3 exchange); a replica
    ///     that dies loses its leases after this.
    ///   - onRecorded: called after a poll recorded events (wakes the deliverer).
    package init(store: EventStore, mailbox: MailboxService, accounts: [WatchedAccount], leaseMillis: Int64, threads: Int = 4,
                 logger: Logger, onRecorded: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.mailbox = mailbox
        self.accounts = accounts
        owner = "poller-" + EventStore.randomToken()
        self.leaseMillis = leaseMillis
        threadCount = max(1, min(threads, accounts.count))
        self.logger = logger
        self.onRecorded = onRecorded
    }

    /// Registers the accounts (first polls spread over the first interval, at most 10 s) and starts the threads.
    /// - Throws: ``StateStoreError`` when the store cannot register them.
    package func start() throws {
        guard !accounts.isEmpty else { return }
        let now = WallClock.nowMillis()
        for account in accounts {
            try store.watch(account: account.account, firstPollAt: now + Int64.random(in: 0...Int64(min(account.intervalSeconds, 10) * 1000)))
        }
        for index in 0..<threadCount {
            let mine = accounts.enumerated().filter { $0.offset % threadCount == index }.map(\.element)
            let thread = Thread { [self] in run(mine) }
            thread.name = "postillon-poller-\(index)"
            thread.start()
        }
        logger.info("watching mailboxes", metadata: ["mailboxes": "\(accounts.count)", "threads": "\(threadCount)"])
    }

    /// Stops the threads after their current poll.
    package func stop() { stopping.set() }

    private func run(_ accounts: [WatchedAccount]) {
        var nextCheck = [Int64](repeating: 0, count: accounts.count)
        while true {
            let now = WallClock.nowMillis()
            for (index, account) in accounts.enumerated() where nextCheck[index] <= now {
                nextCheck[index] = pollIfDue(account, now: now)
            }
            let wait = max(50, min(1000, (nextCheck.min() ?? now + 1000) - WallClock.nowMillis()))
            if stopping.wait(millis: wait) { return }
        }
    }

    /// Polls `account` when this replica wins its lease; returns when to look at it again.
    func pollIfDue(_ account: WatchedAccount, now: Int64) -> Int64 {
        do {
            guard try store.claimPoll(account: account.account, owner: owner, now: now, leaseMillis: leaseMillis) else {
                return now + 1000 + Int64.random(in: 0...1000)
            }
        } catch {
            logger.warning("poll lease failed", metadata: ["mailbox": "\(account.account)", "error": "\(error)"])
            return now + 5000
        }
        var interval = account.intervalSeconds
        do {
            let known = try store.storedUIDLs(account: account.account)
            let snapshot = try mailbox.snapshot(account.credentials, known: known)
            if let delay = snapshot.loginDelaySeconds { interval = max(interval, delay) }
            let diff = try store.recordPoll(account: account.account, owner: owner, current: snapshot.uidls,
                                            summaries: snapshot.summaries, now: WallClock.nowMillis())
            if !diff.added.isEmpty || !diff.vanished.isEmpty {
                logger.debug("mailbox changed", metadata: ["mailbox": "\(account.account)", "new": "\(diff.added.count)",
                                                           "vanished": "\(diff.vanished.count)"])
                onRecorded()
            }
        } catch {
            logger.notice("poll failed", metadata: ["mailbox": "\(account.account)", "error": "\(error)"])
        }
        let millis = Int64(interval) * 1000
        let next = WallClock.nowMillis() + millis + Int64.random(in: -(millis / 10)...(millis / 10))
        do {
            try store.releasePoll(account: account.account, owner: owner, nextPollAt: next)
        } catch {
            logger.warning("poll lease release failed", metadata: ["mailbox": "\(account.account)", "error": "\(error)"])
        }
        return next
    }
}
