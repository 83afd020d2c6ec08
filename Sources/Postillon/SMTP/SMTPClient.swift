/// Submits one message over SMTP: the I/O boundary of sending, with a libcurl implementation
/// (``CurlSMTPClient``) and an in-memory twin for tests (``InMemorySMTPClient``).
package protocol SMTPClient: Sendable {
    /// Logs in with `credentials`, sends `MAIL FROM`, every `RCPT TO` (continuing past refused
    /// recipients) and the message, and returns only after the server answered 250 to the data.
    /// - Parameters:
    ///   - message: the message, CRLF line endings (not dot-stuffed: that is the client's job); a
    ///     large raw one is partly in a spooled file, read while it is uploaded.
    ///   - envelope: sender and recipients.
    ///   - credentials: the SMTP AUTH login (the caller's mail login or the API-key account's).
    ///   - requireAuthentication: stop before `MAIL FROM` unless the server accepted `AUTH` with
    ///     `credentials` (false only for an operator-configured trusted relay).
    /// - Returns: which recipients were accepted and which refused.
    /// - Throws: ``SMTPError``; ``SMTPError/allRecipientsRejected(_:)`` when nobody was accepted (nothing was sent),
    ///   ``SMTPError/authenticationUnavailable`` when AUTH was required but did not happen,
    ///   ``SMTPError/outcomeUnknown(timedOut:detail:)`` when the message went out and no reply came.
    func submit(_ message: SMTPMessage, envelope: SMTPEnvelope, credentials: Credentials, requireAuthentication: Bool) throws -> SMTPDelivery
}

extension SMTPClient {
    /// Submits a message held in memory (see ``submit(_:envelope:credentials:requireAuthentication:)``).
    package func submit(_ bytes: [UInt8], envelope: SMTPEnvelope, credentials: Credentials,
                       requireAuthentication: Bool) throws -> SMTPDelivery {
        try submit(SMTPMessage(bytes), envelope: envelope, credentials: credentials, requireAuthentication: requireAuthentication)
    }
}
