/// A POP3-level failure after libcurl connected and logged in (or while reading its login reply).
package enum POP3Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server answered `-ERR` to a command; the status keeps the RFC 2449 code.
    case negative(command: String, status: POP3Status)
    /// Login was refused; the status is the server's reply when it could be read.
    case loginRefused(POP3Status?)
    /// The server does not support UIDL, so messages cannot have stable ids.
    case uidlUnsupported
    /// The server sent something that is not POP3.
    case protocolViolation(String)
    /// The server did not answer within the deadline.
    case timedOut
    /// The server closed the connection.
    case connectionClosed
    /// QUIT was not sent or was refused: the server removed nothing (RFC 1939 §6).
    case quitFailed(String)
    /// QUIT was written but no reply came (the connection closed, or the wait timed out): the
    /// server may or may not have committed the deletions.
    case quitUnanswered(timedOut: Bool)

    package var description: String {
        switch self {
        case .negative(let command, let status): return "\(command) refused: -ERR \(status.code.map { "[\($0)] " } ?? "")\(status.text)"
        case .loginRefused(let status): return "login refused\(status.map { ": \($0.code.map { "[\($0)] " } ?? "")\($0.text)" } ?? "")"
        case .uidlUnsupported: return "the server does not support UIDL"
        case .protocolViolation(let why): return "POP3 protocol violation: \(why)"
        case .timedOut: return "the POP3 server did not answer in time"
        case .connectionClosed: return "the POP3 server closed the connection"
        case .quitFailed(let why): return "QUIT was not confirmed: \(why)"
        case .quitUnanswered(let timedOut): return "QUIT was sent but \(timedOut ? "not answered in time" : "the connection closed before its reply")"
        }
    }
}
