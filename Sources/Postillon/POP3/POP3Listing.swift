/// One message in a POP3 maildrop during one session: its session-local number, UIDL and size.
package struct POP3Listing: Sendable, Equatable {
    /// The message number in this session (changes between sessions; never exposed).
    package let number: Int
    /// The unique id (stable across sessions).
    package let uidl: String
    /// Size in octets as the server reports it.
    package let size: Int

    /// Creates a listing.
    package init(number: Int, uidl: String, size: Int) {
        self.number = number
        self.uidl = uidl
        self.size = size
    }
}
