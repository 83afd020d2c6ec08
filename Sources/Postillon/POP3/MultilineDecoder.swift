import PostillonHTTP
/// Incremental decoder for a POP3 multi-line reply body: removes dot-stuffing and finds the
/// terminating `CRLF.CRLF` (RFC 1939 section 3), across arbitrary chunk boundaries.
///
/// Output bytes are exactly the stored message lines with their CRLFs; the final `.CRLF` is not
/// part of the output. Like Python's poplib, a line starting with `..` loses its first dot;
/// any other line starting with a dot is kept as it is.
package struct MultilineDecoder: Sendable {
    enum State: Sendable {
        case lineStart
        case middle
        case dot
        case dotCR
        case done
    }

    private var state = State.lineStart

    /// Creates a decoder positioned just after the `+OK` line.
    package init() {}

    /// Whether the terminator was seen.
    package var isDone: Bool { if case .done = state { return true } else { return false } }

    /// Decodes `input`, passing payload runs to `emit`.
    /// - Returns: the number of bytes used when the terminator was reached (the rest belongs to
    ///   the next reply), or nil when all of `input` was used and more is needed.
    package mutating func decode(_ input: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Int? {
        var runStart = 0
        var index = 0
        let count = input.count
        func flush(_ end: Int) throws {
            if end > runStart { try emit(UnsafeRawBufferPointer(rebasing: input[runStart..<end])) }
        }
        while index < count {
            let byte = input[index]
            switch state {
            case .done:
                return index
            case .middle:
                if byte == ASCII.lf { state = .lineStart }
                index += 1
            case .lineStart:
                if byte == UInt8(ascii: ".") {
                    try flush(index)
                    state = .dot
                    index += 1
                    runStart = index
                } else {
                    state = byte == ASCII.lf ? .lineStart : .middle
                    index += 1
                }
            case .dot:
                if byte == ASCII.cr {
                    state = .dotCR
                    index += 1
                    runStart = index
                } else if byte == UInt8(ascii: ".") {
                    // ".." -> "." : the stuffed dot is already skipped; keep this one.
                    state = .middle
                    index += 1
                } else {
                    try [UInt8(ascii: ".")].withUnsafeBytes { try emit($0) }
                    state = .middle
                    if byte == ASCII.lf { state = .lineStart }
                    index += 1
                }
            case .dotCR:
                if byte == ASCII.lf {
                    state = .done
                    return index + 1
                }
                try [UInt8(ascii: "."), ASCII.cr].withUnsafeBytes { try emit($0) }
                runStart = index
                state = .middle
            }
        }
        if case .middle = state { try flush(count) } else if case .lineStart = state { try flush(count) }
        return nil
    }
}
