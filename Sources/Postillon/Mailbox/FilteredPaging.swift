/// The newest-first paging of a filtered list, over UIDLs: the page starts where the cursor points in
/// the unfiltered list (so a message that stops matching between pages does not invalidate it) and
/// takes the next `limit` matching messages. Pure.
package enum FilteredPaging {
    /// One page: the UIDLs on it, the cursor to the next page (nil at the end), and how many match in all.
    /// - Throws: ``MailboxError/invalidCursor`` when the cursor names no message any more.
    package static func page(_ newestFirst: [String], cursor: PageCursor?, limit: Int,
                             matches: (String) -> Bool) throws -> (uidls: [String], nextCursor: String?, total: Int) {
        let page = try withoutActuallyEscaping(matches) { matches in
            try Self.page(newestFirst, uidl: { $0 }, cursor: cursor, limit: limit, matches: matches)
        }
        return (page.items, page.nextCursor, page.total)
    }

    /// ``page(_:cursor:limit:matches:)`` over any newest-first items that carry a UIDL (e.g. a
    /// POP3 listing): the items on the page, the cursor to the next one, and how many match in all.
    /// `matches` nil: every item does (no filter; the total is the count, without a pass over them).
    /// - Throws: ``MailboxError/invalidCursor`` when the cursor names no message any more.
    package static func page<Item>(_ newestFirst: [Item], uidl: (Item) -> String, cursor: PageCursor?, limit: Int,
                                   matches filter: ((Item) -> Bool)?) throws -> (items: [Item], nextCursor: String?, total: Int) {
        let matches = filter ?? { _ in true }
        var start = 0
        if let cursor {
            guard let index = cursor.startIndex(in: newestFirst.map(uidl)) else { throw MailboxError.invalidCursor }
            start = index
        }
        var page: [Item] = []
        var index = min(start, newestFirst.count)
        while index < newestFirst.count && page.count < limit {
            if matches(newestFirst[index]) { page.append(newestFirst[index]) }
            index += 1
        }
        while index < newestFirst.count && !matches(newestFirst[index]) { index += 1 }
        let next = index < newestFirst.count && !page.isEmpty ? PageCursor(next: uidl(newestFirst[index]), last: uidl(page.last!)).encoded : nil
        let total = filter == nil ? newestFirst.count : newestFirst.reduce(0) { $0 + (matches($1) ? 1 : 0) }
        return (page, next, total)
    }
}
