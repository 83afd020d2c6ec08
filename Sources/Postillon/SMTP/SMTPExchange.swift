/// The replies that matter in one SMTP submission, read from a ``SMTPTranscript``: a pure function
/// of the transcript's events, so it is tested from literals.
struct SMTPExchange: Equatable {
    /// The last reply to the SASL exchange (`AUTH` and its continuation lines).
    var auth: SMTPReply?
    /// The reply to `MAIL FROM`.
    var mailFrom: SMTPReply?
    /// The replies to each `RCPT TO`, in the order the commands were sent.
    var recipients: [SMTPReply] = []
    /// The reply to `DATA` (354 when the server is ready for the message).
    var data: SMTPReply?
    /// The reply after the message data (250 when the server took it).
    var afterData: SMTPReply?
    /// The last complete reply of the conversation.
    var last: SMTPReply?

    /// Whether the server accepted the login (235 to `AUTH` or its last SASL continuation).
    var authenticated: Bool { auth?.code == 235 }

    /// Pairs each command with the (possibly multi-line) reply that follows it.
    init(events: [SMTPTranscript.Event]) {
        var awaiting: String?
        var text: [Substring] = []
        for event in events {
            switch event {
            case .command(let line):
                awaiting = line.prefix { $0 != " " && $0 != ":" }.uppercased()
                text = []
            case .reply(let line):
                guard let parsed = SMTPReply.parseLine(line[...]) else { continue }
                text.append(parsed.text)
                if parsed.continues { continue }
                let reply = SMTPReply(code: parsed.code, text: text.joined(separator: " "))
                text = []
                last = reply
                switch awaiting {
                case "AUTH", "*": auth = reply
                case "MAIL": mailFrom = reply
                case "RCPT": recipients.append(reply)
                case "DATA":
                    data = reply
                    // The next reply answers the message data, which is sent without a command line.
                    awaiting = reply.code == 354 ? "<end-of-data>" : nil
                    continue
                case "<end-of-data>": afterData = reply
                default: break
                }
                awaiting = nil
            }
        }
    }

    /// The accepted and refused recipients, pairing `recipients` with the `RCPT TO` replies in order.
    ///
    /// Only called after libcurl reported success (so the server answered 250 to the data); a
    /// recipient without a recorded reply cannot occur then, and is counted as accepted, because
    /// libcurl moves past a `RCPT TO` only on a reply.
    func delivery(for recipients: [String]) -> SMTPDelivery {
        var accepted: [String] = []
        var rejected: [SMTPRecipientRejection] = []
        for (index, address) in recipients.enumerated() {
            if index < self.recipients.count, !self.recipients[index].isPositive {
                let reply = self.recipients[index]
                rejected.append(SMTPRecipientRejection(address: address, code: reply.code, message: reply.text))
            } else {
                accepted.append(address)
            }
        }
        return SMTPDelivery(accepted: accepted, rejected: rejected)
    }

    /// The error for a failed transfer, from libcurl's failure kind and what the server said.
    /// - Parameters:
    ///   - kind: libcurl's classification of the failure.
    ///   - detail: libcurl's text (for errors without a server reply).
    ///   - recipients: the envelope recipients, in the order they were sent.
    ///   - messageWentOut: whether the server said 354 and every byte of the message and the final
    ///     "." were written: then a missing reply means the outcome is unknown, not a failure.
    func error(kind: CurlError.Kind, detail: String, recipients: [String], messageWentOut: Bool = false) -> SMTPError {
        if messageWentOut, data?.code == 354, afterData == nil {
            return .outcomeUnknown(timedOut: kind == .timeout, detail: detail)
        }
        switch kind {
        case .unreachable: return .unreachable(detail)
        case .timeout: return .timeout(detail)
        case .tls: return .tls(detail)
        case .loginDenied:
            // A temporary refusal (454) is no verdict on the credentials.
            if let reply = auth ?? last, reply.isTransient { return .protocolFailure(detail, reply) }
            return .authenticationFailed(auth ?? last)
        case .protocolError, .other: break
        }
        if let mailFrom, !mailFrom.isPositive { return .senderRejected(mailFrom) }
        if !recipients.isEmpty, self.recipients.count == recipients.count, !self.recipients.contains(where: \.isPositive) {
            return .allRecipientsRejected(zip(recipients, self.recipients).map {
                SMTPRecipientRejection(address: $0.0, code: $0.1.code, message: $0.1.text)
            })
        }
        if let data, data.code != 354 { return .messageRejected(data) }
        if let afterData, afterData.code != 250 { return .messageRejected(afterData) }
        return .protocolFailure(detail, last)
    }
}
