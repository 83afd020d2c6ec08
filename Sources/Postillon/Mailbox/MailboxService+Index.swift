/// What the summary index and search need from the mailbox: the current listing, and batches of
/// summaries parsed from pipelined `TOP n 0`, each under the mailbox's line.
extension MailboxService {
    /// The mailbox's messages, newest first, from a fresh login (as the list has; proves the
    /// credentials).
    /// - Parameter arrivedMillis: when the request arrived (monotonic; nil: now); the mailbox wait counts from it.
    /// - Throws: upstream errors, ``MailboxError/busy``.
    package func newestFirstListings(_ credentials: Credentials, arrivedMillis: Int64? = nil) throws -> [POP3Listing] {
        try withSession(credentials, .list, arrivedMillis: arrivedMillis) { session in
            Array(try session.listings().reversed())
        }
    }

    /// Whether a request holds or waits for this mailbox's line right now (the indexer then waits).
    package func isBusy(_ credentials: Credentials) -> Bool { locks.isBusy(credentials.mailboxKey) }

    /// One indexing round under the mailbox's line: `pick` chooses from the session's listing
    /// (newest first) the messages to summarise, which are read with pipelined `TOP n 0` and parsed.
    /// A parked session is reused whatever its age (its listing and message numbers belong together),
    /// and the session is parked again afterwards, so a run of rounds costs one login.
    /// - Returns: the session's listing and the parsed summaries (a message the server gave no
    ///   headers for is left out).
    /// - Throws: upstream errors, ``MailboxError/busy``, what `pick` throws.
    package func summarise(_ credentials: Credentials,
                           pick: ([POP3Listing]) throws -> [POP3Listing]) throws -> (listing: [POP3Listing], summaries: [(uidl: String, summary: MessageSummary)]) {
        try withSession(credentials, .read) { session in
            let newestFirst = Array(try session.listings().reversed())
            let chosen = try pick(newestFirst)
            let headers = chosen.isEmpty ? [:] : try session.headers(of: chosen.map(\.number))
            var summaries: [(uidl: String, summary: MessageSummary)] = []
            for listing in chosen {
                guard let block = headers[listing.number] else { continue }
                let summary = MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size,
                                             fields: HeaderSummaryParser.parse(block))
                summaries.append((listing.uidl, summary))
            }
            return (newestFirst, summaries)
        }
    }
}
