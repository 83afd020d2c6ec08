import CGMime
import Foundation
import PostillonHTTP

/// Composes a MIME message with GMime from an ``OutgoingMessage``: a pure function from the message
/// (plus date and Message-ID) to bytes, tested from literals.
///
/// - Headers: `From`, `To`, `Cc`, `Reply-To`, `Subject`, `Date`, `Message-ID`, `MIME-Version`,
///   `In-Reply-To`, `References` and the allowed extra fields; non-ASCII text and display names are
///   RFC 2047 encoded words, IDN domains are written as punycode. There is never a `Bcc`.
/// - Body: `text` and `html` together become multipart/alternative; inline parts (with a content id)
///   join the HTML in multipart/related; attachments wrap everything in multipart/mixed. Text parts
///   get 7bit, quoted-printable or base64, whichever fits; attachments are always base64 (exact bytes).
///   Inline parts of a message without HTML are attached to multipart/mixed.
/// - Filenames are RFC 2231 parameters; output has CRLF line endings.
package enum MessageComposer {
    /// Composes `message`.
    /// - Parameters:
    ///   - date: the `Date` header.
    ///   - messageID: the Message-ID with angle brackets; nil makes a fresh one on the sender's domain.
    ///   - fallbackDomain: the Message-ID domain when the sender's domain cannot be written in ASCII.
    /// - Throws: ``SendValidationError`` when a header value would inject lines or a content type is malformed.
    package static func compose(_ message: OutgoingMessage, date: Date = Date(), messageID: String? = nil,
                               fallbackDomain: String = "localhost") throws(SendValidationError) -> ComposedMessage {
        try message.checkHeaderText()
        GMime.initialize()
        let contentTypes = try parsedContentTypes(message.attachments)

        guard let gmessage = g_mime_message_new(1) else { fatalError("g_mime_message_new failed") }
        defer { cgmime_unref(gmessage) }
        let object = cgmime_message_as_object(gmessage)

        add([message.from], to: gmessage, as: GMIME_ADDRESS_TYPE_FROM)
        add(message.to, to: gmessage, as: GMIME_ADDRESS_TYPE_TO)
        add(message.cc, to: gmessage, as: GMIME_ADDRESS_TYPE_CC)
        add(message.replyTo, to: gmessage, as: GMIME_ADDRESS_TYPE_REPLY_TO)
        if let subject = message.subject { g_mime_message_set_subject(gmessage, subject, "utf-8") }
        let dateTime = g_date_time_new_from_unix_local(gint64(date.timeIntervalSince1970.rounded(.down)))
        g_mime_message_set_date(gmessage, dateTime)
        g_date_time_unref(dateTime)
        let id = messageID ?? newMessageID(domain: asciiDomain(of: message.from) ?? fallbackDomain)
        g_mime_message_set_message_id(gmessage, String(id.dropFirst().dropLast()))
        if let inReplyTo = message.inReplyTo { g_mime_object_set_header(object, "In-Reply-To", inReplyTo, nil) }
        if !message.references.isEmpty { g_mime_object_set_header(object, "References", message.references.joined(separator: " "), nil) }
        for header in message.extraHeaders { g_mime_object_append_header(object, header.name, header.value, "utf-8") }

        let body = bodyPart(message, contentTypes: contentTypes)
        g_mime_message_set_mime_part(gmessage, body)
        cgmime_unref(body)
        return ComposedMessage(bytes: CRLFNormalizer.normalize(write(object)), messageID: id)
    }

    /// A fresh Message-ID, `<time.random@domain>`, with 128 random bits.
    package static func newMessageID(domain: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        let time = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        return "<\(time).\(random)@\(domain)>"
    }

    /// The sender's domain in ASCII (punycode for IDN), or nil when it cannot be converted.
    static func asciiDomain(of address: OutgoingAddress) -> String? {
        if address.domain.allSatisfy(\.isASCII) { return String(address.domain).lowercased() }
        guard let mailbox = internet_address_mailbox_new(nil, address.address) else { return nil }
        defer { cgmime_unref(mailbox) }
        guard let idn = GMime.string(internet_address_mailbox_get_idn_addr(cgmime_as_mailbox(mailbox))),
              let at = idn.lastIndex(of: "@") else { return nil }
        let domain = idn[idn.index(after: at)...]
        return domain.allSatisfy(\.isASCII) && !domain.isEmpty ? domain.lowercased() : nil
    }

    /// Adds mailboxes to an address header; display names are encoded as UTF-8 when not ASCII.
    private static func add(_ addresses: [OutgoingAddress], to message: UnsafeMutablePointer<GMimeMessage>, as type: GMimeAddressType) {
        guard let list = g_mime_message_get_addresses(message, type) else { return }
        for address in addresses {
            guard let mailbox = internet_address_mailbox_new(address.name, address.address) else { continue }
            internet_address_set_charset(mailbox, "utf-8")
            internet_address_list_add(list, mailbox)
            cgmime_unref(mailbox)
        }
    }

    // MARK: - Body

    /// Parses each attachment's content type, rejecting anything that is not `type/subtype[; params]`.
    private static func parsedContentTypes(_ attachments: [OutgoingAttachment]) throws(SendValidationError) -> [String] {
        var result: [String] = []
        for (index, attachment) in attachments.enumerated() {
            let value = attachment.contentType.trimming(" \t")
            let essence = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimming(" \t")
            let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, ASCII.isToken(String(parts[0])), ASCII.isToken(String(parts[1])),
                  value.allSatisfy(\.isASCII), !essence.lowercased().hasPrefix("multipart/") else {
                throw .invalid("'attachments[\(index)].contentType' is not a media type such as application/pdf.")
            }
            result.append(value)
        }
        return result
    }

    /// The body tree; the caller owns the returned reference.
    private static func bodyPart(_ message: OutgoingMessage, contentTypes: [String]) -> UnsafeMutablePointer<GMimeObject> {
        var content: UnsafeMutablePointer<GMimeObject>
        switch (message.text, message.html) {
        case let (text?, html?):
            content = multipart("alternative", [textPart("plain", text), textPart("html", html)])
        case let (nil, html?):
            content = textPart("html", html)
        case let (text, nil):
            content = textPart("plain", text ?? "")
        }
        var inline: [UnsafeMutablePointer<GMimeObject>] = []
        var attached: [UnsafeMutablePointer<GMimeObject>] = []
        for (attachment, contentType) in zip(message.attachments, contentTypes) {
            let part = attachmentPart(attachment, contentType: contentType)
            if attachment.contentID != nil && message.html != nil { inline.append(part) } else { attached.append(part) }
        }
        if !inline.isEmpty {
            let rootType = message.text != nil ? "multipart/alternative" : "text/html"
            content = multipart("related", [content] + inline)
            g_mime_object_set_content_type_parameter(content, "type", rootType)
        }
        if !attached.isEmpty {
            content = multipart("mixed", [content] + attached)
        }
        return content
    }

    /// A text part in UTF-8 with the best transfer encoding for 7-bit transport.
    ///
    /// The content is set as UTF-8 bytes directly: `g_mime_text_part_set_text` would convert text
    /// that fits ISO-8859-1 to that charset.
    private static func textPart(_ subtype: String, _ text: String) -> UnsafeMutablePointer<GMimeObject> {
        let part = g_mime_text_part_new_with_subtype(subtype)
        let mimePart = cgmime_text_part_as_part(part)
        g_mime_text_part_set_charset(part, "utf-8")
        setContent(Array(CRLFNormalizer.toLF(text).utf8), of: mimePart)
        g_mime_part_set_content_encoding(mimePart, g_mime_part_get_best_content_encoding(mimePart, GMIME_ENCODING_CONSTRAINT_7BIT))
        return cgmime_text_part_as_object(part)!
    }

    /// Sets a part's (decoded) content.
    private static func setContent(_ bytes: [UInt8], of part: UnsafeMutablePointer<GMimePart>?) {
        let stream = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { g_mime_stream_mem_new_with_buffer($0.baseAddress, $0.count) }
        }
        let wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT)
        g_mime_part_set_content(part, wrapper)
        cgmime_unref(wrapper)
        cgmime_unref(stream)
    }

    /// An attachment or inline part, base64-encoded, with an RFC 2231 filename.
    private static func attachmentPart(_ attachment: OutgoingAttachment, contentType: String) -> UnsafeMutablePointer<GMimeObject> {
        let part = g_mime_part_new()
        let object = cgmime_part_as_object(part)!
        if let type = g_mime_content_type_parse(nil, contentType) {
            g_mime_object_set_content_type(object, type)
            cgmime_unref(type)
        }
        g_mime_object_set_disposition(object, attachment.contentID == nil ? "attachment" : "inline")
        g_mime_part_set_filename(part, attachment.filename)
        // Non-ASCII filenames as RFC 2231 UTF-8 (GMime would otherwise pick the smallest charset).
        if let disposition = g_mime_object_get_content_disposition(object),
           let filename = g_mime_param_list_get_parameter(g_mime_content_disposition_get_parameters(disposition), "filename") {
            g_mime_param_set_charset(filename, "utf-8")
        }
        if let type = g_mime_object_get_content_type(object),
           let name = g_mime_param_list_get_parameter(g_mime_content_type_get_parameters(type), "name") {
            g_mime_param_set_charset(name, "utf-8")
        }
        if let contentID = attachment.contentID { g_mime_object_set_content_id(object, contentID) }
        setContent(attachment.data, of: part)
        g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64)
        return object
    }

    /// A multipart holding `parts`; takes over the callers' references to them.
    private static func multipart(_ subtype: String, _ parts: [UnsafeMutablePointer<GMimeObject>]) -> UnsafeMutablePointer<GMimeObject> {
        let multipart = g_mime_multipart_new_with_subtype(subtype)
        for part in parts {
            g_mime_multipart_add(multipart, part)
            cgmime_unref(part)
        }
        return cgmime_multipart_as_object(multipart)!
    }

    /// The object's bytes with CRLF line endings and RFC 2231 parameters.
    private static func write(_ object: UnsafeMutablePointer<GMimeObject>?) -> [UInt8] {
        let options = g_mime_format_options_new()
        defer { g_mime_format_options_free(options) }
        g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS)
        g_mime_format_options_set_param_encoding_method(options, GMIME_PARAM_ENCODING_METHOD_RFC2231)
        let stream = g_mime_stream_mem_new()
        defer { cgmime_unref(stream) }
        g_mime_object_write_to_stream(object, options, stream)
        guard let array = g_mime_stream_mem_get_byte_array(cgmime_as_stream_mem(stream)), let data = array.pointee.data else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(array.pointee.len)))
    }
}
