/// One page of the newest-first message list.
package struct MessagePage: Codable, Sendable, NullPreservingEncodable {
    /// Messages in the mailbox.
    package var total: Int
    /// This page's summaries, newest first.
    package var messages: [MessageSummary]
    /// Cursor for the next page, or nil at the end.
    package var nextCursor: String?
    /// Messages in the whole mailbox not marked seen (whatever the filter), when the server keeps
    /// flags; nil otherwise. For an unread badge that does not depend on the pages loaded.
    package var unread: Int?
}
