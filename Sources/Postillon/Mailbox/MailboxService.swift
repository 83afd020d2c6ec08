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

    /// One newest-first page of summaries, with Postillon's flags when `flags` supplies them.
    /// - Parameters:
    ///   - filter: only messages whose flags match are listed (and counted in `total`).
    ///   - flags: given every UIDL in the mailbox, returns the stored flags (nil: no flags).
    /// - Throws: ``MailboxError/invalidCursor`` when the cursor names no message any more.
    public func list(_ credentials: Credentials, limit: Int, cursor: PageCursor?, filter: FlagFilter = FlagFilter(),
                     flags: (([String]) throws -> [String: MessageFlags])? = nil) throws -> MessagePage {
        let mailbox = credentials.mailboxKey
        return try withSession(credentials) { session in
            let newestFirst = Array(try session.listings().reversed())
            let flagMap = try flags?(newestFirst.map(\.uidl)) ?? [:]
            func matches(_ listing: POP3Listing) -> Bool { filter.matches(flagMap[listing.uidl] ?? MessageFlags()) }
            var start = 0
            if let cursor {
                // The cursor is placed on the unfiltered list: a message whose flags changed since
                // the previous page does not invalidate it.
                guard let index = cursor.startIndex(in: newestFirst.map(\.uidl)) else {
                    throw MailboxError.invalidCursor
                }
                start = index
            }
            var page: [POP3Listing] = []
            var index = min(start, newestFirst.count)
            while index < newestFirst.count && page.count < limit {
                if matches(newestFirst[index]) { page.append(newestFirst[index]) }
                index += 1
            }
            while index < newestFirst.count && !matches(newestFirst[index]) { index += 1 }
            let missing = page.filter { cache.get(mailbox: mailbox, uidl: $0.uidl) == nil }
            let headers = missing.isEmpty ? [:] : try session.headers(of: missing.map(\.number))
            var summaries: [MessageSummary] = []
            for listing in page {
                var summary: MessageSummary
                if let cached = cache.get(mailbox: mailbox, uidl: listing.uidl) {
                    summary = cached
                } else if let block = headers[listing.number] {
                    summary = MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size,
                                             fields: HeaderSummaryParser.parse(block))
                    cache.put(mailbox: mailbox, uidl: listing.uidl, summary: summary)
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
            let next = index < newestFirst.count && !page.isEmpty
                ? PageCursor(next: newestFirst[index].uidl, last: page.last!.uidl).encoded : nil
            let total = filter.isActive ? newestFirst.reduce(0) { $0 + (matches($1) ? 1 : 0) } : newestFirst.count
            return MessagePage(total: total, messages: summaries, nextCursor: next)
        }
    }

    /// Splits `ids` into the UIDLs this mailbox has and the ids it does not (one session, read-only).
    /// Proves the credentials with a login, so it also guards state-only changes such as flags.
    /// - Throws: upstream errors.
    public func existing(_ credentials: Credentials, ids: [String]) throws -> (found: [(id: String, uidl: String)], notFound: [String]) {
        try withSession(credentials) { session in
            let present = Set(try session.listings().map(\.uidl))
            var found: [(id: String, uidl: String)] = []
            var notFound: [String] = []
            for id in ids {
                if let uidl = MessageIdentifier.decode(id), present.contains(uidl) { found.append((id, uidl)) } else { notFound.append(id) }
            }
            return (found, notFound)
        }
    }

    /// Opens a session positioned on message `id` and returns it as a lease for streaming.
    /// - Throws: ``MailboxError/messageNotFound(id:)``, or upstream errors.
    public func lease(_ credentials: Credentials, id: String) throws -> MessageLease {
        guard let uidl = MessageIdentifier.decode(id) else { throw MailboxError.messageNotFound(id: id) }
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
    /// - Throws: ``MailboxError/messageTooLarge(size:limit:)``, ``MailboxError/messageNotFound(id:)``, upstream errors.
    public func spool(_ credentials: Credentials, id: String, maxBytes: Int) throws -> (file: SpooledFile, listing: POP3Listing) {
        guard let uidl = MessageIdentifier.decode(id) else { throw MailboxError.messageNotFound(id: id) }
        return try withSession(credentials) { session in
            let listing = try Self.listing(uidl, id: id, in: session)
            guard listing.size <= maxBytes else { throw MailboxError.messageTooLarge(size: listing.size, limit: maxBytes) }
            let file = try SpooledFile()
            try session.retrieve(listing.number) { chunk in
                // The listed size may be a little off (line endings); the hard cap leaves room for that.
                if file.size + chunk.count > maxBytes + maxBytes / 8 + 4096 {
                    throw MailboxError.messageTooLarge(size: file.size + chunk.count, limit: maxBytes)
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
        let session = try connector.connect(credentials)
        do {
            let result = try body(session)
            session.close()
            return result
        } catch {
            session.abort()
            throw error
        }
    }

    private func acquire(_ key: String) throws {
        guard locks.acquire(key, timeoutMillis: waitMillis) else {
            throw MailboxError.busy
        }
    }

    /// The listing of the message with `uidl` in `session`.
    /// - Throws: ``MailboxError/messageNotFound(id:)`` (named by its API `id`).
    static func listing(_ uidl: String, id: String, in session: any POP3Session) throws -> POP3Listing {
        guard let listing = try session.listings().first(where: { $0.uidl == uidl }) else { throw MailboxError.messageNotFound(id: id) }
        return listing
    }
}
