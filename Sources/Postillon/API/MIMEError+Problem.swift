import PostillonHTTP

/// A message the MIME layer could not serve, as the API answers it.
extension MIMEError: ProblemConvertible {
    /// 413 too large to parse, 422 unparseable or too slow to parse, 404 for a missing part.
    package var problem: Problem {
        switch self {
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
    }
}
