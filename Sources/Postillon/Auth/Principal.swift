/// Who is calling, once authenticated: the upstream login and the sender address that goes with it.
package struct Principal: Sendable {
    /// How the caller authenticated.
    package enum Method: String, Sendable {
        case basic
        case session
        case apiKey
    }

    /// The upstream login used for POP3 and SMTP.
    package let credentials: Credentials
    /// The caller's mail address (the default `From` of sends).
    package let address: String
    /// How the caller authenticated.
    package let method: Method
    /// A stable identity for per-caller state such as idempotency keys (never the password).
    package let identity: String
    /// The session token, when `method` is `.session`.
    package let sessionToken: String?

    /// Creates a principal.
    package init(credentials: Credentials, address: String, method: Method, identity: String, sessionToken: String? = nil) {
        self.credentials = credentials
        self.address = address
        self.method = method
        self.identity = identity
        self.sessionToken = sessionToken
    }
}
