import CGMime

extension MessageParser {
    /// Every header field of the message in the order written, bounded by ``maxHeaderFields`` and
    /// ``maxHeaderBytes``. GMime keeps the `Content-*` fields of the top level on its MIME part,
    /// not on the message, so both lists are merged by their byte offset.
    func headerList(_ document: GMimeDocument, warnings: inout [String]) -> [HeaderField] {
        var found: [(offset: Int64, order: Int, field: HeaderField)] = []
        var seenOffsets = Set<Int64>()
        var headerBytes = 0
        var truncated = false
        let lists = [g_mime_object_get_header_list(document.object),
                     g_mime_message_get_mime_part(document.message).flatMap { g_mime_object_get_header_list($0) }]
        collect: for list in lists {
            guard let list else { continue }
            for index in 0..<g_mime_header_list_get_count(list) {
                guard let header = g_mime_header_list_get_header_at(list, index) else { continue }
                let offset = Int64(g_mime_header_get_offset(header))
                // A field both lists hold (same position in the file) is listed once.
                if offset >= 0 && !seenOffsets.insert(offset).inserted { continue }
                let name = GMime.string(g_mime_header_get_name(header)) ?? ""
                let value = GMimeHeaders.decodedText(header)
                headerBytes += name.utf8.count + value.utf8.count
                if found.count >= maxHeaderFields || headerBytes > maxHeaderBytes {
                    truncated = true
                    break collect
                }
                found.append((offset < 0 ? Int64.max : offset, found.count, HeaderField(name: name, value: value)))
            }
        }
        if truncated { warnings.append("header list truncated at \(found.count) fields") }
        return found.sorted { ($0.offset, $0.order) < ($1.offset, $1.order) }.map(\.field)
    }

    /// `text` with CRLF (and lone CR) line endings turned into LF, as the API documents `text`.
    static func lineFeeds(_ text: String?) -> String? {
        guard let text, text.utf8.contains(0x0D) else { return text }
        return text.replacing("\r\n", with: "\n").replacing("\r", with: "\n")
    }
}
