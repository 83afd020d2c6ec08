/// Search and filter over the summary index (`GET /api/v1/messages?q=…`): one fresh login and
/// UIDL listing (which proves the credentials, orders the results as the list does, and tells which
/// rows are stale), then the index. Only indexed messages can match; the page says how complete the
/// index is and, when it is not, a background job (``SummaryIndexer``) completes it.
package final class MessageSearch: Sendable {
    private let mailbox: MailboxService
    /// The index searched.
    package let index: SummaryIndex
    /// The background indexer.
    package let indexer: SummaryIndexer
    private let flags: MessageFlagStore

    /// Creates the search over `index`.
    package init(mailbox: MailboxService, index: SummaryIndex, flags: MessageFlagStore, indexer: SummaryIndexer) {
        self.mailbox = mailbox
        self.index = index
        self.indexer = indexer
        self.flags = flags
    }

    /// One newest-first page of the messages matching `query` and `filter`.
    /// - Parameter arrivedMillis: when the request arrived (monotonic; nil: now); the mailbox wait counts from it.
    /// - Throws: upstream errors, ``MailboxError/invalidCursor``, ``StateStoreError``.
    package func search(_ credentials: Credentials, query: SearchQuery, filter: FlagFilter, limit: Int, cursor: PageCursor?,
                        arrivedMillis: Int64? = nil) throws -> SearchPage {
        let account = credentials.mailboxKey
        let listing = try mailbox.newestFirstListings(credentials, arrivedMillis: arrivedMillis)
        let uidls = listing.map(\.uidl)
        let status = try refresh(credentials, uidls: uidls)
        let matching = try index.matching(account: account, query: query)
        let flagMap = try flags.flagsForListing(account: account, uidls: uidls)
        let page = try FilteredPaging.page(uidls, cursor: cursor, limit: limit) { uidl in
            matching.contains(uidl) && filter.matches(flagMap[uidl] ?? MessageFlags())
        }
        var stored: [String: MessageSummary] = [:]
        let uncached = page.uidls.filter { mailbox.cache.get(mailbox: account, uidl: $0) == nil }
        if !uncached.isEmpty { stored = try index.summaries(account: account, uidls: uncached) }
        var summaries: [MessageSummary] = []
        for uidl in page.uidls {
            guard var summary = mailbox.cache.get(mailbox: account, uidl: uidl) ?? stored[uidl] else { continue }
            let flags = flagMap[uidl] ?? MessageFlags()
            summary.seen = flags.seen
            summary.flagged = flags.flagged
            summaries.append(summary)
        }
        return SearchPage(total: page.total, messages: summaries, nextCursor: page.nextCursor, index: status)
    }

    /// Records summaries a list parsed (best effort: a failure is the caller's to log).
    /// - Throws: ``StateStoreError``.
    package func record(account: String, _ parsed: [(uidl: String, summary: MessageSummary)]) throws {
        try index.insert(account: account, parsed.map { IndexedSummary(uidl: $0.uidl, summary: $0.summary) })
    }

    /// After a listing that accepted `credentials`: the index's state for `uidls` (the mailbox now,
    /// newest first); drops rows of vanished messages and starts indexing when messages are missing.
    /// Costs no query when the index was complete for this very listing.
    /// - Throws: ``StateStoreError``.
    @discardableResult
    package func refresh(_ credentials: Credentials, uidls: [String]) throws -> IndexStatus {
        let account = credentials.mailboxKey
        let fingerprint = ListingFingerprint(uidls)
        if indexer.isComplete(account: account, listing: fingerprint) { return IndexStatus(indexed: uidls.count, total: uidls.count) }
        let present = Set(uidls)
        let stored = try index.indexedUIDLs(account: account)
        try index.delete(account: account, uidls: VanishedUIDLs.among(stored, present: present))
        let indexed = present.reduce(0) { $0 + (stored.contains($1) ? 1 : 0) }
        if indexed < present.count {
            indexer.request(credentials)
        } else {
            indexer.markComplete(account: account, listing: fingerprint)
        }
        return IndexStatus(indexed: indexed, total: present.count)
    }
}
