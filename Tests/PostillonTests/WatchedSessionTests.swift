import Foundation
import Logging
@testable import Postillon
import PostillonHTTP
import PostillonTestSupport
import Testing

/// A signed-in user's mailbox is watched while a session of theirs lives (issue 15 item 1), next to
/// the operator's fixed accounts; a mailbox no longer watched is forgotten, so watching it again
/// starts with a new baseline. Store transactions on a real SQLite file.
@Suite struct WatchedSessionTests {
    @Test func signedInMailboxesAreWatchedWhileTheirSessionLives() throws {
        var logger = Logger(label: "watch-test")
        logger.logLevel = .critical
        let path = NSTemporaryDirectory() + "watch-test-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try SQLStateStore.open(.sqlite(path: path), poolSize: 4, logger: logger)
        let sealer = PasswordSealer(current: SecretKey(bytes: Array(repeating: 9, count: 32)))
        let events = EventStore(database: state.database, sealer: sealer)
        let sessions = SessionStore(store: state, sealer: sealer, idleSeconds: 600, maxAgeSeconds: 3600)
        let poller = MailboxPoller(
            store: events, mailbox: MailboxService(connector: InMemoryPOP3Server(), cacheCapacity: 10, waitMillis: 1000),
            accounts: [WatchedAccount(credentials: Credentials(username: "alice", password: "a"), intervalSeconds: 60)],
            signedIn: { try sessions.signedInLogins(limit: 100).map { WatchedAccount(credentials: $0, intervalSeconds: 30) } },
            leaseMillis: 10_000, logger: logger)

        try poller.reconcile()
        #expect(try events.watchedAccounts() == ["alice"], "no one signed in: only the operator's account")

        let first = try sessions.create(credentials: Credentials(username: "Bob", password: "bob-pw"), address: "bob@example.org")
        let second = try sessions.create(credentials: Credentials(username: "bob", password: "bob-pw"), address: "bob@example.org")
        _ = try sessions.create(credentials: Credentials(username: "alice", password: "a"), address: "alice@example.org")
        try poller.reconcile()
        #expect(try events.watchedAccounts() == ["alice", "bob"])
        let bob = try #require(poller.watched.first { $0.account == "bob" })
        #expect(bob.credentials.password == "bob-pw" && bob.intervalSeconds == 30, "polled with the session's own password")
        #expect(poller.watched.filter { $0.account == "bob" }.count == 1, "two sessions, one mailbox")
        #expect(poller.watched.first { $0.account == "alice" }?.intervalSeconds == 60, "the operator's account keeps its interval")

        // Bob's baseline poll is recorded; signing out one of two sessions keeps him watched.
        #expect(try events.claimPoll(account: "bob", owner: "t", now: WallClock.nowMillis() + 20_000, leaseMillis: 1000))
        try events.recordPoll(account: "bob", owner: "t", current: ["u1"], summaries: [:], now: 1)
        try sessions.remove(token: first.token)
        try poller.reconcile()
        #expect(try events.storedUIDLs(account: "bob") == ["u1"])

        // The last session ends: unwatched and forgotten; signing in again starts a new baseline.
        try sessions.remove(token: second.token)
        try poller.reconcile()
        #expect(try events.watchedAccounts() == ["alice"], "alice stays: she is the operator's, session or not")
        #expect(try events.storedUIDLs(account: "bob") == nil)
        _ = try sessions.create(credentials: Credentials(username: "bob", password: "bob-pw"), address: "bob@example.org")
        try poller.reconcile()
        #expect(try events.watchedAccounts() == ["alice", "bob"])
        #expect(try events.storedUIDLs(account: "bob") == nil, "a new baseline, not the stale set")
    }

    @Test func sessionsSealedUnderAnotherKeyAreNotWatched() throws {
        let store = MemoryStateStore()
        let old = SessionStore(store: store, sealer: PasswordSealer(current: SecretKey(bytes: Array(repeating: 1, count: 32))),
                               idleSeconds: 600, maxAgeSeconds: 3600)
        _ = try old.create(credentials: Credentials(username: "carol", password: "c"), address: "carol@example.org")
        let current = SessionStore(store: store, sealer: PasswordSealer(current: SecretKey(bytes: Array(repeating: 2, count: 32))),
                                   idleSeconds: 600, maxAgeSeconds: 3600)
        #expect(try old.signedInLogins(limit: 10).map(\.username) == ["carol"])
        #expect(try current.signedInLogins(limit: 10).isEmpty)
    }
}

/// How first polls are spread (from literals).
@Suite struct FirstPollWindowTests {
    @Test func manyMailboxesSpreadOverTheIntervalFewStartSoon() {
        #expect(MailboxPoller.firstPollWindow(newAccounts: 1, interval: 60) == 10)
        #expect(MailboxPoller.firstPollWindow(newAccounts: 1, interval: 2) == 2)
        #expect(MailboxPoller.firstPollWindow(newAccounts: 300, interval: 60) == 30)
        #expect(MailboxPoller.firstPollWindow(newAccounts: 1000, interval: 60) == 60)
        #expect(MailboxPoller.firstPollWindow(newAccounts: 100_000, interval: 300) == 300)
    }
}
