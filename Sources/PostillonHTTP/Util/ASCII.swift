/// Byte-level ASCII helpers shared by the protocol parsers.
package enum ASCII {
    package static let cr: UInt8 = 13
    package static let lf: UInt8 = 10
    package static let space: UInt8 = 32
    package static let tab: UInt8 = 9
    package static let colon: UInt8 = 58

    /// Lower-cases an ASCII letter; other bytes pass through.
    @inline(__always)
    package static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= 65 && byte <= 90) ? byte + 32 : byte
    }

    /// A `tchar` of RFC 9110 section 5.6.2 (the characters of a token).
    @inline(__always)
    package static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: return true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }

    /// Whether `string` is a non-empty token.
    package static func isToken(_ string: String) -> Bool {
        !string.isEmpty && string.utf8.allSatisfy(isTokenChar)
    }

    /// Parses a hexadecimal digit.
    @inline(__always)
    package static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte - 48)
        case 65...70: return Int(byte - 55)
        case 97...102: return Int(byte - 87)
        default: return nil
        }
    }
}
