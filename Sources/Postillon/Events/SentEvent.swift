import PostillonHTTP

/// A submission the SMTP server accepted, recorded as a `message.sent` event for the account's
/// webhooks: `data` holds the account, the Message-ID, the envelope sender, the accepted and
/// rejected recipients, the size and a summary of the message's own headers.
package struct SentEvent: Sendable {
    /// The sending account (mailbox key).
    package var account: String
    /// The Message-ID the message went out with.
    package var messageID: String
    /// The envelope sender.
    package var sender: String
    /// Recipients the server accepted.
    package var accepted: [String]
    /// Recipients the server refused, with its reply code.
    package var rejected: [SMTPRecipientRejection]
    /// Bytes uploaded.
    package var size: Int
    /// The message's own headers as sent.
    package var headers: HeaderFields?

    /// Creates an event; `head` is the start of the uploaded message, whose header block (up to
    /// 64 KiB) gives the summary.
    package init(account: String, messageID: String, sender: String, delivery: SMTPDelivery, size: Int, head: [UInt8]) {
        self.account = account
        self.messageID = messageID
        self.sender = sender
        accepted = delivery.accepted
        rejected = delivery.rejected
        self.size = size
        headers = Self.headerBlock(head).map(HeaderSummaryParser.parse)
    }

    /// The header block of a message (through the empty line), if it ends within 64 KiB.
    static func headerBlock(_ bytes: [UInt8]) -> [UInt8]? {
        let limit = min(bytes.count, 64 << 10)
        var index = 0
        while index + 1 < limit {
            if bytes[index] == 0x0A, bytes[index + 1] == 0x0A { return Array(bytes[...(index + 1)]) }
            if index + 3 < limit, bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D, bytes[index + 3] == 0x0A {
                return Array(bytes[...(index + 3)])
            }
            index += 1
        }
        return nil
    }

    private struct Rejected: Encodable {
        let address: String
        let code: Int
    }

    private struct DataPart: Encodable {
        let account: String
        let messageId: String
        let sender: String
        let accepted: [String]
        let rejected: [Rejected]
        let size: Int
        let summary: Summary?
    }

    private struct Summary: Encodable {
        let subject: String?
        let from: [MailAddress]
        let to: [MailAddress]
        let cc: [MailAddress]
        let date: String?
    }

    /// The delivered JSON (`{type, timestamp, data}`), recorded at `millis`.
    func body(millis: Int64) -> String {
        EventBody.encode(type: "message.sent",
                         data: DataPart(account: account, messageId: messageID, sender: sender, accepted: accepted,
                                        rejected: rejected.map { Rejected(address: $0.address, code: $0.code) }, size: size,
                                        summary: headers.map { Summary(subject: $0.subject, from: $0.from, to: $0.to, cc: $0.cc, date: $0.date) }),
                         millis: millis)
    }
}
