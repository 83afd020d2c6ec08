/// A mail login: passed through to POP3 and SMTP. Prints without the password.
package struct Credentials: Sendable, Hashable, CustomStringConvertible {
    /// The login name.
    package let username: String
    /// The password; never logged or printed.
    package let password: String

    /// Creates credentials.
    package init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Whether both parts are usable in a mail protocol (no control characters, bounded length).
    package var isWellFormed: Bool {
        !username.isEmpty && username.utf8.count <= 256 && password.utf8.count <= 1024
            && !username.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            && !password.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    /// The key under which this login's mailbox is serialised and cached.
    package var mailboxKey: String { Self.mailboxKey(of: username) }

    /// The mailbox key of a login name (``mailboxKey``), without a password at hand.
    package static func mailboxKey(of username: String) -> String { username.lowercased() }

    package var description: String { "Credentials(username: \(username), password: <redacted>)" }
}
