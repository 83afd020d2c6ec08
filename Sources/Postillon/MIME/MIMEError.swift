/// Why a message could not be parsed or a part not be found.
package enum MIMEError: Error, Equatable, Sendable {
    /// The message is larger than the parse limit (it stays downloadable raw).
    case messageTooLarge(size: Int, limit: Int)
    /// GMime could not read a message at all.
    case unreadable(String)
    /// No part with this id.
    case partNotFound(String)
    /// Parsing took longer than the deadline.
    case timedOut
}
