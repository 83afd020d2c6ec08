/// How Postillon logs in to the POP3 server (`--pop3-auth`).
package enum POP3AuthMode: String, Sendable, CaseIterable {
    /// `AUTH PLAIN` with an initial response when CAPA lists `SASL ... PLAIN`, else `USER`/`PASS`.
    /// Never APOP: servers that greet with a timestamp (GNU mailutils, solid-pop3d) usually keep
    /// their APOP secrets apart from the login password, so APOP would refuse a correct password.
    case auto
    /// APOP (RFC 1939 §7) when the greeting carries a `<timestamp>`, otherwise as ``auto``.
    /// Only for servers whose APOP secret is the user's password.
    case apop
}
