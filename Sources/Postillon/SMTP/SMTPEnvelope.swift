/// The SMTP envelope of one submission: `MAIL FROM` and every `RCPT TO`, in order, without duplicates.
package struct SMTPEnvelope: Sendable, Equatable {
    /// The envelope sender (`MAIL FROM`).
    package let sender: String
    /// The envelope recipients (`RCPT TO`), each once.
    package let recipients: [String]

    /// Creates an envelope; recipients that repeat (compared case-insensitively) are kept once, first wins.
    package init(sender: String, recipients: [String]) {
        self.sender = sender
        var seen = Set<String>()
        self.recipients = recipients.filter { seen.insert($0.lowercased()).inserted }
    }
}
