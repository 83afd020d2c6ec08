import CGMime

/// Reads decoded header fields from a parsed GMime message.
enum GMimeHeaders {
    /// The list fields of `message`.
    static func fields(of message: UnsafeMutablePointer<GMimeMessage>) -> HeaderFields {
        var fields = HeaderFields()
        fields.subject = subject(of: message)
        fields.from = addresses(g_mime_message_get_from(message))
        fields.to = addresses(g_mime_message_get_to(message))
        fields.cc = addresses(g_mime_message_get_cc(message))
        if let date = g_mime_message_get_date(message) {
            let offset = Int(g_date_time_get_utc_offset(date) / 1_000_000)
            fields.date = ISO8601.format(epochSeconds: Int64(g_date_time_to_unix(date)), offsetSeconds: offset)
        }
        if let id = GMime.string(g_mime_message_get_message_id(message)), !id.isEmpty {
            fields.messageId = "<\(id)>"
        }
        if let part = g_mime_message_get_mime_part(message), let type = g_mime_object_get_content_type(part),
           let mimeType = GMime.takeString(g_mime_content_type_get_mime_type(type)) {
            fields.contentType = mimeType.lowercased()
        }
        return fields
    }

    /// The decoded Subject, read from its raw value so that encoded-words splitting a character
    /// decode whole (see ``EncodedWords``).
    static func subject(of message: UnsafeMutablePointer<GMimeMessage>) -> String? {
        guard let list = g_mime_object_get_header_list(cgmime_message_as_object(message)),
              let header = g_mime_header_list_get_header(list, "Subject") else {
            return GMime.headerText(g_mime_message_get_subject(message))
        }
        return decodedText(header)
    }

    /// A header's value unfolded, with adjacent encoded-words joined and RFC 2047 words decoded.
    static func decodedText(_ header: UnsafeMutablePointer<GMimeHeader>) -> String {
        guard let raw = g_mime_header_get_raw_value(header) else { return GMime.string(g_mime_header_get_value(header)) ?? "" }
        let unfolded = EncodedWords.mergeAdjacent(GMime.takeString(g_mime_utils_header_unfold(raw)) ?? "")
        let decoded = unfolded.withCString { GMime.takeString(g_mime_utils_header_decode_text(nil, $0)) } ?? unfolded
        return CharsetDecoder.repairingC1(decoded).trimming(" \t")
    }

    /// Flattens an address list (groups become their members).
    static func addresses(_ list: UnsafeMutablePointer<InternetAddressList>?) -> [MailAddress] {
        guard let list else { return [] }
        var result: [MailAddress] = []
        for index in 0..<internet_address_list_length(list) {
            guard let address = internet_address_list_get_address(list, index) else { continue }
            if cgmime_address_is_group(address) != 0 {
                result += addresses(internet_address_group_get_members(cgmime_as_group(address)))
            } else if cgmime_address_is_mailbox(address) != 0 {
                let mailbox = cgmime_as_mailbox(address)
                let addr = GMime.string(internet_address_mailbox_get_idn_addr(mailbox)) ?? GMime.string(internet_address_mailbox_get_addr(mailbox)) ?? ""
                let name = GMime.headerText(internet_address_get_name(address)).flatMap { $0.isEmpty ? nil : $0 }
                if !addr.isEmpty || name != nil { result.append(MailAddress(name: name, address: addr)) }
            }
        }
        return result
    }
}
