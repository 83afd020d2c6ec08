import PostillonHTTP

/// A mailbox refusal, as the API answers it.
extension MailboxError: ProblemConvertible {
    /// 503 busy (retry in 2 s), 404 not found, 400 invalid cursor, 413 too large to parse.
    package var problem: Problem {
        switch self {
        case .busy:
            return Problem(.serviceUnavailable, code: "mailbox_busy",
                           detail: "Other requests for this mailbox are still running; retry shortly.", headers: ["Retry-After": "2"])
        case .messageNotFound(let id):
            return Problem(.notFound, code: "message_not_found", detail: "No message with id '\(id.prefix(100))' in this mailbox.")
        case .invalidCursor:
            return Problem(.badRequest, code: "invalid_cursor",
                           detail: "The messages this cursor points at were deleted; start again from the first page.")
        case .messageTooLarge(let size, let limit):
            return MIMEError.messageTooLarge(size: size, limit: limit).problem
        }
    }
}
