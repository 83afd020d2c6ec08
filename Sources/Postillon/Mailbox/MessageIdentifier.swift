/// Message ids for the API: the POP3 UIDL made URL-safe, never a POP3 message number.
///
/// A UIDL made only of `A-Z a-z 0-9 - _ .` is used as it is (Dovecot's hex UIDLs stay readable);
/// any other UIDL becomes `~` + base64url of its bytes. `~` cannot start a plain id, so the
/// mapping is reversible.
package enum MessageIdentifier {
    /// The id for a UIDL.
    package static func encode(_ uidl: String) -> String {
        let plain = uidl.utf8.allSatisfy { byte in
            switch byte {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."): return true
            default: return false
            }
        }
        return plain && !uidl.isEmpty ? uidl : "~" + Base64URL.encode(Array(uidl.utf8))
    }

    /// The UIDL for an id, or nil when the id cannot be one.
    package static func decode(_ id: String) -> String? {
        if id.hasPrefix("~") {
            guard let bytes = Base64URL.decode(String(id.dropFirst())), let uidl = String(validating: bytes, as: UTF8.self),
                  !uidl.isEmpty, uidl.utf8.count <= 70, uidl.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
            else { return nil }
            return uidl
        }
        guard !id.isEmpty, id.utf8.count <= 70, encode(id) == id else { return nil }
        return id
    }
}
