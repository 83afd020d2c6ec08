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
        case let error as MIMEError:
            switch error {
            case .messageTooLarge(let size, let limit):
                return Problem(.payloadTooLarge, code: "message_too_large",
                               detail: "The message has \(size) bytes; messages over \(limit) bytes are not parsed. Download it with /raw.")
            case .unreadable(let why):
                return Problem(.unprocessableContent, code: "unparseable_message", detail: "The message cannot be parsed: \(why). Download it with /raw.")
            case .partNotFound(let partId):
                return Problem(.notFound, code: "attachment_not_found", detail: "The message has no part '\(partId.prefix(64))'.")
            case .timedOut:
                return Problem(.unprocessableContent, code: "parse_timeout", detail: "Parsing the message took too long. Download it with /raw.")
            }
        default:
            if let mapped = UpstreamErrorMapping.problem(for: error) {
                ServiceMetrics.upstreamError(code: mapped.code)
                return mapped
            }
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
        case .invalid: return Problem(.unprocessableContent, code: "validation_failed", detail: detail)
        case .invalidAddress: return Problem(.badRequest, code: "invalid_address", detail: detail)
        case .headerInjection: return Problem(.badRequest, code: "header_injection", detail: detail)
        case .invalidBase64: return Problem(.badRequest, code: "invalid_base64", detail: detail)
        case .tooLarge: return Problem(.payloadTooLarge, code: "payload_too_large", detail: detail)
        case .senderNotAllowed: return Problem(.forbidden, code: "from_not_allowed", detail: detail)
        case .unsupportedMediaType: return Problem(.unsupportedMediaType, code: "unsupported_media_type", detail: detail)
        }
    }
}
