/// One page of search results: the list's shape (`total` counts the matches) plus the index's state.
package struct SearchPage: Sendable, NullPreservingEncodable {
    /// Matching messages (among the indexed ones).
    package var total: Int
    /// This page's summaries, newest first (mailbox order, as the list).
    package var messages: [MessageSummary]
    /// Cursor for the next page, or nil at the end.
    package var nextCursor: String?
    /// How complete the index is.
    package var index: IndexStatus
}
