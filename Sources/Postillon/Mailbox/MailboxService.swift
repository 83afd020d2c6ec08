import Logging
import PostillonHTTP

/// Reads and deletes mail over POP3 for API requests.
///
/// One POP3 session per mailbox at a time from this process (``KeyedLock``, bounded wait, then
/// 503 `mailbox_busy`); message ids are UIDLs; summaries are cached per (mailbox, UIDL) so a warm
/// page costs one login and one pipelined `UIDL`+`LIST`.
public final class MailboxService: Sendable {
    /// Where sessions come from.
    public let connector: any POP3Connector
    /// The summary cache.
    public let cache: SummaryCache
    private let locks = KeyedLock()
    private let waitMillis: Int64

    /// Creates a service.
    /// - Parameters:
    ///   - connector: opens POP3 sessions.
    ///   - cacheCapacity: most cached summaries.
    ///   - waitMillis: how long a request waits for its mailbox's session.
    public init(connector: any POP3Connector, cacheCapacity: Int, waitMillis: Int64) {
        self.connector = connector
        cache = SummaryCache(capacity: cacheCapacity)
        self.waitMillis = waitMillis
    }

    /// Largest page.
    public static let maxLimit = 200

    // MARK: Reading

    /// Checks credentials with a real POP3 login (used for sign-in).
    public func verify(_ credentials: Credentials) throws {
        let session = try connector.connect(credentials)
        session.close()
    }

    /// Message count, total size and capabilities.
    public func info(_ credentials: Credentials) throws -> MailboxInfo {
        try withSession(credentials) { session in
            let listings = try session.listings()
            return MailboxInfo(messages: listings.count, bytes: listings.reduce(0) { $0 + $1.size }, capabilities: session.capabilities)
        }
    }

    /// One newest-first page of summaries.
    /// - Throws: ``Problem`` `invalid_cursor` when the cursor names no message any more.
    public func list(_ credentials: Credentials, limit: Int, cursor: PageCursor?) throws -> MessagePage {
        let mailbox = credentials.mailboxKey
        return try withSession(credentials) { session in
            let newestFirst = Array(try session.listings().reversed())
            var start = 0
            if let cursor {
                guard let index = cursor.startIndex(in: newestFirst.map(\.uidl)) else {
                    throw Problem(.badRequest, code: "invalid_cursor",
                                  detail: "The messages this cursor points at were deleted; start again from the first page.")
                }
                start = index
            }
            let page = Array(newestFirst[min(start, newestFirst.count)..<min(start + limit, newestFirst.count)])
            let missing = page.filter { cache.get(mailbox: mailbox, uidl: $0.uidl) == nil }
            ServiceMetrics.cacheLookup("summary", hits: page.count - missing.count, misses: missing.count)
            let headers = missing.isEmpty ? [:] : try session.headers(of: missing.map(\.number))
            var summaries: [MessageSummary] = []
            for listing in page {
                if let cached = cache.get(mailbox: mailbox, uidl: listing.uidl) {
                    summaries.append(cached)
                } else if let block = headers[listing.number] {
                    let summary = MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size,
                                                 fields: HeaderSummaryParser.parse(block))
                    cache.put(mailbox: mailbox, uidl: listing.uidl, summary: summary)
                    summaries.append(summary)
                } else {
                    // The server gave no headers (no TOP support, or TOP refused): list the message
                    // anyway with what is known; it is not cached, so a later TOP can fill it in.
                    summaries.append(MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size, fields: HeaderFields()))
                }
            }
            let end = start + page.count
            let next = end < newestFirst.count && !page.isEmpty
                ? PageCursor(next: newestFirst[end].uidl, last: page.last!.uidl).encoded : nil
            return MessagePage(total: newestFirst.count, messages: summaries, nextCursor: next)
        }
    }

    /// Opens a session positioned on message `id` and returns it as a lease for streaming.
    /// - Throws: ``Problem`` `message_not_found`, or upstream errors.
    public func lease(_ credentials: Credentials, id: String) throws -> MessageLease {
        guard let uidl = MessageIdentifier.decode(id) else { throw Self.notFound(id) }
        let key = credentials.mailboxKey
        try acquire(key)
        var handedOver = false
        defer { if !handedOver { locks.release(key) } }
        let session = try connector.connect(credentials)
        do {
            let listing = try Self.listing(uidl, id: id, in: session)
            handedOver = true
            return MessageLease(session: session, listing: listing) { [locks] in locks.release(key) }
        } catch {
            session.close()
            throw error
        }
    }

    /// Downloads message `id` into a temporary file (for parsing), refusing messages over `maxBytes`.
    /// - Throws: ``MIMEError/messageTooLarge(size:limit:)``, ``Problem`` `message_not_found`, upstream errors.
    public func spool(_ credentials: Credentials, id: String, maxBytes: Int) throws -> (file: SpooledFile, listing: POP3Listing) {
        guard let uidl = MessageIdentifier.decode(id) else { throw Self.notFound(id) }
        return try withSession(credentials) { session in
            let listing = try Self.listing(uidl, id: id, in: session)
            guard listing.size <= maxBytes else { throw MIMEError.messageTooLarge(size: listing.size, limit: maxBytes) }
            let file = try SpooledFile()
            try session.retrieve(listing.number) { chunk in
                // The listed size may be a little off (line endings); the hard cap leaves room for that.
                if file.size + chunk.count > maxBytes + maxBytes / 8 + 4096 {
                    throw MIMEError.messageTooLarge(size: file.size + chunk.count, limit: maxBytes)
                }
                try file.write(chunk)
            }
            file.finishWriting()
            return (file, listing)
        }
    }

    // MARK: Deleting

    /// Deletes messages in one session; done only once the server confirmed `QUIT`.
    /// - Throws: ``POP3Error/quitFailed(_:)`` when the deletion was not confirmed.
    public func delete(_ credentials: Credentials, ids: [String]) throws -> DeleteResult {
        try withSession(credentials) { session in
            let numbers = Dictionary(try session.listings().map { ($0.uidl, $0.number) }, uniquingKeysWith: { first, _ in first })
            var result = DeleteResult(deleted: [], notFound: [])
            var targets: [Int] = []
            var seen: Set<String> = []
            for id in ids where seen.insert(id).inserted {
                if let uidl = MessageIdentifier.decode(id), let number = numbers[uidl] {
                    result.deleted.append(id)
                    targets.append(number)
                } else {
                    result.notFound.append(id)
                }
            }
            if !targets.isEmpty {
                try session.delete(targets)
                try session.quit()
            }
            return result
        }
    }

    // MARK: Sessions

    /// Runs `body` with a logged-in session under the mailbox lock. Read-only sessions end with a
    /// QUIT that is not waited for; on any error the session is aborted so nothing is committed.
    func withSession<T>(_ credentials: Credentials, _ body: (any POP3Session) throws -> T) throws -> T {
        let key = credentials.mailboxKey
        try acquire(key)
        defer { locks.release(key) }
        let session: any POP3Session
        do {
            session = try connector.connect(credentials)
        } catch {
            ServiceMetrics.pop3SessionEnded(outcome: UpstreamOutcome(error) ?? .error, commandNanoseconds: nil)
            throw error
        }
        let started = MonotonicClock.nowNanos()
        func elapsed() -> Int64 { Int64(MonotonicClock.nowNanos() &- started) }
        do {
            let result = try body(session)
            session.close()
            ServiceMetrics.pop3SessionEnded(outcome: .ok, commandNanoseconds: elapsed())
            return result
        } catch {
            session.abort()
            ServiceMetrics.pop3SessionEnded(outcome: UpstreamOutcome(error) ?? .ok, commandNanoseconds: elapsed())
            throw error
        }
    }

    private func acquire(_ key: String) throws {
        guard locks.acquire(key, timeoutMillis: waitMillis) else {
            throw Problem(.serviceUnavailable, code: "mailbox_busy",
                          detail: "Other requests for this mailbox are still running; retry shortly.", headers: ["Retry-After": "2"])
        }
    }

    /// The listing of the message with `uidl` in `session`.
    /// - Throws: ``Problem`` `message_not_found` (named by its API `id`).
    static func listing(_ uidl: String, id: String, in session: any POP3Session) throws -> POP3Listing {
        guard let listing = try session.listings().first(where: { $0.uidl == uidl }) else { throw notFound(id) }
        return listing
    }

    static func notFound(_ id: String) -> Problem {
        Problem(.notFound, code: "message_not_found", detail: "No message with id '\(id.prefix(100))' in this mailbox.")
    }
}
