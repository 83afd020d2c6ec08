import PostillonHTTP
extension AppServices {
    /// Authenticates the caller, enforces the failed-login limit for logins we pass upstream,
    /// runs `body`, and counts a refused upstream login as a failure.
    /// - Throws: ``Problem`` 401/429, or whatever `body` throws.
    func authorized(_ context: RequestContext, _ body: (Principal) throws -> HTTPResponse) throws -> HTTPResponse {
        let principal = try authenticator.authenticate(context.request)
        let client = context.request.clientAddress
        if principal.method == .basic, let wait = authenticator.limiter.retryAfter(client: client, username: principal.credentials.username) {
            throw Self.rateLimited(wait)
        }
        do {
            return try body(principal)
        } catch {
            if UpstreamErrorMapping.isAuthenticationFailure(error) {
                authenticator.limiter.recordFailure(client: client, username: principal.credentials.username)
                if let token = principal.sessionToken { authenticator.sessions.remove(token: token) }
                context.logger.notice("upstream login refused", metadata: ["client": .string(client), "auth": .string(principal.method.rawValue)])
            }
            throw error
        }
    }

    /// The 429 answer for too many failed logins.
    static func rateLimited(_ seconds: Int) -> Problem {
        ServiceMetrics.loginRateLimited()
        return Problem(.tooManyRequests, code: "rate_limited", detail: "Too many failed logins; retry in \(seconds) seconds.",
                headers: ["Retry-After": String(seconds)])
    }
}
