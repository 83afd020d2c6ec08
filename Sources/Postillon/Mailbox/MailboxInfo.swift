/// Mailbox totals and what the server can do.
public struct MailboxInfo: Codable, Sendable {
    /// Number of messages.
    public var messages: Int
    /// Total size in octets.
    public var bytes: Int
    /// The POP3 server's CAPA list, as the server sent it.
    public var capabilities: [String]
    /// The minimum seconds between logins the server advertises (`LOGIN-DELAY n`), or nil.
    public var loginDelay: Int?
}
