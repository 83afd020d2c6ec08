/// How a mail-server session ended, as a bounded metrics label.
package enum UpstreamOutcome: String, Sendable {
    case ok
    case authFailed = "auth_failed"
    case tls
    case unreachable
    case timeout
    case rejected
    /// The SMTP server offered no AUTH and is no trusted relay: nothing was sent.
    case authUnavailable = "auth_unavailable"
    /// The message went out but the server's answer was lost or late (`submission_outcome_unknown`).
    case outcomeUnknown = "outcome_unknown"
    case error

    /// The outcome for an error thrown by the POP3 engine, libcurl or the SMTP client; nil for any other
    /// error (a message not found, a bad cursor: the session itself went fine).
    package init?(_ error: any Error) {
        switch error {
        case let error as CurlError:
            switch error.kind {
            case .tls: self = .tls
            case .unreachable: self = .unreachable
            case .timeout: self = .timeout
            case .loginDenied: self = .authFailed
            case .protocolError, .other: self = .error
            }
        case let error as POP3Error:
            switch error {
            case .loginRefused: self = .authFailed
            case .timedOut: self = .timeout
            case .negative: self = .rejected
            default: self = .error
            }
        case let error as SMTPError:
            switch error {
            case .authenticationFailed: self = .authFailed
            case .allRecipientsRejected, .senderRejected, .messageRejected: self = .rejected
            case .tls: self = .tls
            case .unreachable: self = .unreachable
            case .timeout: self = .timeout
            case .protocolFailure: self = .error
            case .authenticationUnavailable: self = .authUnavailable
            case .outcomeUnknown: self = .outcomeUnknown
            }
        default:
            return nil
        }
    }
}
