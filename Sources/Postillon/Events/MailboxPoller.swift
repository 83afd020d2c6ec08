import Foundation
import Logging
import PostillonHTTP
import Synchronization

/// Polls watched mailboxes on dedicated threads (POP3 over libcurl and the store block, so never on
/// an event loop or the cooperative pool). Each account is polled when its turn comes in the store
/// (`next_poll_at`, jittered ±10 % so many mailboxes do not log in at the same second) and only by
/// the replica holding its poll lease. A poll records the new UIDL set and its events in one
/// transaction (``EventStore/recordPoll(account:owner:current:summaries:now:)``).
///
/// Two kinds of mailboxes are watched: the operator's API-key accounts marked `watch` (for the
/// life of the process) and, when `signedIn` is given, the mailboxes of signed-in users while a
/// session of theirs lives (what feeds the web UI's live updates). The set is reconciled with the
/// store every `refreshMillis`: mailboxes no longer watched are forgotten (``EventStore/unwatch(account:)``),
/// so watching one again starts with a new baseline.
package final class MailboxPoller: Sendable {
    private let store: EventStore
    private let mailbox: MailboxService
    private let fixed: [WatchedAccount]
    private let signedIn: (@Sendable () throws -> [WatchedAccount])?
    private let refreshMillis: Int64
    private let current: Mutex<[WatchedAccount]>
    private let owner: String
    private let leaseMillis: Int64
    private let threadCount: Int
    private let logger: Logger
    private let stopping = StopSignal()
    private let onRecorded: @Sendable () -> Void
    private let onChanged: @Sendable (_ account: String, _ summaries: [String: MessageSummary], _ vanished: [String]) -> Void

    /// Creates a poller; ``start()`` runs it.
    /// - Parameters:
    ///   - accounts: mailboxes watched for the life of the process.
    ///   - signedIn: the mailboxes of signed-in users, asked every `refreshMillis` (nil: not watched).
    ///   - leaseMillis: how long a poll lease lasts (longer than a whole POP3 exchange); a replica
    ///     that dies loses its leases after this.
    ///   - onRecorded: called after a poll recorded events (wakes the deliverer and the event streams).
    ///   - onChanged: called after a poll that found new or vanished messages, with the new ones'
    ///     summaries (keeps the search index of a watched mailbox current without a job of its own).
    package init(store: EventStore, mailbox: MailboxService, accounts: [WatchedAccount],
                 signedIn: (@Sendable () throws -> [WatchedAccount])? = nil, refreshMillis: Int64 = 10_000,
                 leaseMillis: Int64, threads: Int = 4, logger: Logger, onRecorded: @escaping @Sendable () -> Void = {},
                 onChanged: @escaping @Sendable (String, [String: MessageSummary], [String]) -> Void = { _, _, _ in }) {
        self.store = store
        self.mailbox = mailbox
        fixed = accounts
        self.signedIn = signedIn
        self.refreshMillis = refreshMillis
        current = Mutex(accounts)
        owner = "poller-" + EventStore.randomToken()
        self.leaseMillis = leaseMillis
        threadCount = signedIn == nil ? max(1, min(threads, accounts.count)) : max(1, threads)
        self.logger = logger
        self.onRecorded = onRecorded
        self.onChanged = onChanged
    }

    /// Registers the accounts (first polls spread over the first interval, at most 10 s) and starts the threads.
    /// - Throws: ``StateStoreError`` when the store cannot register them.
    package func start() throws {
        guard !fixed.isEmpty || signedIn != nil else { return }
        try reconcile()
        for index in 0..<threadCount {
            let thread = Thread { [self] in run(index) }
            thread.name = "postillon-poller-\(index)"
            thread.start()
        }
        if signedIn != nil {
            let thread = Thread { [self] in
                while !stopping.wait(millis: refreshMillis) {
                    do { try reconcile() } catch {
                        logger.warning("watched mailboxes not refreshed", metadata: ["error": "\(error)"])
                    }
                }
            }
            thread.name = "postillon-poller-watch"
            thread.start()
        }
        logger.info("watching mailboxes", metadata: ["mailboxes": "\(fixed.count)", "signedIn": "\(signedIn != nil)",
                                                     "threads": "\(threadCount)"])
    }

    /// Stops the threads after their current poll.
    package func stop() { stopping.set() }

    /// The mailboxes watched now.
    package var watched: [WatchedAccount] { current.withLock { $0 } }

    /// Makes the store's watched set what this process watches: the fixed accounts plus the
    /// signed-in users' mailboxes; registers the new ones and forgets those no longer watched.
    /// First polls are spread over ``firstPollWindow(newAccounts:interval:)`` so that many mailboxes
    /// registered together log in evenly from the start (later polls keep that spread).
    func reconcile() throws {
        var wanted = fixed
        var keys = Set(fixed.map(\.account))
        if let signedIn {
            for account in try signedIn() where keys.insert(account.account).inserted { wanted.append(account) }
        }
        let stored = try store.watchedAccounts()
        let now = WallClock.nowMillis()
        let fresh = wanted.filter { !stored.contains($0.account) }
        for account in fresh {
            let window = Self.firstPollWindow(newAccounts: fresh.count, interval: account.intervalSeconds)
            try store.watch(account: account.account, firstPollAt: now + Int64.random(in: 0...Int64(window) * 1000))
        }
        if signedIn != nil {
            for account in stored where !keys.contains(account) { try store.unwatch(account: account) }
        }
        current.withLock { $0 = wanted }
    }

    /// Seconds over which the first polls of `newAccounts` mailboxes registered together are spread:
    /// at most 10 logins per second, but within 10 s when that allows it, never beyond one interval.
    static func firstPollWindow(newAccounts: Int, interval: Int) -> Int {
        min(interval, max(10, newAccounts / 10))
    }

    private func run(_ index: Int) {
        var nextCheck: [String: Int64] = [:]
        while true {
            let now = WallClock.nowMillis()
            let mine = watched.filter { abs($0.account.hashValue % threadCount) == index }
            var soonest = now + 1000
            for account in mine {
                var due = nextCheck[account.account] ?? 0
                if due <= now { due = pollIfDue(account, now: now) }
                nextCheck[account.account] = due
                soonest = min(soonest, due)
            }
            if nextCheck.count > mine.count * 2 + 16 {
                let keys = Set(mine.map(\.account))
                nextCheck = nextCheck.filter { keys.contains($0.key) }
            }
            let wait = max(50, min(1000, soonest - WallClock.nowMillis()))
            if stopping.wait(millis: wait) { return }
        }
    }

    /// Polls `account` when this replica wins its lease; returns when to look at it again.
    func pollIfDue(_ account: WatchedAccount, now: Int64) -> Int64 {
        do {
            guard try store.claimPoll(account: account.account, owner: owner, now: now, leaseMillis: leaseMillis) else {
                // Not due, or leased by another replica: look again when it can be claimed, not every second.
                let due = try store.pollDue(account: account.account) ?? now + 5000
                return max(now + 200, due) + Int64.random(in: 0...500)
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
            let changed = !diff.added.isEmpty || !diff.vanished.isEmpty
            ServiceMetrics.mailboxPolled(outcome: changed ? "changed" : "unchanged")
            ServiceMetrics.eventsRecorded(type: "message.new", count: diff.added.count)
            ServiceMetrics.eventsRecorded(type: "message.deleted", count: diff.vanished.count)
            if changed {
                logger.debug("mailbox changed", metadata: ["mailbox": "\(account.account)", "new": "\(diff.added.count)",
                                                           "vanished": "\(diff.vanished.count)"])
                onRecorded()
                onChanged(account.account, snapshot.summaries.filter { diff.added.contains($0.key) }, diff.vanished)
            }
        } catch {
            ServiceMetrics.mailboxPolled(outcome: "failed")
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
