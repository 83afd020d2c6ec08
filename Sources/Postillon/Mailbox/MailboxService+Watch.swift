import PostillonHTTP

extension MailboxService {
    /// What one poll of a watched mailbox saw.
    package struct Snapshot: Sendable {
        /// Every UIDL, in the server's order (oldest first).
        package var uidls: [String]
        /// Summaries of the messages not in `known`, from the summary cache or `TOP n 0`.
        package var summaries: [String: MessageSummary]
        /// The server's `LOGIN-DELAY` in seconds, when its CAPA lists one.
        package var loginDelaySeconds: Int?
    }

    /// Most new messages summarised in one poll (the rest are reported without a summary).
    static let maxSummariesPerPoll = 200

    /// Polls a watched mailbox through the usual per-mailbox lock and session: `UIDL`, then headers
    /// for the messages not in `known` (none on a baseline poll, when `known` is nil), sharing the
    /// summary cache with the list route.
    /// - Throws: upstream errors, ``Problem`` `mailbox_busy`.
    package func snapshot(_ credentials: Credentials, known: Set<String>?) throws -> Snapshot {
        let mailbox = credentials.mailboxKey
        return try withSession(credentials, .list) { session in
            let listings = try session.listings()
            var summaries: [String: MessageSummary] = [:]
            if let known {
                let fresh = listings.filter { !known.contains($0.uidl) }.prefix(Self.maxSummariesPerPoll)
                var missing: [POP3Listing] = []
                for listing in fresh {
                    if let cached = cache.get(mailbox: mailbox, uidl: listing.uidl) { summaries[listing.uidl] = cached } else { missing.append(listing) }
                }
                if !missing.isEmpty {
                    let headers = try session.headers(of: missing.map(\.number))
                    for listing in missing {
                        guard let block = headers[listing.number] else { continue }
                        let summary = MessageSummary(id: MessageIdentifier.encode(listing.uidl), size: listing.size,
                                                     fields: HeaderSummaryParser.parse(block))
                        cache.put(mailbox: mailbox, uidl: listing.uidl, summary: summary)
                        summaries[listing.uidl] = summary
                    }
                }
            }
            return Snapshot(uidls: listings.map(\.uidl), summaries: summaries,
                            loginDelaySeconds: session.capabilities.loginDelaySeconds)
        }
    }
}
