import PostillonHTTP
/// How mail-server failures become problems; the upstream error types adopt ``ProblemConvertible``
/// through it (`POP3Error+Problem.swift` and its siblings).
///
/// Details name what failed but never carry libcurl's text, an upstream host or port, an errno or a
/// local path (the CA file): the router logs the error itself under the request id for any 5xx.
/// The mail server's own reply text (`-ERR ...`, `550 ...`) is kept: it is what the caller can act on.
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
            return Problem(.badGateway, code: "upstream_error", detail: "The POP3 exchange failed; the server log has details under this request id.")
        case .quitFailed:
            return Problem(.badGateway, code: "upstream_error",
                           detail: "QUIT did not reach the POP3 server or was refused, so nothing was deleted; retry.")
        case .quitUnanswered(let timedOut):
            return deleteOutcomeUnknown(timedOut: timedOut)
        }
    }

    static func curlProblem(_ error: CurlError) -> Problem {
        switch error.kind {
        case .unreachable:
            return Problem(.badGateway, code: "upstream_unreachable", detail: "The mail server cannot be reached.")
        case .timeout:
            return Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The mail server did not answer in time.")
        case .tls:
            return Problem(.badGateway, code: "upstream_tls",
                           detail: "TLS with the mail server failed; the server log has details under this request id.")
        case .loginDenied:
            if let status = error.serverResponse.flatMap({ POP3Status.parse($0) }), let problem = responseCodeProblem(status) { return problem }
            return authFailed
        case .protocolError, .other:
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server exchange failed; the server log has details under this request id.")
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
        case .tls:
            return Problem(.badGateway, code: "upstream_tls", detail: "TLS with the mail server failed; the server log has details under this request id.")
        case .unreachable:
            return Problem(.badGateway, code: "upstream_unreachable", detail: "The mail server cannot be reached.")
        case .timeout:
            return Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The mail server did not answer in time.")
        case .senderRejected(let reply):
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server refused the sender (MAIL FROM): \(reply).")
        case .messageRejected(let reply):
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server refused the message: \(reply).")
        case .authenticationUnavailable:
            return Problem(.badGateway, code: "smtp_auth_unavailable",
                           detail: "The mail server did not accept SMTP authentication (it offers none), so the sender cannot be proven; "
                               + "nothing was sent. The operator must enable SMTP AUTH on the server or configure a trusted relay.")
        case .outcomeUnknown(let timedOut, _):
            return Problem(timedOut ? .gatewayTimeout : .badGateway, code: "submission_outcome_unknown",
                           detail: "The whole message reached the mail server, but its answer " + (timedOut ? "did not come in time" : "was lost")
                               + ": it may or may not have been accepted. Do not simply send it again: check the recipients' mailboxes "
                               + "or your Sent copy first. A retry with the same Idempotency-Key replays this answer and sends nothing.")
        case .protocolFailure(_, let reply):
            return Problem(.badGateway, code: "upstream_error",
                           detail: "The SMTP exchange failed" + (reply.map { ": the server said \($0)." } ?? "; the server log has details under this request id."))
        }
    }

    /// QUIT reached the server but its reply did not come back: the deletion may have happened.
    /// 504 when the reply was withheld past the upstream timeout, 502 when the connection dropped.
    /// The bulk-delete route stores it under an `Idempotency-Key` like a success, so a retry
    /// replays it instead of reporting the deleted messages as not found.
    static func deleteOutcomeUnknown(timedOut: Bool) -> Problem {
        Problem(timedOut ? .gatewayTimeout : .badGateway, code: "delete_outcome_unknown",
                detail: "QUIT was sent but the POP3 server's answer " + (timedOut ? "did not come in time" : "was lost")
                    + ", so the messages may or may not be deleted. List the mailbox again to see which remain.")
    }

    static let authFailed = Problem(.unauthorized, code: "auth_failed", detail: "The mail server refused the login.",
                                    headers: ["WWW-Authenticate": "Basic realm=\"postillon\", charset=\"UTF-8\", Bearer"])
}
