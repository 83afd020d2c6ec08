import CGMime
import PostillonHTTP

/// Turns body bytes in a declared charset into valid UTF-8 text, falling back sensibly when the
/// label is missing, wrong or unknown (as browsers do, ISO-8859-1 and US-ASCII labels are read as
/// windows-1252, whose extra characters are what real mail labelled Latin-1 usually holds).
package enum CharsetDecoder {
    /// The decoded text, and a warning when the label could not be honoured.
    package static func decode(_ bytes: [UInt8], charset: String?) -> (text: String, warning: String?) {
        let label = charset?.trimming(" \t\"'").lowercased() ?? ""
        switch label {
        case "", "us-ascii", "ascii", "ansi_x3.4-1968", "us":
            if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
            return (windows1252(bytes), nil)
        case "utf-8", "utf8", "unicode-1-1-utf-8":
            if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
            return (windows1252(bytes), "text declared UTF-8 is not valid UTF-8; decoded as windows-1252")
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "cp819", "ibm819",
             "windows-1252", "cp1252", "x-cp1252", "cp-1252":
            return (windows1252(bytes), nil)
        default:
            if let text = convert(bytes, from: label) { return (text, nil) }
            let fallback = String(validating: bytes, as: UTF8.self) ?? windows1252(bytes)
            return (fallback, "unknown or unusable charset '\(label.prefix(40))'; decoded as \(String(validating: bytes, as: UTF8.self) != nil ? "UTF-8" : "windows-1252")")
        }
    }

    /// windows-1252 (WHATWG mapping): 0x80-0x9F hold typographic characters; the rest is Latin-1.
    package static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte >= 0x80 && byte <= 0x9F {
                scalars.append(Unicode.Scalar(table[Int(byte - 0x80)])!)
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    /// Replaces C1 control characters (U+0080-U+009F) with the windows-1252 characters of the same
    /// byte value. GMime decodes RFC 2047 words labelled ISO-8859-1 strictly, so windows-1252 text
    /// mislabelled as Latin-1 (`=?iso-8859-1?Q?=80?=`) arrives as C1 controls, which never belong in
    /// header text; this reads them as browsers read such a label.
    package static func repairingC1(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0x80...0x9F).contains($0.value) }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0x80...0x9F).contains(scalar.value) {
                scalars.append(Unicode.Scalar(table[Int(scalar.value - 0x80)])!)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    private static let table: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// Converts with GLib's iconv-backed `g_convert` (charset aliases included); nil when the
    /// charset is unknown or the bytes are not valid in it.
    static func convert(_ bytes: [UInt8], from charset: String) -> String? {
        guard charset.utf8.count < 64, charset.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else { return nil }
        if bytes.isEmpty { return "" }
        var written: gsize = 0
        var error: UnsafeMutablePointer<GError>?
        let converted = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                g_convert($0, gssize(buffer.count), "UTF-8", charset, nil, &written, &error)
            }
        }
        if let error { g_error_free(error) }
        guard let converted else { return nil }
        defer { g_free(converted) }
        return String(validating: UnsafeRawBufferPointer(start: converted, count: Int(written)), as: UTF8.self)
    }
}
