#if canImport(Glibc)
import Glibc
#endif

/// What one quick pass over a spooled message finds before GMime parses it: a pure scanner over bytes.
///
/// - Real-world mail may lack the blank line between header and body, or have no header at all;
///   GMime then drops the body (or finds no message). `blankLineAt` says where the body starts so
///   the parser can be given an empty line there.
/// - A flat multipart with very many tiny parts (a "part bomb") costs GMime one object per part:
///   300k empty parts took minutes and gigabytes. `cutAt` is the start of the first boundary-like
///   line (`--...`) past the bound; the parser only sees the bytes before it.
struct MessageLayout: Equatable {
    /// Where a blank line must be inserted because a body line follows the header fields directly
    /// (0 when the message has no header at all); nil when the header block ends properly.
    var blankLineAt: Int?
    /// Where the parser must stop because the message has more boundary-like lines than allowed.
    var cutAt: Int?

    /// Scans `bytes` (LF or CRLF line endings).
    /// - Parameter maxBoundaryLines: how many lines starting with `--` the parser may see.
    static func scan(_ bytes: UnsafeRawBufferPointer, maxBoundaryLines: Int) -> MessageLayout {
        var layout = MessageLayout()
        var lineStart = 0
        var inHeader = true
        var sawField = false
        var boundaryLines = 0
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            if let newline = memchrLF(bytes, from: lineStart) { lineEnd = newline } else { lineEnd = count }
            if inHeader {
                var contentEnd = lineEnd
                if contentEnd > lineStart && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                if contentEnd == lineStart {
                    inHeader = false
                } else if sawField && (bytes[lineStart] == 0x20 || bytes[lineStart] == 0x09) {
                    // A continuation line.
                } else if isHeaderField(bytes, from: lineStart, to: contentEnd) {
                    sawField = true
                } else {
                    layout.blankLineAt = lineStart
                    inHeader = false
                    continue
                }
            } else if lineEnd - lineStart >= 2 && bytes[lineStart] == UInt8(ascii: "-") && bytes[lineStart + 1] == UInt8(ascii: "-") {
                boundaryLines += 1
                if boundaryLines > maxBoundaryLines {
                    layout.cutAt = lineStart
                    return layout
                }
            }
            lineStart = lineEnd + 1
        }
        return layout
    }

    /// `name:` with a name of printable ASCII but the colon (RFC 5322 section 2.2), whitespace
    /// allowed before the colon as GMime allows it.
    private static func isHeaderField(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end, bytes[index] >= 0x21, bytes[index] <= 0x7E, bytes[index] != UInt8(ascii: ":") { index += 1 }
        guard index > start else { return false }
        while index < end, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        return index < end && bytes[index] == UInt8(ascii: ":")
    }

    private static func memchrLF(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count,
              let found = memchr(base + start, 0x0A, bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }
}
