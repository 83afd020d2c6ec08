import Crypto
import PostillonHTTP

/// SHA-256 helpers over swift-crypto, for API-key hashes, token hashes and idempotency fingerprints.
package enum Hashing {
    /// The digest of `bytes` as lower-case hex.
    package static func sha256Hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        hex(Array(SHA256.hash(data: Array(bytes))))
    }

    /// The digest of `prefix` followed by a spooled body's bytes, as lower-case hex: the same as
    /// ``sha256Hex(_:)`` of the bytes in memory, read from the file piece by piece (blocking).
    /// - Throws: ``SystemError`` when the file cannot be read.
    package static func sha256Hex(_ prefix: [UInt8], then body: SpooledBody) throws -> String {
        var hasher = SHA256()
        hasher.update(data: prefix)
        try body.forEachChunk { hasher.update(bufferPointer: $0) }
        return hex(Array(hasher.finalize()))
    }

    /// HMAC-SHA256 of `message` under `key`, as raw bytes.
    package static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Lower-case hex of `bytes`.
    package static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
