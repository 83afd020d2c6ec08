import Foundation
import Logging
import PostillonHTTP
import Synchronization

/// Completes an account's summary index in the background, so a large mailbox becomes searchable
/// without one request doing thousands of `TOP`s.
///
/// A job per account (never two for one account), at most `maxJobs` at once, each on its own thread
/// (POP3 and the state store block, so never the cooperative pool or an event loop); more accounts
/// wait in a bounded queue. A job works in rounds: under the mailbox's line, it reads the listing
/// of a (reused) session, picks up to `batchSize` messages the index lacks, newest first, reads their
/// headers with pipelined `TOP n 0`, releases the line and writes the rows. Before each round it
/// waits while a request holds or waits for the line, so interactive requests go first and queue
/// behind at most one round. The first round also drops rows of messages gone from the mailbox.
///
/// Jobs are only requested for credentials an upstream login accepted in the same request (the
/// rule of the message cache); the job keeps them in memory until it ends and stops at a refused
/// login. Messages the server gives no headers for are skipped until the next job.
package final class SummaryIndexer: Sendable {
    private struct State {
        var queue: [Credentials] = []
        var queued: Set<String> = []
        var running: Set<String> = []
        var complete: [String: ListingFingerprint] = [:]
        /// Accounts whose last job could not finish (no headers from the server, repeated failures),
        /// with the monotonic time until which new requests for them are ignored.
        var resting: [String: Int64] = [:]
        /// Running jobs asked to end (the user signed out).
        var cancelled: Set<String> = []
        var stopped = false
    }

    private let mailbox: MailboxService
    private let index: SummaryIndex
    private let maxJobs: Int
    private let batchSize: Int
    private let logger: Logger
    private let state = Mutex(State())

    /// Most accounts waiting for a job; later requests are dropped (the next search asks again).
    package static let maxQueued = 10_000
    /// Longest an indexing round waits for requests to leave a mailbox's line before it queues anyway.
    package static let maxYieldMillis: Int64 = 5_000
    /// Rounds that may fail in a row (busy line, upstream errors) before a job gives up.
    package static let maxFailures = 5
    /// How long an account whose job could not finish gets no new job (its searches still work on
    /// what is indexed, and pages the user lists are still added).
    package static let restMillis: Int64 = 10 * 60 * 1000

    /// Creates an indexer.
    /// - Parameters:
    ///   - maxJobs: accounts indexed at the same time (0: no background indexing).
    ///   - batchSize: messages per round (one pipelined run of `TOP n 0`).
    package init(mailbox: MailboxService, index: SummaryIndex, maxJobs: Int = 2, batchSize: Int = 100, logger: Logger) {
        self.mailbox = mailbox
        self.index = index
        self.maxJobs = maxJobs
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    /// Whether the index of `account` was complete for exactly this listing (no need to read it).
    package func isComplete(account: String, listing: ListingFingerprint) -> Bool {
        state.withLock { $0.complete[account] == listing }
    }

    /// Records that the index of `account` is complete for `listing`.
    package func markComplete(account: String, listing: ListingFingerprint) {
        state.withLock { state in
            if state.complete.count >= 100_000 { state.complete.removeAll() }
            state.complete[account] = listing
        }
    }

    /// Whether a job for `account` is queued or running.
    package func isIndexing(account: String) -> Bool {
        state.withLock { $0.running.contains(account) || $0.queued.contains(account) }
    }

    /// Asks for the index of `credentials`' mailbox to be completed, unless a job for it is queued
    /// or running. Call only after an upstream login accepted `credentials`.
    package func request(_ credentials: Credentials) {
        guard maxJobs > 0 else { return }
        let account = credentials.mailboxKey
        let start: Bool = state.withLock { state in
            guard !state.stopped, !state.running.contains(account), !state.queued.contains(account) else { return false }
            if let until = state.resting[account] {
                guard MonotonicClock.nowMillis() >= until else { return false }
                state.resting[account] = nil
            }
            if state.running.count < maxJobs {
                state.running.insert(account)
                return true
            }
            guard state.queue.count < Self.maxQueued else { return false }
            state.queue.append(credentials)
            state.queued.insert(account)
            return false
        }
        guard start else { return }
        let thread = Thread { [self] in
            var next: Credentials? = credentials
            while let job = next {
                run(job)
                next = state.withLock { state in
                    state.running.remove(job.mailboxKey)
                    state.cancelled.remove(job.mailboxKey)
                    guard !state.stopped, !state.queue.isEmpty else { return nil }
                    let taken = state.queue.removeFirst()
                    state.queued.remove(taken.mailboxKey)
                    state.running.insert(taken.mailboxKey)
                    return taken
                }
            }
        }
        thread.name = "postillon-indexer"
        thread.start()
    }

    /// Ends the job of `account` (after its current round) or drops it from the queue: called at
    /// sign-out, so a password is not used in the background after its session ended. A later list
    /// or search (another session, Basic) asks again.
    package func cancel(account: String) {
        state.withLock { state in
            if state.queued.remove(account) != nil { state.queue.removeAll { $0.mailboxKey == account } }
            if state.running.contains(account) { state.cancelled.insert(account) }
        }
    }

    /// Stops: running jobs end after their current round, queued ones are dropped.
    package func stop() {
        state.withLock { state in
            state.stopped = true
            state.queue.removeAll()
            state.queued.removeAll()
        }
    }

    /// Waits until no job is queued or running (tests, benchmarks); whether that happened in time.
    package func waitUntilIdle(timeoutMillis: Int64) -> Bool {
        let deadline = MonotonicClock.nowMillis() + timeoutMillis
        while MonotonicClock.nowMillis() < deadline {
            if state.withLock({ $0.running.isEmpty && $0.queue.isEmpty }) { return true }
            usleep(10_000)
        }
        return false
    }

    private func shouldEnd(_ account: String) -> Bool { state.withLock { $0.stopped || $0.cancelled.contains(account) } }

    private func rest(_ account: String) {
        state.withLock { state in
            if state.resting.count >= 100_000 { state.resting.removeAll() }
            state.resting[account] = MonotonicClock.nowMillis() + Self.restMillis
        }
    }

    /// One job: rounds until nothing is missing, the login is refused, or rounds keep failing.
    private func run(_ credentials: Credentials) {
        let account = credentials.mailboxKey
        let started = MonotonicClock.nowMillis()
        var indexed: Set<String>?
        var skipped: Set<String> = []
        var failures = 0
        var added = 0
        var emptyRounds = 0
        while !shouldEnd(account) {
            let yieldUntil = MonotonicClock.nowMillis() + Self.maxYieldMillis
            while mailbox.isBusy(credentials) && MonotonicClock.nowMillis() < yieldUntil { usleep(20_000) }
            if shouldEnd(account) { return }
            do {
                var chosen: [String] = []
                let round = try mailbox.summarise(credentials) { listing in
                    var known: Set<String>
                    if let indexed {
                        known = indexed
                    } else {
                        known = try index.indexedUIDLs(account: account)
                        let vanished = VanishedUIDLs.among(known, present: Set(listing.map(\.uidl)))
                        try index.delete(account: account, uidls: vanished)
                        known.subtract(vanished)
                        indexed = known
                    }
                    let picked = listing.lazy.filter { !known.contains($0.uidl) && !skipped.contains($0.uidl) }.prefix(batchSize)
                    chosen = picked.map(\.uidl)
                    return Array(picked)
                }
                let rows = round.summaries.map { IndexedSummary(uidl: $0.uidl, summary: $0.summary) }
                try index.insert(account: account, rows)
                added += rows.count
                indexed?.formUnion(rows.map(\.uidl))
                skipped.formUnion(Set(chosen).subtracting(rows.map(\.uidl)))
                failures = 0
                // A server that answers no TOP at all (or not for these messages) twice in a row
                // will not for the rest either: stop rather than walk the whole mailbox for nothing.
                emptyRounds = !chosen.isEmpty && rows.isEmpty ? emptyRounds + 1 : 0
                if emptyRounds >= 2 {
                    logger.notice("summary indexing stopped: the server gives no headers", metadata: ["mailbox": .string(account)])
                    rest(account)
                    return
                }
                if chosen.isEmpty {
                    if skipped.isEmpty {
                        markComplete(account: account, listing: ListingFingerprint(round.listing.map(\.uidl)))
                    } else {
                        rest(account)  // messages without headers would only be asked for again and again
                    }
                    // Info: once per job, and what an operator wants to know after a large mailbox's first search.
                    logger.info("summary index complete", metadata: [
                        "mailbox": .string(account), "added": "\(added)", "skipped": "\(skipped.count)",
                        "millis": "\(MonotonicClock.nowMillis() - started)",
                    ])
                    return
                }
            } catch {
                if case POP3Error.loginRefused = error { return }
                if shouldEnd(account) { return }
                failures += 1
                if failures >= Self.maxFailures {
                    logger.notice("summary indexing gave up", metadata: ["mailbox": .string(account), "error": "\(error)"])
                    rest(account)
                    return
                }
                usleep(UInt32(min(200_000 * failures, 2_000_000)))
            }
        }
    }
}
