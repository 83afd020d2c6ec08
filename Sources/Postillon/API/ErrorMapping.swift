import Logging

/// The one place that turns any error into an RFC 9457 problem with a stable code.
public enum ErrorMapping {
    /// The problem for `error`; unknown errors become a 500 whose detail reveals nothing internal.
    public static func problem(for error: any Error, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPParseError:
            return Problem(error.status, code: error.code, detail: error.detail)
        case let error as JSONBodyError:
            return error.problem
        case let error as SendValidationError:
            return problem(for: error)
        case let error as SMTPError:
            return problem(for: error, logger: logger)
        default:
            logger.error("unhandled error", metadata: ["error": .string(String(describing: error))])
            return Problem(.internalServerError, code: "internal_error", detail: "An unexpected error occurred; the request id identifies it in the logs.")
        }
    }
}

// MARK: - Sending (POST /api/v1/send)

extension ErrorMapping {
    /// A refused send request: 400 for malformed input, 403 for a foreign sender, 413, 415.
    static func problem(for error: SendValidationError) -> Problem {
        let detail = error.description
        switch error {
        case .invalid: return Problem(.badRequest, code: "validation_failed", detail: detail)
        case .invalidAddress: return Problem(.badRequest, code: "invalid_address", detail: detail)
        case .headerInjection: return Problem(.badRequest, code: "header_injection", detail: detail)
        case .invalidBase64: return Problem(.badRequest, code: "invalid_base64", detail: detail)
        case .tooLarge: return Problem(.payloadTooLarge, code: "payload_too_large", detail: detail)
        case .senderNotAllowed: return Problem(.forbidden, code: "from_not_allowed", detail: detail)
        case .unsupportedMediaType: return Problem(.unsupportedMediaType, code: "unsupported_media_type", detail: detail)
        }
    }

    /// A failed SMTP submission: 401 refused login, 422 every recipient refused, 502/504 upstream
    /// trouble, 503 for a temporary (4xx) refusal, 413 when the server finds the message too large.
    static func problem(for error: SMTPError, logger: Logger) -> Problem {
        if let reply = error.reply, reply.code == 552 {
            return Problem(.payloadTooLarge, code: "payload_too_large", detail: "The mail server refused the message as too large: \(reply).")
        }
        if let reply = error.reply, reply.isTransient {
            return Problem(.serviceUnavailable, code: "upstream_unavailable",
                           detail: "The mail server reports a temporary problem: \(reply).", headers: ["Retry-After": "60"])
        }
        switch error {
        case .authenticationFailed:
            return Problem(.unauthorized, code: "auth_failed", detail: "The mail server refused the login.",
                           headers: ["WWW-Authenticate": "Basic realm=\"postillon\", charset=\"UTF-8\", Bearer"])
        case .allRecipientsRejected(let rejections):
            let list = rejections.map { "\($0.address) (\($0.code) \($0.message))" }.joined(separator: "; ")
            return Problem(.unprocessableContent, code: "all_recipients_rejected",
                           detail: "The SMTP server rejected every recipient; nothing was sent: \(list).")
        case .tls(let detail):
            logger.warning("SMTP TLS failed", metadata: ["error": .string(detail)])
            return Problem(.badGateway, code: "upstream_tls", detail: "TLS with the mail server failed: \(detail).")
        case .unreachable(let detail):
            logger.warning("SMTP server unreachable", metadata: ["error": .string(detail)])
            return Problem(.badGateway, code: "upstream_unreachable", detail: "The mail server cannot be reached.")
        case .timeout:
            return Problem(.gatewayTimeout, code: "upstream_timeout", detail: "The mail server did not answer in time.")
        case .senderRejected(let reply):
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server refused the sender (MAIL FROM): \(reply).")
        case .messageRejected(let reply):
            return Problem(.badGateway, code: "upstream_error", detail: "The mail server refused the message: \(reply).")
        case .protocolFailure(let detail, let reply):
            logger.warning("SMTP exchange failed", metadata: ["error": .string(error.description)])
            return Problem(.badGateway, code: "upstream_error",
                           detail: "The SMTP exchange failed: " + (reply.map { "the server said \($0)" } ?? detail) + ".")
        }
    }
}
