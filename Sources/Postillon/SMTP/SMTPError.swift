/// Why an SMTP submission failed, with the server's reply code and text where there is one.
///
/// Every case but ``outcomeUnknown(timedOut:detail:)`` means the message was not accepted for
/// delivery: a submission the server took with 250 is reported as an ``SMTPDelivery``, never as an error.
package enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server refused the login (SMTP AUTH, typically 535).
    case authenticationFailed(SMTPReply?)
    /// Every recipient was refused at `RCPT TO`; nothing was sent.
    case allRecipientsRejected([SMTPRecipientRejection])
    /// The server refused `MAIL FROM`.
    case senderRejected(SMTPReply)
    /// The server refused `DATA` or the message after its data.
    case messageRejected(SMTPReply)
    /// TLS failed: handshake, certificate, or STARTTLS not offered while required.
    case tls(String)
    /// The server could not be reached.
    case unreachable(String)
    /// The server did not answer in time.
    case timeout(String)
    /// Anything else: the exchange broke off or the server answered unexpectedly.
    case protocolFailure(String, SMTPReply?)
    /// The server did not accept SMTP AUTH (it offers none), and the caller must be proven by it:
    /// Postillon stopped before `MAIL FROM`, nothing was sent (fail closed: no open relay).
    case authenticationUnavailable
    /// The whole message and its final "." went out, but no reply to it came (the connection broke
    /// or the server did not answer in time): the server may or may not have accepted it.
    case outcomeUnknown(timedOut: Bool, detail: String)

    /// The server's reply behind the failure, if any.
    package var reply: SMTPReply? {
        switch self {
        case .authenticationFailed(let reply): return reply
        case .senderRejected(let reply), .messageRejected(let reply): return reply
        case .protocolFailure(_, let reply): return reply
        case .allRecipientsRejected, .tls, .unreachable, .timeout, .authenticationUnavailable, .outcomeUnknown: return nil
        }
    }

    package var description: String {
        switch self {
        case .authenticationFailed(let reply): return "SMTP login refused" + (reply.map { ": \($0)" } ?? "")
        case .allRecipientsRejected(let rejections):
            return "every recipient was refused: " + rejections.map { "\($0.address) (\($0.code) \($0.message))" }.joined(separator: "; ")
        case .senderRejected(let reply): return "MAIL FROM refused: \(reply)"
        case .messageRejected(let reply): return "message refused: \(reply)"
        case .tls(let detail): return "TLS with the SMTP server failed: \(detail)"
        case .unreachable(let detail): return "SMTP server unreachable: \(detail)"
        case .timeout(let detail): return "SMTP server timed out: \(detail)"
        case .protocolFailure(let detail, let reply): return "SMTP exchange failed: \(detail)" + (reply.map { "; server said: \($0)" } ?? "")
        case .authenticationUnavailable: return "the SMTP server did not accept AUTH; stopped before MAIL FROM"
        case .outcomeUnknown(let timedOut, let detail):
            return "no reply to the end of the message data (" + (timedOut ? "timed out" : "connection lost") + "): \(detail)"
        }
    }
}
