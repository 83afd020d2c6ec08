import PostillonHTTP
extension AppServices {
    /// Authenticates the caller, runs `body`, and for Basic callers (whose every request is an
    /// upstream login) reserves the attempt in the failed-login limiter first, so parallel guesses
    /// cannot race past it. A session whose upstream login is refused is ended.
    /// - Throws: ``Problem`` 401/429, ``StateStoreError``, or whatever `body` throws.
    func authorized(_ context: RequestContext, _ body: (Principal) throws -> HTTPResponse) throws -> HTTPResponse {
        let principal = try authenticator.authenticate(context.request)
        let client = context.request.clientAddress
        do {
            var response: HTTPResponse
            if principal.method == .basic {
                response = try authenticator.limiter.attempt(client: client, username: principal.credentials.username) { try body(principal) }
            } else {
                response = try body(principal)
            }
            response.account = principal.credentials.username
            return response
        } catch {
            if UpstreamErrorMapping.isAuthenticationFailure(error) {
                if let token = principal.sessionToken { _ = try? authenticator.sessions.remove(token: token) }
                context.logger.notice("upstream login refused", metadata: ["client": .string(client), "auth": .string(principal.method.rawValue)])
            }
            throw error
        }
    }
}
