import CGMime
#if canImport(Glibc)
import Glibc
import PostillonHTTP
#endif

/// Parses spooled messages into ``ParsedMessage`` and extracts single parts, with GMime.
public struct MessageParser: Sendable {
    /// Most header fields listed.
    package var maxHeaderFields = 1000
    /// Most header bytes listed (names plus values).
    package var maxHeaderBytes = 256 * 1024
    /// Milliseconds a parse may take.
    public var timeoutMillis: Int64 = 10_000
    /// Most parts (leaves) listed; beyond them the walk stops with a warning.
    package var maxParts = 1000
    /// Most lines starting with `--` GMime reads: a part bomb is cut there (see ``MessageLayout``).
    package var maxBoundaryLines = 5000

    /// Creates a parser with default limits.
    public init() {}

    /// Parses the message in `path` (the spool file of message `id`, `size` octets).
    /// - Throws: ``MIMEError``.
    public func parse(file path: String, id: String, size: Int) throws -> ParsedMessage {
        let document = try GMimeDocument(file: path, maxBoundaryLines: maxBoundaryLines)
        var warnings = document.warnings
        let fields = GMimeHeaders.fields(of: document.message)
        let headers = headerList(document, warnings: &warnings)

        var text: String?
        var html: String?
        var attachments: [AttachmentInfo] = []
        var walker = MIMEPartWalker(deadlineMillis: MonotonicClock.nowMillis() + timeoutMillis, maxParts: maxParts)
        try walker.walk(document.message) { node in
            let object = node.object
            let type = MIMEPartWalker.mimeType(object)
            let disposition = GMime.string(g_mime_object_get_disposition(object))?.lowercased()
            if cgmime_is_part(object) != 0, let part = cgmime_as_part(object) {
                let filename = Self.fileName(part)
                let isBodyCandidate = disposition != "attachment" && filename == nil
                    && !(node.enclosing.last == "related" && node.partId.split(separator: ".").last != "1")
                // Mail clients show every text part of a multipart/mixed that is not an attachment
                // (named or not) in the body, in order: the first is `text`, the others follow it.
                // Named or later ones are still listed, so they can be downloaded.
                let isMixedText = type == "text/plain" && disposition != "attachment" && node.enclosing.last == "mixed"
                if isMixedText || (isBodyCandidate && type == "text/plain" && text == nil) {
                    let decoded = CharsetDecoder.decode(Self.decodedContent(part), charset: charset(object))
                    if let warning = decoded.warning { warnings.append("part \(node.partId): \(warning)") }
                    if let previous = text {
                        if !decoded.text.allSatisfy(\.isWhitespace) {
                            text = previous + (previous.hasSuffix("\n") ? "\n" : "\n\n") + decoded.text
                        }
                    } else {
                        text = decoded.text
                        if filename == nil { return }
                    }
                }
                if isBodyCandidate && type == "text/html" && html == nil {
                    let decoded = CharsetDecoder.decode(Self.decodedContent(part), charset: charset(object))
                    html = decoded.text
                    if let warning = decoded.warning { warnings.append("part \(node.partId): \(warning)") }
                    return
                }
                attachments.append(AttachmentInfo(partId: node.partId, filename: filename, contentType: type,
                                                  size: Self.decodedSize(part), contentId: contentId(object), disposition: disposition))
            } else if cgmime_is_message_part(object) != 0 {
                attachments.append(AttachmentInfo(partId: node.partId, filename: Self.messageFileName(object), contentType: type,
                                                  size: Self.messageSize(object), contentId: contentId(object), disposition: disposition))
            }
        }
        if walker.truncatedParts { warnings.append("more than \(maxParts) parts; the rest are not listed") }
        if walker.truncatedDepth { warnings.append("MIME nesting deeper than \(MIMEPartWalker.maxDepth) levels; inner parts are not listed") }

        let summary = MessageSummary(id: id, size: size, fields: fields)
        let references = (headers.last { $0.name.lowercased() == "references" }?.value).map(Self.messageIds) ?? []
        let inReplyTo = (headers.first { $0.name.lowercased() == "in-reply-to" }?.value).flatMap { Self.messageIds($0).first }
        return ParsedMessage(summary: summary, headers: headers, text: Self.lineFeeds(text), html: html, attachments: attachments,
                             inReplyTo: inReplyTo, references: references,
                             replyTo: GMimeHeaders.addresses(g_mime_message_get_reply_to(document.message)),
                             sender: GMimeHeaders.addresses(g_mime_message_get_sender(document.message)), warnings: warnings)
    }

    /// Writes the decoded content of part `partId` to `output` (a path) and describes it.
    /// - Throws: ``MIMEError/partNotFound(_:)``.
    public func extract(file path: String, partId: String, to output: String) throws -> AttachmentInfo {
        let document = try GMimeDocument(file: path, maxBoundaryLines: maxBoundaryLines)
        let walker = MIMEPartWalker(deadlineMillis: MonotonicClock.nowMillis() + timeoutMillis, maxParts: maxParts)
        guard let node = try walker.find(document.message, partId: partId) else { throw MIMEError.partNotFound(partId) }
        guard let stream = g_mime_stream_fs_open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o600, nil) else {
            throw MIMEError.unreadable("cannot create the part file")
        }
        defer { cgmime_unref(stream) }
        let object = node.object
        let type = MIMEPartWalker.mimeType(object)
        var filename: String?
        if cgmime_is_part(object) != 0, let part = cgmime_as_part(object) {
            filename = Self.fileName(part)
            if let content = g_mime_part_get_content(part) {
                g_mime_data_wrapper_write_to_stream(content, stream)
            }
        } else if cgmime_is_message_part(object) != 0, let inner = g_mime_message_part_get_message(cgmime_as_message_part(object)) {
            Self.writeMessage(inner, to: stream)
            filename = Self.messageFileName(object)
        }
        g_mime_stream_flush(stream)
        // The bytes that reached the file, not GMime's return value: for a message it counts the
        // input of its newline filter, which differs from the output (a wrong Content-Length).
        let size = max(0, Int(g_mime_stream_tell(stream)))
        return AttachmentInfo(partId: partId, filename: filename, contentType: type, size: size, contentId: contentId(object),
                              disposition: GMime.string(g_mime_object_get_disposition(object))?.lowercased())
    }

    private func charset(_ object: UnsafeMutablePointer<GMimeObject>) -> String? {
        // An invalid Content-Type means text/plain; charset=us-ascii (RFC 2045 section 5.2).
        if MIMEPartWalker.hasInvalidContentType(object) { return nil }
        return GMime.string(g_mime_object_get_content_type_parameter(object, "charset"))
    }

    private func contentId(_ object: UnsafeMutablePointer<GMimeObject>) -> String? {
        GMime.string(g_mime_object_get_content_id(object)).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A part's decoded file name (RFC 2231 / RFC 2047), or nil.
    static func fileName(_ part: UnsafeMutablePointer<GMimePart>) -> String? {
        GMime.headerText(g_mime_part_get_filename(part)).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The file name of an attached message: its `name` parameter, else its subject plus `.eml`.
    static func messageFileName(_ object: UnsafeMutablePointer<GMimeObject>) -> String {
        if let name = GMime.headerText(g_mime_object_get_content_type_parameter(object, "name")), !name.isEmpty { return name }
        let inner = g_mime_message_part_get_message(cgmime_as_message_part(object))
        return inner.flatMap { GMime.headerText(g_mime_message_get_subject($0)) }.map { Self.safeFileName($0) + ".eml" } ?? "message.eml"
    }

    /// Writes an attached message with CRLF line endings. The spooled message has CRLF (as POP3
    /// sends it), so this gives back the attached message's own bytes; GMime's default (LF) would
    /// rewrite every header line and leave the body's line endings as they were.
    @discardableResult
    static func writeMessage(_ message: UnsafeMutablePointer<GMimeMessage>, to stream: UnsafeMutablePointer<GMimeStream>) -> Int {
        guard let options = g_mime_format_options_new() else { return 0 }
        defer { g_mime_format_options_free(options) }
        g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS)
        return Int(g_mime_object_write_to_stream(cgmime_message_as_object(message), options, stream))
    }

    /// Transfer-decoded bytes of a part (bodies only; attachments are never loaded whole).
    static func decodedContent(_ part: UnsafeMutablePointer<GMimePart>) -> [UInt8] {
        guard let content = g_mime_part_get_content(part), let stream = g_mime_stream_mem_new() else { return [] }
        defer { cgmime_unref(stream) }
        g_mime_data_wrapper_write_to_stream(content, stream)
        var length = 0
        guard let data = cgmime_stream_mem_data(stream, &length) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// Decoded size of a part, measured by decoding into a null stream.
    static func decodedSize(_ part: UnsafeMutablePointer<GMimePart>) -> Int {
        guard let content = g_mime_part_get_content(part), let stream = g_mime_stream_null_new() else { return 0 }
        defer { cgmime_unref(stream) }
        g_mime_data_wrapper_write_to_stream(content, stream)
        return Int(cgmime_null_stream_written(stream))
    }

    /// Size of an attached message as it would be downloaded.
    static func messageSize(_ object: UnsafeMutablePointer<GMimeObject>) -> Int {
        guard let inner = g_mime_message_part_get_message(cgmime_as_message_part(object)), let stream = g_mime_stream_null_new() else { return 0 }
        defer { cgmime_unref(stream) }
        writeMessage(inner, to: stream)
        return Int(cgmime_null_stream_written(stream))
    }

    /// `<a@b> <c@d>` -> ["<a@b>", "<c@d>"].
    static func messageIds(_ value: String) -> [String] {
        var ids: [String] = []
        var current: String?
        for character in value {
            if character == "<" { current = "<" } else if character == ">", var id = current {
                id.append(">")
                if id.count > 2 { ids.append(id) }
                current = nil
            } else if current != nil, !character.isWhitespace { current?.append(character) }
        }
        return ids
    }

    /// A file name made from free text (for attached messages without a name).
    static func safeFileName(_ text: String) -> String {
        let cleaned = String(text.map { "/\\:*?\"<>|\0\r\n\t".contains($0) ? "_" : $0 }.prefix(80)).trimming(" .")
        return cleaned.isEmpty ? "message" : cleaned
    }
}
