import Foundation
import PostillonHTTP

extension SendRequest {
    /// The validated message and its envelope.
    ///
    /// Rules: at least one recipient in `to`, `cc` or `bcc` (at most ``RawSubmission/maxRecipients``);
    /// every address valid; no control characters in any header text (subject, names, filenames,
    /// content types and ids, extra headers, message ids); extra headers only `X-*` / `List-*`;
    /// attachment content valid base64; decoded text, html and attachments together within
    /// `maxBytes`; `from` absent or the caller's own address (case-insensitive).
    /// - Parameters:
    ///   - sender: the caller's address (``Principal/address``): the default and only allowed `from`.
    ///   - maxBytes: the size limit for the decoded content.
    /// - Throws: ``SendValidationError``.
    func validated(sender: String, maxBytes: Int) throws(SendValidationError) -> (message: OutgoingMessage, envelope: SMTPEnvelope) {
        guard OutgoingAddress.isValidAddrSpec(sender) else { throw .invalidAddress(field: "from (the account's address)", value: sender) }
        var author = OutgoingAddress(name: nil, address: sender)
        if let from {
            author = try Self.address(from, field: "from")
            guard author.address.lowercased() == sender.lowercased() else {
                throw .senderNotAllowed(address: author.address, allowed: sender)
            }
        }
        var message = OutgoingMessage(from: author)
        message.to = try Self.addresses(to, field: "to")
        message.cc = try Self.addresses(cc, field: "cc")
        let blind = try Self.addresses(bcc, field: "bcc")
        message.replyTo = try Self.addresses(replyTo, field: "replyTo")
        let envelope = SMTPEnvelope(sender: author.address, recipients: (message.to + message.cc + blind).map(\.address))
        guard !envelope.recipients.isEmpty else { throw .invalid("At least one recipient is required in 'to', 'cc' or 'bcc'.") }
        guard envelope.recipients.count <= RawSubmission.maxRecipients else {
            throw .invalid("At most \(RawSubmission.maxRecipients) recipients per message.")
        }

        message.subject = subject
        message.text = text
        message.html = html
        for (index, attachment) in attachments.enumerated() {
            message.attachments.append(try Self.attachment(attachment, field: "attachments[\(index)]"))
        }
        let size = (subject?.utf8.count ?? 0) + (text?.utf8.count ?? 0) + (html?.utf8.count ?? 0) + message.attachments.reduce(0) { $0 + $1.data.count }
        guard size <= maxBytes else { throw .tooLarge(limit: maxBytes) }

        for (name, value) in headers.sorted(by: { $0.key.lowercased() < $1.key.lowercased() }) {
            try HeaderText.check(name, field: "headers")
            guard HeaderText.isAllowedExtraName(name) else {
                throw .headerInjection(field: "headers.\(name)", reason: "is not allowed: only X-* and List-* header fields may be added")
            }
            try HeaderText.check(value, field: "headers.\(name)")
            message.extraHeaders.append((name, value))
        }
        if let inReplyTo { message.inReplyTo = try Self.messageID(inReplyTo, field: "inReplyTo") }
        for (index, reference) in references.enumerated() {
            message.references.append(try Self.messageID(reference, field: "references[\(index)]"))
        }
        try message.checkHeaderText()
        return (message, envelope)
    }

    private static func addresses(_ inputs: [Address], field: String) throws(SendValidationError) -> [OutgoingAddress] {
        var result: [OutgoingAddress] = []
        for (index, input) in inputs.enumerated() {
            result.append(try address(input, field: "\(field)[\(index)]"))
        }
        return result
    }

    private static func address(_ input: Address, field: String) throws(SendValidationError) -> OutgoingAddress {
        switch input {
        case .text(let text):
            try HeaderText.check(text, field: field)
            guard let address = OutgoingAddress.parse(text) else { throw .invalidAddress(field: field, value: text) }
            return address
        case .object(let name, let address):
            try HeaderText.check(name ?? "", field: field + ".name")
            try HeaderText.check(address, field: field + ".address")
            let trimmed = address.trimming(" \t")
            guard OutgoingAddress.isValidAddrSpec(trimmed) else { throw .invalidAddress(field: field + ".address", value: address) }
            return OutgoingAddress(name: name?.trimming(" \t"), address: trimmed)
        }
    }

    private static func attachment(_ input: Attachment, field: String) throws(SendValidationError) -> OutgoingAttachment {
        try HeaderText.check(input.filename, field: field + ".filename")
        guard !input.filename.trimming(" \t").isEmpty else { throw .invalid("'\(field).filename' must not be empty.") }
        var contentType = input.contentType?.trimming(" \t") ?? ""
        try HeaderText.check(contentType, field: field + ".contentType")
        if contentType.isEmpty { contentType = "application/octet-stream" }
        var contentID: String?
        if let given = input.contentId {
            try HeaderText.check(given, field: field + ".contentId")
            var id = given.trimming(" \t")
            if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { id = String(id.dropFirst().dropLast()) }
            guard !id.isEmpty, id.utf8.count <= 250, id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3C && $0 != 0x3E && $0 != 0x22 }) else {
                throw .invalid("'\(field).contentId' must be visible ASCII without spaces, quotes or angle brackets.")
            }
            contentID = id
        }
        let compact = input.content.utf8.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A }
        guard let data = Data(base64Encoded: Data(compact)) else { throw .invalidBase64(field: field + ".content") }
        return OutgoingAttachment(filename: input.filename.trimming(" \t"), contentType: contentType, data: Array(data), contentID: contentID)
    }

    /// A message id in angle brackets: `<left@right>` with visible ASCII and no spaces.
    private static func messageID(_ value: String, field: String) throws(SendValidationError) -> String {
        try HeaderText.check(value, field: field)
        var id = value.trimming(" \t")
        if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { id = String(id.dropFirst().dropLast()) }
        guard id.contains("@"), id.utf8.count <= 250,
              id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x3C && $0 != 0x3E }) else {
            throw .invalid("'\(field)' must be a message id such as <1234@example.org>.")
        }
        return "<\(id)>"
    }
}
