import PostillonHTTP
/// Rules for text that ends up in a header field: the single guard against header injection.
///
/// Every subject, display name, filename, content type, content id, message id and extra header of a
/// composed message passes ``check(_:field:)``; GMime then encodes what is not plain ASCII
/// (RFC 2047, RFC 2231), so a value can never start a new header line.
package enum HeaderText {
    /// Throws unless `value` is free of CR, LF, NUL and every other control character but TAB.
    /// - Throws: ``SendValidationError/headerInjection(field:reason:)``.
    package static func check(_ value: String, field: String) throws(SendValidationError) {
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x0D, 0x0A:
                throw .headerInjection(field: field, reason: "must not contain a line break (CR or LF)")
            case 0x00:
                throw .headerInjection(field: field, reason: "must not contain NUL")
            case 0x09: continue
            case 0x01...0x1F, 0x7F:
                throw .headerInjection(field: field, reason: "must not contain control characters")
            default: continue
            }
        }
    }

    /// Whether `name` is a header the caller may add: `X-*` or `List-*` followed by letters, digits
    /// and hyphens (never a field Postillon writes itself).
    package static func isAllowedExtraName(_ name: String) -> Bool {
        let lower = name.lowercased()
        let prefix: String
        if lower.hasPrefix("x-") { prefix = "x-" } else if lower.hasPrefix("list-") { prefix = "list-" } else { return false }
        let rest = lower.dropFirst(prefix.count)
        return !rest.isEmpty && name.utf8.count <= 76
            && rest.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// `value` shortened to `limit` characters with control characters shown as `?`, for error details.
    static func printable(_ value: String, limit: Int) -> String {
        let scalars = value.unicodeScalars.prefix(limit).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }
        return String(scalars) + (value.unicodeScalars.count > limit ? "..." : "")
    }
}
