import PostillonHTTP

/// A mailbox the poller watches: the login it polls with and how often.
package struct WatchedAccount: Sendable {
    /// The mailbox key (the lower-cased login), the account events are recorded under.
    package var account: String { credentials.mailboxKey }
    /// The login.
    package var credentials: Credentials
    /// Seconds between polls (raised to the server's LOGIN-DELAY when it has one).
    package var intervalSeconds: Int

    /// Creates a watched account.
    package init(credentials: Credentials, intervalSeconds: Int) {
        self.credentials = credentials
        self.intervalSeconds = intervalSeconds
    }
}
