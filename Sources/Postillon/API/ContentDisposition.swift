import PostillonHTTP
/// RFC 6266 `Content-Disposition` values with an ASCII fallback and an RFC 8187 `filename*`.
package enum ContentDisposition {
    /// `attachment; filename="Rechnung_M_rz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`.
    package static func value(_ type: String, filename: String?) -> String {
        guard let filename, !filename.isEmpty else { return type }
        let fallback = String(filename.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "\\" ? Character(scalar) : "_"
        })
        return "\(type); filename=\"\(fallback)\"; filename*=UTF-8''\(PercentDecoding.encode(filename))"
    }
}
