import Postillon
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The in-memory twin of ``CurlSMTPClient`` for tests: records what would have been sent and
/// answers like a server with configurable accounts, refused recipients and failures.
package final class InMemorySMTPClient: SMTPClient {
    /// One recorded submission.
    package struct Submission: Sendable {
        /// The message as it would have been uploaded.
        package let message: [UInt8]
        /// The envelope.
        package let envelope: SMTPEnvelope
        /// The login used.
        package let username: String
        /// The recipients the twin accepted.
        package let accepted: [String]
    }

    private struct State {
        var submissions: [Submission] = []
        var failure: SMTPError?
    }

    private let state = Mutex(State())
    private let accounts: [String: String]?
    private let refusals: [String: SMTPReply]
    private let delayMillis: Int
    private let offersAuthentication: Bool

    /// Creates a twin.
    /// - Parameters:
    ///   - accounts: username -> password; nil accepts any login.
    ///   - refusals: recipient address (case-insensitive) -> the reply refusing it at `RCPT TO`.
    ///   - delayMillis: how long each submission takes (to test concurrent duplicates).
    ///   - offersAuthentication: false plays a server whose EHLO lists no AUTH.
    package init(accounts: [String: String]? = nil, refusals: [String: SMTPReply] = [:], delayMillis: Int = 0,
                offersAuthentication: Bool = true) {
        self.offersAuthentication = offersAuthentication
        self.accounts = accounts
        self.refusals = Dictionary(refusals.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.delayMillis = delayMillis
    }

    /// Makes every later submission fail with `error` (nil: succeed again).
    package func fail(with error: SMTPError?) {
        state.withLock { $0.failure = error }
    }

    /// The submissions the twin accepted, in order.
    package var submissions: [Submission] { state.withLock { $0.submissions } }

    package func submit(_ upload: SMTPMessage, envelope: SMTPEnvelope, credentials: Credentials,
                       requireAuthentication: Bool) throws -> SMTPDelivery {
        // The bytes as the real client uploads them (a spooled tail read from its file).
        let message = try upload.bytes()
        if delayMillis > 0 { usleep(UInt32(delayMillis) * 1000) }
        if let failure = state.withLock({ $0.failure }) { throw failure }
        if !offersAuthentication && requireAuthentication { throw SMTPError.authenticationUnavailable }
        if offersAuthentication, let accounts, accounts[credentials.username] != credentials.password {
            throw SMTPError.authenticationFailed(SMTPReply(code: 535, text: "5.7.8 Error: authentication failed"))
        }
        var accepted: [String] = []
        var rejected: [SMTPRecipientRejection] = []
        for address in envelope.recipients {
            if let reply = refusals[address.lowercased()] {
                rejected.append(SMTPRecipientRejection(address: address, code: reply.code, message: reply.text))
            } else {
                accepted.append(address)
            }
        }
        if accepted.isEmpty { throw SMTPError.allRecipientsRejected(rejected) }
        let submission = Submission(message: message, envelope: envelope, username: credentials.username, accepted: accepted)
        state.withLock { $0.submissions.append(submission) }
        return SMTPDelivery(accepted: accepted, rejected: rejected)
    }
}
