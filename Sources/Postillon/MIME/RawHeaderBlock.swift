/// The header fields of a prepared (raw) message, located by byte ranges so fields can be removed
/// or added without touching anything else: a pure parser over CRLF-normalised bytes.
package struct RawHeaderBlock: Sendable {
    /// One header field, with its continuation lines.
    package struct Field: Sendable, Equatable {
        /// The field name as written.
        package let name: String
        /// The value, unfolded (line breaks of continuation lines removed) and trimmed.
        package let value: String
        /// The bytes of the field including its continuation lines and final CRLF.
        package let range: Range<Int>
    }

    /// The fields in order.
    package let fields: [Field]
    /// Where the body starts (after the empty line), or the end of the message when it has no body.
    package let bodyStart: Int

    /// Parses the header block of `bytes` (CRLF line endings, see ``CRLFNormalizer``).
    /// - Throws: ``SendValidationError/invalid(_:)`` when the message does not start with header fields.
    package static func parse(_ bytes: [UInt8]) throws(SendValidationError) -> RawHeaderBlock {
        var fields: [Field] = []
        var current: (name: String, valueBytes: [UInt8], start: Int)?
        var index = 0
        var bodyStart = bytes.count

        func finish(end: Int) {
            guard let field = current else { return }
            let value = String(decoding: field.valueBytes, as: UTF8.self).trimming(" \t")
            fields.append(Field(name: field.name, value: value, range: field.start..<end))
            current = nil
        }

        while index < bytes.count {
            var end = index
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            let lineEnd = end < bytes.count ? end + 1 : end
            var contentEnd = end
            if contentEnd > index && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let line = bytes[index..<contentEnd]
            // NUL and other control characters (TAB aside) never belong in a header: GMime and the
            // sender check read values as C strings, so `a@b\0, boss@b` would pass as `a@b`.
            if let bad = line.firstIndex(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                let isContinuation = line.first == 0x20 || line.first == 0x09
                let name = isContinuation ? current?.name
                    : line.firstIndex(of: UInt8(ascii: ":")).map { String(decoding: bytes[index..<$0], as: UTF8.self) }
                throw .headerInjection(field: "\(HeaderText.printable(name ?? "line \(fields.count + 1)", limit: 76)) header",
                                       reason: bytes[bad] == 0 ? "must not contain NUL" : "must not contain control characters")
            }
            if line.isEmpty {
                finish(end: index)
                bodyStart = lineEnd
                break
            }
            if line.first == 0x20 || line.first == 0x09 {
                guard current != nil else { throw .invalid("The message starts with a continuation line, not a header field.") }
                current!.valueBytes.append(contentsOf: line)
            } else {
                finish(end: index)
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw .invalid("The message must start with header fields; line \(fields.count + 1) is not one.")
                }
                var nameEnd = colon
                while nameEnd > index && (bytes[nameEnd - 1] == 0x20 || bytes[nameEnd - 1] == 0x09) { nameEnd -= 1 }
                let name = bytes[index..<nameEnd]
                guard !name.isEmpty, name.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
                    throw .invalid("The message must start with header fields; line \(fields.count + 1) is not one.")
                }
                current = (String(decoding: name, as: UTF8.self), Array(bytes[(colon + 1)..<contentEnd]), index)
            }
            index = lineEnd
        }
        finish(end: min(index, bytes.count))
        guard !fields.isEmpty else { throw .invalid("The message has no header fields.") }
        return RawHeaderBlock(fields: fields, bodyStart: bodyStart)
    }

    /// The fields named `name` (case-insensitive).
    package func fields(named name: String) -> [Field] {
        fields.filter { $0.name.lowercased() == name.lowercased() }
    }

    /// `bytes` with every field named in `removing` (lower-case names) taken out and `prepending`
    /// lines (without line endings) put first.
    package func rewrite(_ bytes: [UInt8], removing: Set<String>, prepending: [String]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + prepending.reduce(0) { $0 + $1.utf8.count + 2 })
        for line in prepending {
            output.append(contentsOf: line.utf8)
            output.append(contentsOf: [0x0D, 0x0A])
        }
        var position = 0
        for field in fields where removing.contains(field.name.lowercased()) {
            output.append(contentsOf: bytes[position..<field.range.lowerBound])
            position = field.range.upperBound
        }
        output.append(contentsOf: bytes[position...])
        return output
    }
}
