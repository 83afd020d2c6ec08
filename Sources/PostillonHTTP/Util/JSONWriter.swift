/// A small streaming JSON writer for hot paths where `JSONEncoder` is too slow or too indirect.
///
/// Callers emit tokens in order; commas are inserted automatically.
package struct JSONWriter: Sendable {
    /// The UTF-8 text written so far.
    package private(set) var bytes: [UInt8] = []
    private var needsComma = false

    /// An empty writer.
    package init() {
        bytes.reserveCapacity(256)
    }

    /// Starts an object.
    package mutating func objectStart() { separator(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    /// Ends an object.
    package mutating func objectEnd() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    /// Starts an array.
    package mutating func arrayStart() { separator(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    /// Ends an array.
    package mutating func arrayEnd() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes an object key; the next token is its value.
    package mutating func key(_ name: String) {
        separator()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a string value.
    package mutating func string(_ value: String) { separator(); appendQuoted(value); needsComma = true }
    /// Writes a string value or `null`.
    package mutating func stringOrNull(_ value: String?) {
        if let value { string(value) } else { null() }
    }
    /// Writes an integer value.
    package mutating func int(_ value: Int) { separator(); bytes.append(contentsOf: String(value).utf8); needsComma = true }
    /// Writes a boolean value.
    package mutating func bool(_ value: Bool) { separator(); bytes.append(contentsOf: (value ? "true" : "false").utf8); needsComma = true }
    /// Writes `null`.
    package mutating func null() { separator(); bytes.append(contentsOf: "null".utf8); needsComma = true }

    private mutating func separator() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [92, 92])
            case 10: bytes.append(contentsOf: [92, 110])
            case 13: bytes.append(contentsOf: [92, 114])
            case 9: bytes.append(contentsOf: [92, 116])
            case 0..<32, 127:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                // Escaped so JSON is safe to embed in HTML.
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
