import PostillonHTTP
/// Who may see operator details (upstream hosts in `/ready`, `/metrics` on the public listener).
enum OperatorAccess {
    /// True for `Authorization: Bearer <--operator-token>`, or a direct loopback caller: the socket peer
    /// is loopback and no proxy forwarded the request (a proxy on the same host adds X-Forwarded-For).
    static func isOperator(_ request: HTTPRequest, token: String?) -> Bool {
        if hasToken(request, token: token) { return true }
        let headers = request.headers
        return isLoopback(request.remoteAddress) && headers["X-Forwarded-For"] == nil && headers["Forwarded"] == nil
    }

    /// True when the request carries `Authorization: Bearer <token>` and a token is configured.
    static func hasToken(_ request: HTTPRequest, token: String?) -> Bool {
        guard let token, let authorization = request.headers["Authorization"], authorization.hasPrefix("Bearer ") else { return false }
        let presented = Array(authorization.utf8.dropFirst(7)), expected = Array(token.utf8)
        // Compare every byte whatever the first difference, so timing says nothing about the token.
        var difference = UInt8(presented.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < presented.count ? presented[index] : 0) }
        return difference == 0
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
