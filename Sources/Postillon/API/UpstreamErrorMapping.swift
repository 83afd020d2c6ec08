import PostillonHTTP
/// How mail-server failures become problems; the upstream error types adopt ``ProblemConvertible``
/// through it (`POP3Error+Problem.swift` and its siblings).
enum UpstreamErrorMapping {
    /// True when `error` says the mail server refused the caller's credentials (not a lock, delay or
    /// temporary trouble): the login limiter decides on this typed answer, never on a problem code.
    static func isAuthenticationFailure(_ error: any Error) -> Bool {
        switch error {
        case POP3Error.loginRefused(let status):
            return responseCodeProblem(status) == nil
        case let error as CurlError:
            return error.kind == .loginDenied && responseCodeProblem(error.serverResponse.flatMap { POP3Status.parse($0) }) == nil
        case let error as SMTPError:
            guard case .authenticationFailed = error else { return false }
            return error.reply.map { $0.code != 552 && !$0.isTransient } ?? true
        default:
            return false
        }
    }

    static func pop3Problem(_ error: POP3Error) -> Problem {
        switch error {
        case .loginRefused(let status):
            if let problem = responseCodeProblem(status) { return problem }
            return authFailed
        case .negative(let command, let status):
            if let problem = responseCodeProblem(status) { return problem }
            return Problem(.badGateway, code: "upstream_error", detail: "The POP3 server refused \(command): \(status.text)")
        case .uidlUnsupported:
            return Problem(.badGateway, code: "uidl_unsupported",
                           detail: "The POP3 server does not support UIDL, so messages cannot have stable ids.")
        case .timedOut:
            return Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The POP3 server did not answer in time.")
        case .connectionClosed, .protocolViolation:
            return Problem(.badGateway, code: "upstream_error", detail: "The POP3 exchange failed: \(error).")
        case .quitFailed:
            return Problem(.badGateway, code: "upstream_error",
                           detail: "The POP3 server did not confirm QUIT, so the deletion is not confirmed; treat the messages as not deleted and retry.")
        }
    }

    static func curlProblem(_ error: CurlError) -> Problem {
        switch error.kind {
        case .unreachable:
            return Problem(.badGateway, code: "upstream_unreachable", detail: "The mail server cannot be reached: \(withoutLocalPaths(error.message)).")
        case .timeout:
            return Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The mail server did not answer in time.")
        case .tls:
            return Problem(.badGateway, code: "upstream_tls",
                           detail: "TLS with the mail server failed: \(withoutLocalPaths(error.detail.isEmpty ? error.message : error.detail)).")
        case .loginDenied:
            if let status = error.serverResponse.flatMap({ POP3Status.parse($0) }), let problem = responseCodeProblem(status) { return problem }
            return authFailed
        case .protocolError, .other:
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server exchange failed: \(withoutLocalPaths(error.message)).")
        }
    }

    /// `text` with every absolute file path (libcurl names the CA file in TLS errors: "error setting
    /// certificate file: /etc/...") replaced by `[local file]`: API clients never learn local paths.
    static func withoutLocalPaths(_ text: String) -> String {
        text.replacing(/(^|[\s:='"(\[])\/[^\s'"),;\]]*/) { match in match.output.1 + "[local file]" }
    }

    /// RFC 2449/3206 response codes that mean something other than bad credentials.
    static func responseCodeProblem(_ status: POP3Status?) -> Problem? {
        switch status?.code {
        case "IN-USE":
            return Problem(.conflict, code: "mailbox_locked",
                           detail: "The mailbox is in use by another POP3 session; retry shortly.", headers: ["Retry-After": "10"])
        case "LOGIN-DELAY":
            return Problem(.tooManyRequests, code: "login_delay",
                           detail: "The mail server asks to wait before logging in again.", headers: ["Retry-After": "60"])
        case "SYS/TEMP":
            return Problem(.serviceUnavailable, code: "upstream_unavailable",
                           detail: "The mail server has a temporary problem: \(status?.text ?? "").", headers: ["Retry-After": "30"])
        case "SYS/PERM":
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server has a permanent problem: \(status?.text ?? "").")
        default:
            return nil
        }
    }

    /// A failed SMTP submission: 401 refused login, 422 every recipient refused, 502/504 upstream
    /// trouble, 503 for a temporary (4xx) refusal, 413 when the server finds the message too large.
    static func smtpProblem(_ error: SMTPError) -> Problem {
        if let reply = error.reply, reply.code == 552 {
            return Problem(.payloadTooLarge, code: "payload_too_large", detail: "The mail server refused the message as too large: \(reply).")
        }
        if let reply = error.reply, reply.isTransient {
            return Problem(.serviceUnavailable, code: "upstream_unavailable",
                           detail: "The mail server reports a temporary problem: \(reply).", headers: ["Retry-After": "60"])
        }
        switch error {
        case .authenticationFailed:
            return authFailed
        case .allRecipientsRejected(let rejections):
            let list = rejections.map { "\($0.address) (\($0.code) \($0.message))" }.joined(separator: "; ")
            return Problem(.unprocessableContent, code: "all_recipients_rejected",
                           detail: "The SMTP server rejected every recipient; nothing was sent: \(list).")
        case .tls(let detail):
            return Problem(.badGateway, code: "upstream_tls", detail: "TLS with the mail server failed: \(withoutLocalPaths(detail)).")
        case .unreachable(let detail):
            return Problem(.badGateway, code: "upstream_unreachable", detail: "The mail server cannot be reached: \(withoutLocalPaths(detail)).")
        case .timeout:
            return Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The mail server did not answer in time.")
        case .senderRejected(let reply):
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server refused the sender (MAIL FROM): \(reply).")
        case .messageRejected(let reply):
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server refused the message: \(reply).")
        case .protocolFailure(let detail, let reply):
            return Problem(.badGateway, code: "upstream_error",
                           detail: "The SMTP exchange failed: " + (reply.map { "the server said \($0)" } ?? withoutLocalPaths(detail)) + ".")
        }
    }

    static let authFailed = Problem(.unauthorized, code: "auth_failed", detail: "The mail server refused the login.",
                                    headers: ["WWW-Authenticate": "Basic realm=\"postillon\", charset=\"UTF-8\", Bearer"])
}
