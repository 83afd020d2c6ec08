/// Why the mailbox layer refused a request, independent of HTTP (the API maps it in
/// `MailboxError+Problem.swift`).
package enum MailboxError: Error, Equatable, Sendable {
    /// Other requests for the same mailbox held its lock for longer than the wait allows.
    case busy
    /// No message with this API id (undecodable, or not in the mailbox any more).
    case messageNotFound(id: String)
    /// The page cursor names messages that were deleted since.
    case invalidCursor
    /// The message is larger than the caller allows (`limit` bytes); `size` is what was seen.
    case messageTooLarge(size: Int, limit: Int)
}
