/// One page of the newest-first message list.
public struct MessagePage: Codable, Sendable {
    /// Messages in the mailbox.
    public var total: Int
    /// This page's summaries, newest first.
    public var messages: [MessageSummary]
    /// Cursor for the next page, or nil at the end.
    public var nextCursor: String?

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encode(total, forKey: AnyCodingKey(stringValue: "total"))
        try container.encode(messages, forKey: AnyCodingKey(stringValue: "messages"))
        try container.encode(nextCursor, forKey: AnyCodingKey(stringValue: "nextCursor"))
    }
}
