/// One message in a POP3 maildrop during one session: its session-local number, UIDL and size.
public struct POP3Listing: Sendable, Equatable {
    /// The message number in this session (changes between sessions; never exposed).
    public let number: Int
    /// The unique id (stable across sessions).
    public let uidl: String
    /// Size in octets as the server reports it.
    public let size: Int

    /// Creates a listing.
    public init(number: Int, uidl: String, size: Int) {
        self.number = number
        self.uidl = uidl
        self.size = size
    }
}
