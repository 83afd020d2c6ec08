import CGMime
import Postillon

/// A message read back with GMime's parser directly (independent of Postillon's own parser), for
/// tests of composing and sending: decoded headers, header names, the MIME structure and leaf parts.
package struct MIMEReadBack {
    /// One non-multipart part.
    package struct Leaf {
        package let contentType: String
        package let filename: String?
        package let contentID: String?
        package let disposition: String?
        /// The Content-Transfer-Encoding header, nil when absent (7bit).
        package let encoding: String?
        /// The decoded content.
        package let content: [UInt8]
    }

    package let subject: String?
    /// Decoded address lists as GMime prints them, e.g. `Jörg Müller <j@mail.test>`.
    package let from: String
    package let to: String
    package let cc: String
    package let messageID: String?
    /// Names of the top-level header fields, lower-cased, in order.
    package let headerNames: [String]
    /// Every multipart and leaf content type, depth first.
    package let structure: [String]
    package let leaves: [Leaf]

    /// Parses `bytes` (CRLF or LF line endings).
    package init(_ bytes: [UInt8]) {
        GMime.initialize()
        func string(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }
        func take(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
            defer { g_free(pointer) }
            return pointer.map { String(cString: $0) }
        }
        let stream = bytes.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { g_mime_stream_mem_new_with_buffer($0.baseAddress, $0.count) } }
        let parser = g_mime_parser_new_with_stream(stream)
        let message = g_mime_parser_construct_message(parser, nil)!
        defer { cgmime_unref(message); cgmime_unref(parser); cgmime_unref(stream) }
        subject = string(g_mime_message_get_subject(message))
        func list(_ type: GMimeAddressType) -> String {
            take(internet_address_list_to_string(g_mime_message_get_addresses(message, type), nil, 0)) ?? ""
        }
        from = list(GMIME_ADDRESS_TYPE_FROM)
        to = list(GMIME_ADDRESS_TYPE_TO)
        cc = list(GMIME_ADDRESS_TYPE_CC)
        messageID = string(g_mime_message_get_message_id(message))
        let headers = g_mime_object_get_header_list(cgmime_message_as_object(message))
        headerNames = (0..<g_mime_header_list_get_count(headers)).compactMap {
            string(g_mime_header_get_name(g_mime_header_list_get_header_at(headers, $0)))?.lowercased()
        }
        var structure: [String] = []
        var leaves: [Leaf] = []
        func walk(_ object: UnsafeMutablePointer<GMimeObject>) {
            let type = take(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object))) ?? ""
            structure.append(type)
            if cgmime_is_multipart(object) != 0 {
                let multipart = cgmime_as_multipart(object)
                for index in 0..<g_mime_multipart_get_count(multipart) { walk(g_mime_multipart_get_part(multipart, index)) }
            } else if cgmime_is_part(object) != 0 {
                let part = cgmime_as_part(object)
                let output = g_mime_stream_mem_new()
                defer { cgmime_unref(output) }
                if let wrapper = g_mime_part_get_content(part) { g_mime_data_wrapper_write_to_stream(wrapper, output) }
                let array = g_mime_stream_mem_get_byte_array(cgmime_as_stream_mem(output))!
                let content = array.pointee.len == 0 ? [] : Array(UnsafeBufferPointer(start: array.pointee.data, count: Int(array.pointee.len)))
                leaves.append(Leaf(contentType: type, filename: string(g_mime_part_get_filename(part)),
                                   contentID: string(g_mime_object_get_content_id(object)),
                                   disposition: string(g_mime_object_get_disposition(object)),
                                   encoding: string(g_mime_object_get_header(object, "Content-Transfer-Encoding")), content: content))
            }
        }
        walk(g_mime_message_get_mime_part(message))
        self.structure = structure
        self.leaves = leaves
    }

    /// The leaf whose filename is `name`.
    package func attachment(_ name: String) -> Leaf? { leaves.first { $0.filename == name } }
}
