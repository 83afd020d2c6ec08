/// One page of the newest-first message list.
public struct MessagePage: Codable, Sendable, NullPreservingEncodable {
    /// Messages in the mailbox.
    public var total: Int
    /// This page's summaries, newest first.
    public var messages: [MessageSummary]
    /// Cursor for the next page, or nil at the end.
    public var nextCursor: String?
}
