import CGMime
@testable import Postillon

/// A composed message read back with GMime's parser, for tests: decoded headers and the leaf parts.
struct ParsedMIME {
    struct Leaf {
        let contentType: String
        let filename: String?
        let contentID: String?
        let disposition: String?
        let encoding: String?
        let content: [UInt8]
    }

    let subject: String?
    let from: String
    let to: String
    let cc: String
    /// Every multipart and leaf content type in depth-first order.
    let structure: [String]
    let leaves: [Leaf]

    init(_ bytes: [UInt8]) {
        GMime.initialize()
        let stream = bytes.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { g_mime_stream_mem_new_with_buffer($0.baseAddress, $0.count) } }
        let parser = g_mime_parser_new_with_stream(stream)
        let message = g_mime_parser_construct_message(parser, nil)!
        defer { cgmime_unref(message); cgmime_unref(parser); cgmime_unref(stream) }
        subject = GMime.string(g_mime_message_get_subject(message))
        func list(_ type: GMimeAddressType) -> String {
            GMime.takeString(internet_address_list_to_string(g_mime_message_get_addresses(message, type), nil, 0)) ?? ""
        }
        from = list(GMIME_ADDRESS_TYPE_FROM)
        to = list(GMIME_ADDRESS_TYPE_TO)
        cc = list(GMIME_ADDRESS_TYPE_CC)
        var structure: [String] = []
        var leaves: [Leaf] = []
        func walk(_ object: UnsafeMutablePointer<GMimeObject>) {
            let type = GMime.takeString(g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object))) ?? ""
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
                leaves.append(Leaf(contentType: type, filename: GMime.string(g_mime_part_get_filename(part)),
                                   contentID: GMime.string(g_mime_object_get_content_id(object)),
                                   disposition: GMime.string(g_mime_object_get_disposition(object)),
                                   encoding: GMime.string(g_mime_object_get_header(object, "Content-Transfer-Encoding")), content: content))
            }
        }
        walk(g_mime_message_get_mime_part(message))
        self.structure = structure
        self.leaves = leaves
    }
}
