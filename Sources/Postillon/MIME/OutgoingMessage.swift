/// A message to compose, already validated: everything that goes into its headers and body.
///
/// It has no Bcc field on purpose: blind recipients exist only in the SMTP envelope, so no code
/// path can write them into the message.
package struct OutgoingMessage: Sendable {
    /// The author (`From`).
    package var from: OutgoingAddress
    /// `To` recipients.
    package var to: [OutgoingAddress] = []
    /// `Cc` recipients.
    package var cc: [OutgoingAddress] = []
    /// `Reply-To` addresses.
    package var replyTo: [OutgoingAddress] = []
    /// The subject, or nil for none.
    package var subject: String?
    /// The text/plain body.
    package var text: String?
    /// The text/html body.
    package var html: String?
    /// Attachments and inline parts (those with a content id).
    package var attachments: [OutgoingAttachment] = []
    /// Extra `X-*` / `List-*` header fields, in order.
    package var extraHeaders: [(name: String, value: String)] = []
    /// The `In-Reply-To` message id, with angle brackets.
    package var inReplyTo: String?
    /// The `References` message ids, with angle brackets.
    package var references: [String] = []

    /// Creates a message from `from`; set the other fields as needed.
    package init(from: OutgoingAddress) {
        self.from = from
    }

    /// Checks every value that becomes header text (the composer's own guard against injection,
    /// whatever validated the message before).
    /// - Throws: ``SendValidationError/headerInjection(field:reason:)`` or ``SendValidationError/invalid(_:)``.
    package func checkHeaderText() throws(SendValidationError) {
        let groups: [(String, [OutgoingAddress])] = [("from", [from]), ("to", to), ("cc", cc), ("replyTo", replyTo)]
        for (field, addresses) in groups {
            for (index, address) in addresses.enumerated() {
                let name = field == "from" ? field : "\(field)[\(index)]"
                try HeaderText.check(address.name ?? "", field: name + ".name")
                try HeaderText.check(address.address, field: name + ".address")
            }
        }
        try HeaderText.check(subject ?? "", field: "subject")
        for (index, attachment) in attachments.enumerated() {
            try HeaderText.check(attachment.filename, field: "attachments[\(index)].filename")
            try HeaderText.check(attachment.contentType, field: "attachments[\(index)].contentType")
            try HeaderText.check(attachment.contentID ?? "", field: "attachments[\(index)].contentId")
        }
        for header in extraHeaders {
            try HeaderText.check(header.name, field: "headers")
            try HeaderText.check(header.value, field: "headers.\(header.name)")
            guard HeaderText.isAllowedExtraName(header.name) else {
                throw .headerInjection(field: "headers.\(HeaderText.printable(header.name, limit: 80))",
                                       reason: "is not allowed: only X-* and List-* header fields may be added")
            }
        }
        try HeaderText.check(inReplyTo ?? "", field: "inReplyTo")
        for (index, reference) in references.enumerated() {
            try HeaderText.check(reference, field: "references[\(index)]")
        }
        for (field, text) in [("text", text), ("html", html)] where text?.utf8.contains(0) == true {
            throw .invalid("'\(field)' must not contain NUL characters.")
        }
    }
}
