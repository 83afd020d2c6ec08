import Foundation
import PostillonHTTP

/// Turns an `Authorization` header into a ``Principal``: Basic (passed through to the mail server),
/// a sign-in session token, or an operator-configured API key.
package final class Authenticator: Sendable {
    /// Sign-in sessions.
    package let sessions: SessionStore
    /// API-key accounts.
    package let apiKeys: APIKeyStore
    /// Failed-login counting.
    package let limiter: LoginRateLimiter
    private let mailDomain: String

    /// Creates an authenticator.
    package init(sessions: SessionStore, apiKeys: APIKeyStore, limiter: LoginRateLimiter, mailDomain: String) {
        self.sessions = sessions
        self.apiKeys = apiKeys
        self.limiter = limiter
        self.mailDomain = mailDomain
    }

    /// The caller of `request`.
    /// - Throws: ``Problem`` 401 `unauthorized` when the header is missing, malformed or names no session or key.
    package func authenticate(_ request: HTTPRequest) throws -> Principal {
        guard let header = request.headers["Authorization"] else {
            throw unauthorized("Authentication is required: HTTP Basic with your mail login, or a Bearer session token or API key.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { throw unauthorized("Malformed Authorization header.") }
        let scheme = parts[0].lowercased()
        let value = parts[1].trimming(" ")
        switch scheme {
        case "basic":
            guard let decoded = Data(base64Encoded: value).flatMap({ String(data: $0, encoding: .utf8) }),
                  let colon = decoded.firstIndex(of: ":")
            else { throw unauthorized("Malformed Basic credentials.") }
            let credentials = Credentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            guard credentials.isWellFormed else { throw unauthorized("Malformed Basic credentials.") }
            return Principal(credentials: credentials, address: address(for: credentials.username), method: .basic,
                             identity: "user:" + credentials.mailboxKey)
        case "bearer":
            if let session = try sessions.lookup(token: value) {
                return Principal(credentials: session.credentials, address: session.address, method: .session,
                                 identity: "user:" + session.credentials.mailboxKey, sessionToken: value)
            }
            if let account = apiKeys.account(forKey: value) {
                return Principal(credentials: Credentials(username: account.username, password: account.password),
                                 address: account.address, method: .apiKey, identity: "key:" + account.keySha256)
            }
            throw unauthorized("The bearer token is unknown or expired.")
        default:
            throw unauthorized("Unsupported authorization scheme; use Basic or Bearer.")
        }
    }

    /// Whether an `Authorization` value can belong to a caller, decided before a request body is
    /// read: Basic credentials of the right shape (their password is only checked by the mail
    /// server, later), or a Bearer token that names a live session or a configured API key.
    ///
    /// Runs on the event loop thread, so it only does in-memory work and never blocks.
    package func isPlausible(authorization: String?) -> Bool {
        guard let header = authorization, header.utf8.count <= 4096 else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let value = parts[1].trimming(" ")
        switch parts[0].lowercased() {
        case "basic":
            guard let decoded = Data(base64Encoded: value).flatMap({ String(data: $0, encoding: .utf8) }),
                  let colon = decoded.firstIndex(of: ":") else { return false }
            return Credentials(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...])).isWellFormed
        case "bearer":
            // The session store is a database: here only the token's HMAC tag is checked (in memory);
            // the worker's lookup decides whether the session is still live.
            return sessions.isPlausible(token: value) || apiKeys.account(forKey: value) != nil
        default:
            return false
        }
    }

    /// The sender address for a login: the login itself when it is an address, else login@mail-domain.
    package func address(for username: String) -> String {
        username.contains("@") ? username : "\(username)@\(mailDomain)"
    }

    private func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, code: "unauthorized", detail: detail,
                headers: ["WWW-Authenticate": "Basic realm=\"postillon\", charset=\"UTF-8\", Bearer"])
    }
}
