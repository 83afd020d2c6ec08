import CGMime
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// A message parsed by GMime from a spooled file, owned by Swift (unref in `deinit`), with the
/// parser's warnings. Used by one thread; never shared.
final class GMimeDocument {
    /// Collects parser warnings through the C callback.
    final class WarningSink {
        var warnings: [String] = []
    }

    let message: UnsafeMutablePointer<GMimeMessage>
    let sink = WarningSink()
    /// Size of the spooled message.
    private let inputBytes: Int

    /// Parses the message in `path`, showing GMime at most `maxBoundaryLines` lines that start
    /// with `--` (see ``MessageLayout``) and an empty line where the header block lacks one.
    /// - Throws: ``MIMEError/unreadable(_:)``.
    init(file path: String, maxBoundaryLines: Int = 10_000) throws {
        GMime.initialize()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MIMEError.unreadable("cannot open the spooled message") }
        var status = stat()
        let size = fstat(fd, &status) == 0 ? Int(status.st_size) : 0
        inputBytes = size
        var layout = MessageLayout()
        if size > 0, let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED {
            layout = MessageLayout.scan(UnsafeRawBufferPointer(start: mapped, count: size), maxBoundaryLines: maxBoundaryLines)
            munmap(mapped, size)
        }
        guard let file = g_mime_stream_fs_new(fd) else {
            close(fd)
            throw MIMEError.unreadable("cannot open the spooled message")
        }
        defer { cgmime_unref(file) }
        let stream = Self.arrange(file, layout: layout, size: size)
        defer { cgmime_unref(stream) }
        if let at = layout.blankLineAt {
            sink.warnings.append(at == 0 ? "the message has no header fields; all of it is read as the body"
                                 : "no blank line between header and body; the body is read from byte \(at)")
        }
        if let cut = layout.cutAt {
            sink.warnings.append("more than \(maxBoundaryLines) MIME boundary lines; parts after byte \(cut) are not read")
        }
        guard let parser = g_mime_parser_new_with_stream(stream) else { throw MIMEError.unreadable("no parser") }
        defer { cgmime_unref(parser) }
        guard let options = g_mime_parser_options_new() else { throw MIMEError.unreadable("no parser options") }
        defer { g_mime_parser_options_free(options) }
        cgmime_set_fallback_charsets(options, "UTF-8", "windows-1252")
        g_mime_parser_options_set_warning_callback(options, { offset, code, item, userdata in
            guard let userdata else { return }
            let sink = Unmanaged<WarningSink>.fromOpaque(userdata).takeUnretainedValue()
            guard sink.warnings.count < 100 else { return }
            let detail = GMime.string(item).map { ": \($0.prefix(120))" } ?? ""
            sink.warnings.append("\(GMimeDocument.describe(code)) at byte \(offset)\(detail)")
        }, Unmanaged.passUnretained(sink).toOpaque())
        let parsed = withExtendedLifetime(sink) { g_mime_parser_construct_message(parser, options) }
        guard let parsed else { throw MIMEError.unreadable("GMime found no message") }
        message = parsed
    }

    deinit {
        cgmime_unref(message)
        // GMime allocates one object per part; after a large message glibc keeps the freed pages in
        // the worker thread's arena. Give them back so memory returns after the request.
        if inputBytes > Self.trimAfterBytes { clinux_malloc_trim(0) }
    }

    /// Messages larger than this give their memory back to the system when freed.
    static let trimAfterBytes = 1 << 20

    /// The stream GMime reads: the file, cut at `layout.cutAt`, with an empty line inserted at
    /// `layout.blankLineAt`. The caller owns (unrefs) the result; sub-streams keep `file` alive.
    private static func arrange(_ file: UnsafeMutablePointer<GMimeStream>, layout: MessageLayout,
                                size: Int) -> UnsafeMutablePointer<GMimeStream> {
        let end = layout.cutAt ?? size
        guard let at = layout.blankLineAt, at <= end, let cat = g_mime_stream_cat_new() else {
            if layout.cutAt != nil, let cut = g_mime_stream_substream(file, 0, gint64(end)) { return cut }
            g_object_ref(file)
            return file
        }
        let pieces = [g_mime_stream_substream(file, 0, gint64(at)),
                      "\r\n".withCString { g_mime_stream_mem_new_with_buffer($0, 2) },
                      g_mime_stream_substream(file, gint64(at), gint64(end))]
        for piece in pieces {
            guard let piece else { continue }
            g_mime_stream_cat_add_source(cgmime_as_stream_cat(cat), piece)
            cgmime_unref(piece)
        }
        return cat
    }

    /// The parser warnings.
    var warnings: [String] { sink.warnings }

    /// The top-level object.
    var object: UnsafeMutablePointer<GMimeObject> { cgmime_message_as_object(message) }

    static func describe(_ code: GMimeParserWarning) -> String {
        switch code {
        case GMIME_WARN_DUPLICATED_HEADER: return "duplicated header"
        case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated header parameter"
        case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded 8-bit header"
        case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid content type, assuming application/octet-stream"
        case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid RFC 2047 header value"
        case GMIME_WARN_MALFORMED_MULTIPART: return "malformed multipart"
        case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated message"
        case GMIME_WARN_MALFORMED_MESSAGE: return "malformed message"
        case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header name"
        case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting header"
        case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting header parameter"
        case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without boundary"
        case GMIME_CRIT_NESTING_OVERFLOW: return "MIME nesting too deep"
        case GMIME_WARN_PART_WITHOUT_CONTENT: return "part without content"
        case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "part without headers or content"
        default: return "parser warning \(code.rawValue)"
        }
    }
}
