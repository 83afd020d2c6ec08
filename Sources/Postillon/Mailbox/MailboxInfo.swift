/// Mailbox totals and what the server can do.
public struct MailboxInfo: Codable, Sendable {
    /// Number of messages.
    public var messages: Int
    /// Total size in octets.
    public var bytes: Int
    /// The POP3 server's CAPA list.
    public var capabilities: [String]
}
