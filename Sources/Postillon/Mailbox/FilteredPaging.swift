/// The newest-first paging of a filtered list, over UIDLs: the page starts where the cursor points in
/// the unfiltered list (so a message that stops matching between pages does not invalidate it) and
/// takes the next `limit` matching messages. Pure.
package enum FilteredPaging {
    /// One page: the UIDLs on it, the cursor to the next page (nil at the end), and how many match in all.
    /// - Throws: ``MailboxError/invalidCursor`` when the cursor names no message any more.
    package static func page(_ newestFirst: [String], cursor: PageCursor?, limit: Int,
                             matches: (String) -> Bool) throws -> (uidls: [String], nextCursor: String?, total: Int) {
        var start = 0
        if let cursor {
            guard let index = cursor.startIndex(in: newestFirst) else { throw MailboxError.invalidCursor }
            start = index
        }
        var page: [String] = []
        var index = min(start, newestFirst.count)
        while index < newestFirst.count && page.count < limit {
            if matches(newestFirst[index]) { page.append(newestFirst[index]) }
            index += 1
        }
        while index < newestFirst.count && !matches(newestFirst[index]) { index += 1 }
        let next = index < newestFirst.count && !page.isEmpty ? PageCursor(next: newestFirst[index], last: page.last!).encoded : nil
        let total = newestFirst.reduce(0) { $0 + (matches($1) ? 1 : 0) }
        return (page, next, total)
    }
}
