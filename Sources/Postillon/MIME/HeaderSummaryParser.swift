import CGMime

/// Parses a header block (the answer to `TOP n 0`) into ``HeaderFields`` with GMime.
package enum HeaderSummaryParser {
    /// Parses headers; bytes that are not a message give empty fields, never a crash.
    package static func parse(_ bytes: [UInt8]) -> HeaderFields {
        GMime.initialize()
        guard let stream = bytes.withUnsafeBufferPointer({ buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { g_mime_stream_mem_new_with_buffer($0, buffer.count) }
            } ?? g_mime_stream_mem_new()
        }) else { return HeaderFields() }
        defer { cgmime_unref(stream) }
        guard let parser = g_mime_parser_new_with_stream(stream) else { return HeaderFields() }
        defer { cgmime_unref(parser) }
        guard let message = g_mime_parser_construct_message(parser, nil) else { return HeaderFields() }
        defer { cgmime_unref(message) }
        return GMimeHeaders.fields(of: message)
    }
}
