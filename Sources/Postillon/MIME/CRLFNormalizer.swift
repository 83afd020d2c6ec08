/// Rewrites line endings to CRLF, as SMTP requires.
///
/// libcurl dot-stuffs only lines that follow CRLF: a bare-LF message with a line holding a single
/// "." would be cut short there, silently (curl 7.88). Every message is normalised before upload.
package enum CRLFNormalizer {
    /// `bytes` with every lone LF and lone CR turned into CRLF, ending with CRLF (unless empty).
    package static func normalize(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 32 + 2)
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x0D {
                output.append(0x0D)
                output.append(0x0A)
                if index + 1 < count && bytes[index + 1] == 0x0A { index += 1 }
            } else if byte == 0x0A {
                output.append(0x0D)
                output.append(0x0A)
            } else {
                output.append(byte)
            }
            index += 1
        }
        if let last = output.last, last != 0x0A { output.append(contentsOf: [0x0D, 0x0A]) }
        return output
    }

    /// `text` with CRLF and lone CR turned into LF (for bodies handed to GMime, which writes CRLF).
    static func toLF(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(0x0D) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0D {
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A { continue }
                output.append(0x0A)
            } else {
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
