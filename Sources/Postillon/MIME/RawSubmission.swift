import CGMime
import Foundation
import PostillonHTTP

/// A prepared message (`Content-Type: message/rfc822`) made ready for SMTP: CRLF-normalised, its
/// envelope taken from the query or its own headers, Bcc removed, Message-ID and Date added when missing.
package struct RawSubmission: Sendable {
    /// The bytes to upload: in memory, or the rewritten header block followed by the rest of a
    /// spooled body (``prepare(spooled:from:to:sender:maxBytes:date:fallbackDomain:)``).
    package let upload: SMTPMessage
    /// The bytes in memory: the whole message, or only the rewritten header block of a spooled one.
    package var message: [UInt8] { upload.head }
    /// Sender and recipients.
    package let envelope: SMTPEnvelope
    /// The message's Message-ID (its own, or the one added), with angle brackets.
    package let messageID: String

    /// Most envelope recipients of one send (JSON or raw).
    package static let maxRecipients = 500

    /// Prepares `bytes` for sending as `sender`.
    /// - Parameters:
    ///   - bytes: the message as received.
    ///   - from: the `from` query parameter (envelope sender), or nil to take the From header.
    ///   - to: the `to` query parameters (envelope recipients); empty takes To, Cc and Bcc.
    ///   - sender: the caller's own address: the envelope sender and the From header must be it
    ///     (compared case-insensitively).
    ///   - maxBytes: the size limit.
    ///   - date: for a missing Date header.
    ///   - fallbackDomain: the Message-ID domain when the sender's cannot be written in ASCII.
    /// - Throws: ``SendValidationError``.
    package static func prepare(_ bytes: [UInt8], from: String?, to: [String], sender: String, maxBytes: Int,
                               date: Date = Date(), fallbackDomain: String = "localhost") throws(SendValidationError) -> RawSubmission {
        guard bytes.count <= maxBytes else { throw .tooLarge(limit: maxBytes) }
        guard bytes.contains(where: { $0 != 0x0D && $0 != 0x0A && $0 != 0x20 && $0 != 0x09 }) else {
            throw .invalid("The message is empty.")
        }
        let normalized = CRLFNormalizer.normalize(bytes)
        let header = try RawHeaderBlock.parse(normalized)
        let plan = try envelopePlan(header, from: from, to: to, sender: sender, date: date, fallbackDomain: fallbackDomain)
        let message = header.rewrite(normalized, removing: ["bcc"], prepending: plan.added)
        return RawSubmission(upload: SMTPMessage(message), envelope: plan.envelope, messageID: plan.messageID)
    }

    /// Most bytes of a spooled message read to find its header block; a longer header block is refused.
    static let maxSpooledHeaderBytes = 256 * 1024

    /// Prepares a message spooled to a file (a large request body) without reading it into memory:
    /// the header block is read, checked and rewritten as ``prepare(_:from:to:sender:maxBytes:date:fallbackDomain:)``
    /// does; the body stays in the file and is normalised while it is uploaded. The same bytes go out
    /// either way. Reads the file (blocking): call on a worker thread.
    /// - Throws: ``SendValidationError``; ``SendValidationError/invalid(_:)`` also when the file cannot be read.
    package static func prepare(spooled body: SpooledBody, from: String?, to: [String], sender: String, maxBytes: Int,
                               date: Date = Date(), fallbackDomain: String = "localhost") throws(SendValidationError) -> RawSubmission {
        guard body.count <= maxBytes else { throw .tooLarge(limit: maxBytes) }
        let prefix: [UInt8]
        do {
            prefix = try body.bytes(length: maxSpooledHeaderBytes + 1)
        } catch {
            throw .invalid("The message could not be read back from its temporary file.")
        }
        // A small message is prepared in memory, exactly as if it had not been spooled.
        if prefix.count == body.count {
            return try prepare(prefix, from: from, to: to, sender: sender, maxBytes: maxBytes, date: date, fallbackDomain: fallbackDomain)
        }
        guard let split = CRLFStream.headerBlock(of: prefix) else {
            throw .invalid("The message's header block must end (with an empty line) within its first \(maxSpooledHeaderBytes) bytes.")
        }
        let headerBytes = split.header
        let header = try RawHeaderBlock.parse(headerBytes)
        let plan = try envelopePlan(header, from: from, to: to, sender: sender, date: date, fallbackDomain: fallbackDomain)
        let head = header.rewrite(headerBytes, removing: ["bcc"], prepending: plan.added)
        let upload: SMTPMessage
        do {
            upload = try SMTPMessage(head: head, body: body, from: split.bodyOffset)
        } catch {
            throw .invalid("The message could not be read back from its temporary file.")
        }
        return RawSubmission(upload: upload, envelope: plan.envelope, messageID: plan.messageID)
    }

    /// The envelope, Message-ID and added header lines for a parsed header block, after the sender checks.
    private static func envelopePlan(_ header: RawHeaderBlock, from: String?, to: [String], sender: String, date: Date,
                             fallbackDomain: String) throws(SendValidationError) -> (envelope: SMTPEnvelope, messageID: String, added: [String]) {
        // The author: exactly one From mailbox, the caller's own.
        let fromFields = header.fields(named: "From")
        guard fromFields.count == 1 else { throw .invalid("The message must have exactly one From header field.") }
        let authors = try addresses(in: fromFields[0].value, field: "From header")
        guard authors.count == 1, let author = authors.first else { throw .invalid("The From header field must hold exactly one address.") }
        guard author.lowercased() == sender.lowercased() else { throw .senderNotAllowed(address: author, allowed: sender) }

        // The envelope.
        var envelopeSender = author
        if let from {
            try HeaderText.check(from, field: "from")
            guard let parsed = OutgoingAddress.parse(from) else { throw .invalidAddress(field: "from", value: from) }
            guard parsed.address.lowercased() == sender.lowercased() else { throw .senderNotAllowed(address: parsed.address, allowed: sender) }
            envelopeSender = parsed.address
        }
        var recipients: [String] = []
        if !to.isEmpty {
            for value in to {
                try HeaderText.check(value, field: "to")
                guard let parsed = OutgoingAddress.parse(value) else { throw .invalidAddress(field: "to", value: value) }
                recipients.append(parsed.address)
            }
        } else {
            for field in header.fields where ["to", "cc", "bcc"].contains(field.name.lowercased()) {
                recipients += try addresses(in: field.value, field: "\(field.name) header")
            }
        }
        let envelope = SMTPEnvelope(sender: envelopeSender, recipients: recipients)
        guard !envelope.recipients.isEmpty else {
            throw .invalid("No recipient: give 'to' query parameters or To, Cc or Bcc header fields.")
        }
        guard envelope.recipients.count <= maxRecipients else { throw .invalid("At most \(maxRecipients) recipients per message.") }

        // Bcc never travels in the message; Message-ID and Date are added when missing.
        var added: [String] = []
        let messageID: String
        if let existing = header.fields(named: "Message-ID").first?.value, !existing.isEmpty {
            messageID = existing
        } else {
            messageID = MessageComposer.newMessageID(domain: MessageComposer.asciiDomain(of: OutgoingAddress(name: nil, address: author)) ?? fallbackDomain)
            added.append("Message-ID: \(messageID)")
        }
        if header.fields(named: "Date").isEmpty { added.append("Date: \(formatDate(date))") }
        return (envelope, messageID, added)
    }

    /// The addr-specs of an address-list header value (RFC 2047 names and groups understood), each validated.
    private static func addresses(in value: String, field: String) throws(SendValidationError) -> [String] {
        GMime.initialize()
        guard let list = internet_address_list_parse(nil, value) else {
            if value.trimming(" \t").isEmpty { return [] }
            throw .invalidAddress(field: field, value: value)
        }
        defer { cgmime_unref(list) }
        var result: [String] = []
        try collect(list, into: &result, field: field)
        return result
    }

    private static func collect(_ list: UnsafeMutablePointer<InternetAddressList>, into result: inout [String], field: String) throws(SendValidationError) {
        for index in 0..<internet_address_list_length(list) {
            guard let address = internet_address_list_get_address(list, index) else { continue }
            if cgmime_address_is_mailbox(address) != 0 {
                let addr = GMime.string(internet_address_mailbox_get_addr(cgmime_as_mailbox(address))) ?? ""
                guard OutgoingAddress.isValidAddrSpec(addr) else { throw .invalidAddress(field: field, value: addr) }
                result.append(addr)
            } else if cgmime_address_is_group(address) != 0, let members = internet_address_group_get_members(cgmime_as_group(address)) {
                try collect(members, into: &result, field: field)
            }
        }
    }

    /// An RFC 5322 date, for example `Tue, 3 Jun 2025 10:00:00 +0000`.
    private static func formatDate(_ date: Date) -> String {
        GMime.initialize()
        let dateTime = g_date_time_new_from_unix_local(gint64(date.timeIntervalSince1970.rounded(.down)))
        defer { g_date_time_unref(dateTime) }
        return GMime.takeString(g_mime_utils_header_format_date(dateTime)) ?? ""
    }
}
