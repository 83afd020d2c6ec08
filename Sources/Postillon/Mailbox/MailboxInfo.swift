/// Mailbox totals and what the server can do.
package struct MailboxInfo: Codable, Sendable {
    /// Number of messages.
    package var messages: Int
    /// Total size in octets.
    package var bytes: Int
    /// The POP3 server's CAPA list, as the server sent it.
    package var capabilities: [String]
    /// The minimum seconds between logins the server advertises (`LOGIN-DELAY n`), or nil.
    package var loginDelay: Int?
}
