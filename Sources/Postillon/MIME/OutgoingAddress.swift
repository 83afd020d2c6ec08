import PostillonHTTP
/// A mailbox for a message being sent: an optional display name and an addr-spec.
///
/// Accepted addr-specs: an ASCII dot-atom local part (no quoted local parts, no SMTPUTF8 local
/// parts) `@` a domain of at least two labels, where labels may be internationalised (IDN, for
/// example `bücher.example`; libcurl and GMime convert them to punycode on the wire).
package struct OutgoingAddress: Sendable, Equatable {
    /// The display name, or nil.
    package let name: String?
    /// The addr-spec, for example `alice@example.org`.
    package let address: String

    /// Creates an address; use ``parse(_:)`` or ``isValidAddrSpec(_:)`` to validate input first.
    package init(name: String?, address: String) {
        self.name = name.flatMap { $0.isEmpty ? nil : $0 }
        self.address = address
    }

    /// The domain part (after the last `@`).
    package var domain: Substring { address[address.index(after: address.lastIndex(of: "@") ?? address.startIndex)...] }

    /// Parses `alice@example.org`, `Alice <alice@example.org>` or `"Müller, Jörg" <j@example.org>`.
    /// - Returns: nil when the text is not exactly one valid mailbox.
    package static func parse(_ text: String) -> OutgoingAddress? {
        let trimmed = text.trimming(" \t")
        guard trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") else {
            return isValidAddrSpec(trimmed) ? OutgoingAddress(name: nil, address: trimmed) : nil
        }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]).trimming(" \t")
        guard isValidAddrSpec(address) else { return nil }
        var name = String(trimmed[..<open]).trimming(" \t")
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            guard let unquoted = unquote(name.dropFirst().dropLast()) else { return nil }
            name = unquoted
        }
        return OutgoingAddress(name: name, address: address)
    }

    /// Whether `text` is an addr-spec Postillon sends to (see the type's documentation).
    package static func isValidAddrSpec(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty, domain.utf8.count <= 253, text.utf8.count <= 254 else { return false }
        // Local part: dot-atom of RFC 5322 atext.
        let atext = Set("!#$%&'*+-/=?^_`{|}~".utf8)
        let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
        for atom in atoms {
            guard !atom.isEmpty, atom.utf8.allSatisfy({ isAlphanumeric($0) || atext.contains($0) }) else { return false }
        }
        // Domain: two or more labels of letters, digits and inner hyphens (Unicode letters allowed).
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            for character in label {
                if character.isASCII {
                    guard let byte = character.asciiValue, isAlphanumeric(byte) || byte == UInt8(ascii: "-") else { return false }
                } else {
                    guard character.isLetter || character.isNumber || character.unicodeScalars.allSatisfy(isMark) else { return false }
                }
            }
        }
        return !(labels.last!.allSatisfy(\.isNumber))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// The content of a quoted-string without its quotes: `\x` becomes `x`; nil if a quote is unescaped.
    private static func unquote(_ quoted: Substring) -> String? {
        var result = ""
        var escaped = false
        for character in quoted {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return nil
            } else {
                result.append(character)
            }
        }
        return escaped ? nil : result
    }
}
