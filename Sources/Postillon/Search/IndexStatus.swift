/// How far the summary index of a mailbox is: search only finds indexed messages, so a client can
/// say "still indexing" while `complete` is false.
package struct IndexStatus: Codable, Sendable, Equatable {
    /// Every message in the mailbox is indexed.
    package var complete: Bool
    /// Messages of the mailbox that are indexed.
    package var indexed: Int
    /// Messages in the mailbox.
    package var total: Int

    /// Creates a status.
    package init(indexed: Int, total: Int) {
        self.indexed = indexed
        self.total = total
        complete = indexed >= total
    }
}
