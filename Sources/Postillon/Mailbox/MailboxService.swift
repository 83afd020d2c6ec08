import Logging
import PostillonHTTP
#if canImport(Glibc)
import Glibc
#endif

/// Reads and deletes mail over POP3 for API requests.
///
/// One POP3 session per mailbox at a time from this process (``KeyedLock``: bounded wait, a cap on
/// waiters, then 503 `mailbox_busy`); message ids are UIDLs; summaries are cached per (mailbox,
/// UIDL) so a warm page costs one login and one pipelined `UIDL`+`LIST`.
///
/// Session reuse (``SessionPark``): after a request the authenticated session stays parked for
/// `reuseMillis` (0 = off) and the next request for that mailbox with the same credentials takes
/// it. Rules: one session per mailbox (the line's holder owns it); a list or mailbox count starts
/// from a fresh login (POP3 snapshots the maildrop at login) unless the parked session logged in
/// less than ``listReuseMillis`` ago; a delete's session ends with QUIT and is never parked; a
/// parked session is closed with QUIT when idle, at shutdown, and before any other login for its
/// mailbox (servers that lock the maildrop answer `[IN-USE]`); a parked session found broken is
/// replaced once by a fresh one, transparently. When the server advertises `LOGIN-DELAY n`
/// (Cyrus `popminpoll`, mailutils `login-delay`), sessions stay parked up to n seconds (at most
/// ``maxLoginDelayParkMillis``) and lists reuse them: new mail then shows up at most n seconds late,
/// which is what the server asks for, instead of 429 on every request.
///
/// Failed logins do not hold a mailbox's line: when the line is busy and the credentials have not
/// been accepted in this process recently, they are checked by a login outside the line first.
///
/// `[IN-USE]` right after our own QUIT: servers that lock the maildrop (GNU mailutils pop3d) release
/// the lock a moment after answering QUIT, so a login that follows this process's own QUIT for the
/// same mailbox (within ``ownQuitWindowMillis``) and is refused `[IN-USE]` is tried once more after
/// ``ownQuitRetryMillis``. An `[IN-USE]` with no QUIT of ours before it (another client holds the
/// maildrop) is answered at once (409 `mailbox_locked`).
///
/// Budget: `waitMillis` (`--mailbox-wait`) counts from the request's arrival (`arrivedMillis`),
/// so time spent waiting for a worker thread and in the outside-line check counts too. A request
/// that cannot get its mailbox's line by then answers ``MailboxError/busy`` (503 `mailbox_busy`,
/// Retry-After) without any upstream work. A request that had to queue behind another one gets only
/// what is left of that budget for its upstream waits (at least ``minimumWorkMillis``), so the
/// slowest answer for a contended mailbox comes within `--mailbox-wait` + 1 s even when the server
/// stalls; a message already flowing after RETR's `+OK` and the wait for QUIT's reply (an
/// unanswered QUIT is `delete_outcome_unknown`) keep the full upstream timeout. A request that
/// found its line free works with the full upstream timeout.
package final class MailboxService: Sendable {
    /// Where sessions come from.
    package let connector: any POP3Connector
    /// The summary cache.
    package let cache: SummaryCache
    /// Per-mailbox lines (the indexer reads ``KeyedLock/isBusy(_:)`` to yield to requests).
    let locks: KeyedLock
    private let waitMillis: Int64
    private let reuseMillis: Int64
    private let park: SessionPark
    private let quits: RecentQuits
    private let verified: VerifiedLogins
    private let messages: MessageCache

    /// A list may reuse a parked session that logged in at most this long ago.
    package static let listReuseMillis: Int64 = 1000
    /// Longest a session stays parked for a server's LOGIN-DELAY.
    package static let maxLoginDelayParkMillis: Int64 = 120_000
    /// Upstream time a request that got its line at the very end of its budget still gets (a healthy
    /// login and listing take a few milliseconds on a LAN), rather than being cut at once.
    package static let minimumWorkMillis: Int64 = 500
    /// Pause before the one retry of a login refused `[IN-USE]` right after this process's own QUIT.
    package static let ownQuitRetryMillis: Int64 = 250
    /// How long after this process ended a session an `[IN-USE]` for that mailbox counts as its own doing.
    package static let ownQuitWindowMillis: Int64 = 3000

    /// Creates a service.
    /// - Parameters:
    ///   - connector: opens POP3 sessions.
    ///   - cacheCapacity: most cached summaries.
    ///   - waitMillis: how long a request waits for its mailbox's session.
    ///   - reuseMillis: how long a session stays parked for the next request (0: never).
    ///   - maxWaiters: most requests waiting for one mailbox; more get 503 at once.
    ///   - messageCacheBytes: memory for raw messages by UIDL (0: off).
    package init(connector: any POP3Connector, cacheCapacity: Int, waitMillis: Int64, reuseMillis: Int64 = 5000, maxWaiters: Int = 32,
                messageCacheBytes: Int = 64 << 20) {
        self.connector = connector
        cache = SummaryCache(capacity: cacheCapacity)
        self.waitMillis = waitMillis
        self.reuseMillis = reuseMillis
        locks = KeyedLock(maxWaiters: maxWaiters)
        verified = VerifiedLogins(lifetimeMillis: max(reuseMillis, 60_000))
        messages = MessageCache(capacityBytes: messageCacheBytes)
        let quits = RecentQuits(windowMillis: Self.ownQuitWindowMillis)
        self.quits = quits
        park = SessionPark(onClose: { quits.record($0) })
    }

    /// Bytes of raw messages cached now (tests).
    package var cachedMessageBytes: Int { messages.bytes }
    /// Parsed message views cached now (tests).
    package var cachedViewCount: Int { messages.viewCount }

    /// Sessions parked right now (tests).
    package var parkedSessions: Int { park.count }

    /// Closes every parked session with QUIT (tests; sessions park again afterwards).
    package func closeParkedSessions() { park.closeAll(stopping: false) }

    /// Closes every parked session with QUIT and parks no more (shutdown).
    package func shutdown() { park.closeAll(stopping: true) }

    /// Closes parked sessions whose time is up now (tests; a reaper thread does it otherwise).
    @discardableResult
    package func closeIdleSessions() -> Int { park.closeExpired() }

    /// Largest page.
    package static let maxLimit = 200

    // MARK: Reading

    /// Checks credentials with a real POP3 login (used for sign-in).
    package func verify(_ credentials: Credentials) throws {
        try retryingOwnInUse(credentials.mailboxKey, cap: nil) {
            let session = try connector.connect(credentials)
            do {
                try session.authenticate()
            } catch {
                session.abort()
                if case POP3Error.loginRefused = error { verified.forget(credentials) }
                throw error
            }
            session.close()
            quits.record(credentials.mailboxKey)
        }
        verified.record(credentials)
    }

    /// Message count, total size and capabilities.
    /// - Parameter arrivedMillis: when the request arrived (monotonic; nil: now); the mailbox wait counts from it.
    package func info(_ credentials: Credentials, arrivedMillis: Int64? = nil) throws -> MailboxInfo {
        try withSession(credentials, .list, arrivedMillis: arrivedMillis) { session in
            let listings = try session.listings()
            return MailboxInfo(messages: listings.count, bytes: listings.reduce(0) { $0 + $1.size }, capabilities: session.capabilities.lines,
                               loginDelay: session.capabilities.loginDelaySeconds)
        }
    }

    /// One newest-first page of summaries, with Postillon's flags when `flags` supplies them.
    /// - Parameters:
    ///   - filter: only messages whose flags match are listed (and counted in `total`).
    ///   - arrivedMillis: when the request arrived (monotonic; nil: now); the mailbox wait counts from it.
    ///   - flags: given every UIDL in the mailbox, returns the stored flags (nil: no flags).
    ///   - parsed: given the summaries this page parsed from `TOP` (not those from the cache), with
    ///     their UIDLs; the summary index records them.
    /// - Throws: ``MailboxError/invalidCursor`` when the cursor names no message any more.
    package func list(_ credentials: Credentials, limit: Int, cursor: PageCursor?, filter: FlagFilter = FlagFilter(),
                     arrivedMillis: Int64? = nil, flags: (([String]) throws -> [String: MessageFlags])? = nil,
                     parsed: (([(uidl: String, summary: MessageSummary)]) -> Void)? = nil) throws -> MessagePage {
        let mailbox = credentials.mailboxKey
        return try withSession(credentials, .list, arrivedMillis: arrivedMillis) { session in
            let newestFirst = Array(try session.listings().reversed())
            let flagMap = try flags?(newestFirst.map(\.uidl)) ?? [:]
            messages.retain(mailbox: mailbox, present: Set(newestFirst.map(\.uidl)))
            // The cursor is placed on the unfiltered list: a message whose flags changed since the
            // previous page does not invalidate it.
            let matches: ((POP3Listing) -> Bool)? = filter.isActive ? { filter.matches(flagMap[$0.uidl] ?? MessageFlags()) } : nil
            let (page, next, total) = try FilteredPaging.page(newestFirst, uidl: \.uidl, cursor: cursor, limit: limit, matches: matches)
            let missing = page.filter { cache.get(mailbox: mailbox, uidl: $0.uidl) == nil }
            ServiceMetrics.cacheLookup("summary", hits: page.count - missing.count, misses: missing.count)
            let headers = missing.isEmpty ? [:] : try session.headers(of: missing.map(\.number))
            var summaries: [MessageSummary] = []
            var fresh: [(uidl: String, summary: MessageSummary)] = []
            for listing in page {
                var summary: MessageSummary
                if let cached = cache.get(mailbox: mailbox, uidl: listing.uidl) {
                    summary = cached
                } else if let block = headers[listing.number] {
                    summary = MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size,
                                             fields: HeaderSummaryParser.parse(block))
                    cache.put(mailbox: mailbox, uidl: listing.uidl, summary: summary)
                    fresh.append((listing.uidl, summary))
                } else {
                    // The server gave no headers (no TOP support, or TOP refused): list the message
                    // anyway with what is known; it is not cached, so a later TOP can fill it in.
                    summary = MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size, fields: HeaderFields())
                }
                let flags = flagMap[listing.uidl] ?? MessageFlags()
                summary.seen = flags.seen
                summary.flagged = flags.flagged
                summaries.append(summary)
            }
            if !fresh.isEmpty { parsed?(fresh) }
            let unread = flags == nil ? nil : newestFirst.reduce(0) { $0 + ((flagMap[$1.uidl]?.seen ?? false) ? 0 : 1) }
            return MessagePage(total: total, messages: summaries, nextCursor: next, unread: unread)
        }
    }

    /// Splits `ids` into the UIDLs this mailbox has and the ids it does not (one session, read-only).
    /// Proves the credentials with a login, so it also guards state-only changes such as flags.
    /// - Throws: upstream errors.
    package func existing(_ credentials: Credentials, ids: [String],
                         arrivedMillis: Int64? = nil) throws -> (found: [(id: String, uidl: String)], notFound: [String]) {
        try withSession(credentials, .list, arrivedMillis: arrivedMillis) { session in
            let present = Set(try session.listings().map(\.uidl))
            var found: [(id: String, uidl: String)] = []
            var notFound: [String] = []
            for id in ids {
                if let uidl = MessageIdentifier.decode(id), present.contains(uidl) { found.append((id, uidl)) } else { notFound.append(id) }
            }
            return (found, notFound)
        }
    }

    /// Downloads message `id` into a temporary file, refusing messages over `maxBytes` (nil: any size).
    ///
    /// Raw downloads go through here too: the mailbox's session and line are released as soon as
    /// the message is on disk, so a client that reads slowly (or never) cannot hold the mailbox.
    /// - Throws: ``MailboxError/messageTooLarge(size:limit:)``, ``MailboxError/messageNotFound(id:)``, upstream errors.
    package func spool(_ credentials: Credentials, id: String, maxBytes: Int?,
                      arrivedMillis: Int64? = nil) throws -> (file: SpooledFile, listing: POP3Listing) {
        guard let uidl = MessageIdentifier.decode(id) else { throw MailboxError.messageNotFound(id: id) }
        let mailbox = credentials.mailboxKey
        // Served with no upstream session at all, but only to credentials a login proved recently.
        let cached = verified.contains(credentials) ? messages.get(mailbox: mailbox, uidl: uidl) : nil
        ServiceMetrics.cacheLookup("message", hits: cached == nil ? 0 : 1, misses: cached == nil ? 1 : 0)
        if let bytes = cached {
            let limit = maxBytes ?? Int.max / 4
            guard bytes.count <= limit else { throw MailboxError.messageTooLarge(size: bytes.count, limit: limit) }
            let file = try SpooledFile()
            try bytes.withUnsafeBytes { try file.write($0) }
            file.finishWriting()
            return (file, POP3Listing(number: 0, uidl: uidl, size: bytes.count))
        }
        return try withSession(credentials, .read, arrivedMillis: arrivedMillis) { session in
            let listing = try Self.listing(uidl, id: id, in: session)
            let limit = maxBytes ?? Int.max / 4
            guard listing.size <= limit else { throw MailboxError.messageTooLarge(size: listing.size, limit: limit) }
            let file = try SpooledFile()
            try session.retrieve(listing.number) { chunk in
                // The listed size may be a little off (line endings); the hard cap leaves room for that.
                if file.size + chunk.count > limit + limit / 8 + 4096 {
                    throw MailboxError.messageTooLarge(size: file.size + chunk.count, limit: limit)
                }
                try file.write(chunk)
            }
            file.finishWriting()
            if file.size <= messages.maxEntryBytes {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(file.size)
                try file.read { bytes.append(contentsOf: $0) }
                messages.put(mailbox: mailbox, uidl: uidl, bytes: bytes)
            }
            return (file, listing)
        }
    }

    /// A parsed view of message `id` (for example the JSON message view): from the message cache when
    /// a login in this process verified these credentials recently (no upstream session, no parsing),
    /// else parsed from a download by `parse` and kept, charged `cost(view)` bytes. A view never
    /// changes for a UIDL; it goes with the message when a listing shows it gone or after a delete.
    /// - Returns: the view and the message's UIDL.
    /// - Throws: what ``spool(_:id:maxBytes:arrivedMillis:)`` and `parse` throw.
    package func parsed<View: Sendable>(_ credentials: Credentials, id: String, maxBytes: Int?, arrivedMillis: Int64? = nil,
                                       cost: (View) -> Int, parse: (SpooledFile, POP3Listing) throws -> View) throws -> (view: View, uidl: String) {
        guard let uidl = MessageIdentifier.decode(id) else { throw MailboxError.messageNotFound(id: id) }
        let mailbox = credentials.mailboxKey
        if verified.contains(credentials), let view = messages.view(mailbox: mailbox, uidl: uidl, as: View.self) {
            ServiceMetrics.cacheLookup("view", hits: 1, misses: 0)
            return (view, uidl)
        }
        ServiceMetrics.cacheLookup("view", hits: 0, misses: 1)
        let spooled = try spool(credentials, id: id, maxBytes: maxBytes, arrivedMillis: arrivedMillis)
        let view = try parse(spooled.file, spooled.listing)
        messages.putView(mailbox: mailbox, uidl: uidl, view: view, cost: cost(view))
        return (view, uidl)
    }

    // MARK: Deleting

    /// Deletes messages in one session; done only once the server confirmed `QUIT`.
    /// - Throws: ``POP3Error/quitFailed(_:)`` when the deletion was not confirmed.
    package func delete(_ credentials: Credentials, ids: [String], arrivedMillis: Int64? = nil) throws -> DeleteResult {
        try withSession(credentials, .delete, arrivedMillis: arrivedMillis) { session in
            let numbers = Dictionary(try session.listings().map { ($0.uidl, $0.number) }, uniquingKeysWith: { first, _ in first })
            var result = DeleteResult(deleted: [], notFound: [])
            var targets: [Int] = []
            var seenIds: Set<String> = []
            var seenUIDLs: Set<String> = []
            // Deduplicated by decoded UIDL: an id and its alias form (`~` + base64url of a plain
            // UIDL) name one message, which gets one DELE (a second would be refused).
            for id in ids where seenIds.insert(id).inserted {
                if let uidl = MessageIdentifier.decode(id), let number = numbers[uidl] {
                    result.deleted.append(id)
                    if seenUIDLs.insert(uidl).inserted { targets.append(number) }
                } else {
                    result.notFound.append(id)
                }
            }
            if !targets.isEmpty {
                try session.delete(targets)
                // Dropped before QUIT: after an unknown outcome the messages may be gone too.
                messages.remove(mailbox: credentials.mailboxKey, uidls: result.deleted.compactMap(MessageIdentifier.decode))
                try session.quit()
            }
            return result
        }
    }

    // MARK: Sessions

    /// What a session is used for, which decides whether a parked one may serve and whether it is parked after.
    enum Purpose {
        /// Counts or lists the maildrop: needs a recent login (or a server LOGIN-DELAY).
        case list
        /// Reads a message by UIDL: any parked session of the same credentials will do.
        case read
        /// Deletes: ends with QUIT, never parked.
        case delete
    }

    /// Runs `body` with a logged-in session under the mailbox's line: a parked session when the
    /// rules allow, else a fresh login (after closing any parked one). Afterwards a session without
    /// pending deletions is parked, or closed with a QUIT that is not waited for; on an error it is
    /// aborted so nothing is committed. A parked session that turns out broken is replaced once.
    /// The request's budget (see the type's notes) counts from `arrivedMillis` (nil: now).
    func withSession<T>(_ credentials: Credentials, _ purpose: Purpose, arrivedMillis: Int64? = nil,
                        _ body: (any POP3Session) throws -> T) throws -> T {
        let key = credentials.mailboxKey
        let budget = (arrivedMillis ?? MonotonicClock.nowMillis()) + waitMillis
        let checkedOutside = try checkOutsideLineIfBusy(credentials, budget: budget)
        let grant = locks.acquire(key, deadlineMillis: budget)
        guard grant.acquired else { throw MailboxError.busy }
        defer { locks.release(key) }
        // Queued behind another request: only what is left of the budget (never less than the
        // minimum), and no upstream work at all once it is used up.
        var cap: Int64?
        if grant.waited || checkedOutside {
            let now = MonotonicClock.nowMillis()
            guard now < budget else { throw MailboxError.busy }
            cap = max(budget, now + Self.minimumWorkMillis)
        }
        let fingerprint = verified.fingerprint(credentials)
        if let parked = park.take(key) {
            if parked.fingerprint == fingerprint && mayReuse(parked, for: purpose) {
                parked.session.limitWaits(until: cap)
                do {
                    return try run(body, on: parked.session, loggedInMillis: parked.loggedInMillis, credentials, purpose, key, fingerprint)
                } catch let error where Self.isBrokenSession(error) {
                    // The server dropped the idle session: once more on a fresh one.
                }
            } else {
                parked.session.close()
                quits.record(key)
            }
        }
        return try retryingOwnInUse(key, cap: cap) {
            let session: any POP3Session
            do {
                session = try connector.connect(credentials, deadlineMillis: cap)
            } catch {
                ServiceMetrics.pop3SessionEnded(outcome: UpstreamOutcome(error) ?? .error, commandNanoseconds: nil)
                if case POP3Error.loginRefused = error { verified.forget(credentials) }
                throw error
            }
            return try run(body, on: session, loggedInMillis: MonotonicClock.nowMillis(), credentials, purpose, key, fingerprint)
        }
    }

    /// Runs `attempt` (a fresh login and its work) and, when it is refused `[IN-USE]` right after
    /// this process ended a session of the same mailbox, once more after ``ownQuitRetryMillis``
    /// (not when that would pass the request's `cap`).
    private func retryingOwnInUse<T>(_ key: String, cap: Int64?, _ attempt: () throws -> T) throws -> T {
        do {
            return try attempt()
        } catch let error where Self.isInUse(error) && quits.contains(key)
            && (cap ?? .max) > MonotonicClock.nowMillis() + Self.ownQuitRetryMillis {
            usleep(UInt32(Self.ownQuitRetryMillis * 1000))
            return try attempt()
        }
    }

    /// Whether `error` is a login refused with `[IN-USE]` (the maildrop is locked, the credentials may be fine).
    static func isInUse(_ error: any Error) -> Bool {
        if case POP3Error.loginRefused(let status) = error { return status?.code == "IN-USE" }
        return false
    }

    private func run<T>(_ body: (any POP3Session) throws -> T, on session: any POP3Session, loggedInMillis: Int64,
                        _ credentials: Credentials, _ purpose: Purpose, _ key: String, _ fingerprint: String) throws -> T {
        let result: T
        let started = MonotonicClock.nowNanos()
        do {
            result = try body(session)
        } catch {
            session.abort()
            ServiceMetrics.pop3SessionEnded(outcome: UpstreamOutcome(error) ?? .ok,
                                            commandNanoseconds: Int64(MonotonicClock.nowNanos() &- started))
            if case POP3Error.loginRefused = error { verified.forget(credentials) }
            throw error
        }
        ServiceMetrics.pop3SessionEnded(outcome: .ok, commandNanoseconds: Int64(MonotonicClock.nowNanos() &- started))
        verified.record(credentials)
        let lifetime = parkMillis(session)
        if purpose != .delete && lifetime > 0 {
            session.limitWaits(until: nil)  // the next request brings its own budget
            park.park(key, SessionPark.Entry(session: session, fingerprint: fingerprint, loggedInMillis: loggedInMillis,
                                             expiresMillis: MonotonicClock.nowMillis() + lifetime))
        } else {
            session.close()
            quits.record(key)
        }
        return result
    }

    /// How long `session` stays parked: the configured reuse time, longer for a server LOGIN-DELAY.
    private func parkMillis(_ session: any POP3Session) -> Int64 {
        guard reuseMillis > 0 else { return 0 }
        if let delay = session.capabilities.loginDelaySeconds, delay > 0 {
            return max(reuseMillis, min(Int64(delay) * 1000, Self.maxLoginDelayParkMillis))
        }
        return reuseMillis
    }

    private func mayReuse(_ parked: SessionPark.Entry, for purpose: Purpose) -> Bool {
        switch purpose {
        case .read, .delete: return true
        case .list:
            if (parked.session.capabilities.loginDelaySeconds ?? 0) > 0 { return true }
            return MonotonicClock.nowMillis() - parked.loggedInMillis <= Self.listReuseMillis
        }
    }

    /// Whether `error` means the connection is gone (before any QUIT), so a fresh session may retry.
    static func isBrokenSession(_ error: any Error) -> Bool {
        switch error {
        case POP3Error.connectionClosed, POP3Error.protocolViolation: return true
        case is CurlError: return true
        default: return false
        }
    }

    /// When the mailbox's line is busy and these credentials were not accepted recently, checks them
    /// with a login outside the line, so wrong passwords never make a proven user wait.
    /// A refusal for other reasons (`[IN-USE]`, `[LOGIN-DELAY]`, network) leaves it to the real attempt.
    /// The check's waits end with the request's `budget`; once it is used up the request is busy.
    /// - Returns: whether the line was busy (the request is queued behind another one).
    private func checkOutsideLineIfBusy(_ credentials: Credentials, budget: Int64) throws -> Bool {
        guard locks.isBusy(credentials.mailboxKey) else { return false }
        if MonotonicClock.nowMillis() >= budget { throw MailboxError.busy }
        guard !verified.contains(credentials) else { return true }
        var opened: (any POP3Session)?
        do {
            let session = try connector.connect(credentials, deadlineMillis: budget)
            opened = session
            try session.authenticate()
        } catch POP3Error.loginRefused(let status) where status?.code == nil || status?.code == "AUTH" {
            opened?.abort()
            verified.forget(credentials)
            throw POP3Error.loginRefused(status)
        } catch {
            opened?.abort()
            return true
        }
        opened?.close()
        quits.record(credentials.mailboxKey)
        verified.record(credentials)
        return true
    }

    /// The listing of the message with `uidl` in `session`.
    /// - Throws: ``MailboxError/messageNotFound(id:)`` (named by its API `id`).
    static func listing(_ uidl: String, id: String, in session: any POP3Session) throws -> POP3Listing {
        guard let listing = try session.listings().first(where: { $0.uidl == uidl }) else { throw MailboxError.messageNotFound(id: id) }
        return listing
    }
}
