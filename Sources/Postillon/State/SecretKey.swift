import Crypto
import Foundation

/// A 256-bit key that seals session passwords (AES-GCM), read from `--secret-key-file`
/// (base64 of 32 random bytes, e.g. `openssl rand -base64 32`).
package struct SecretKey: Sendable {
    /// The key bytes (`SymmetricKey` is not `Sendable`; one is made per use).
    private let bytes: [UInt8]
    /// The key.
    var key: SymmetricKey { SymmetricKey(data: bytes) }
    /// A short identifier stored with each sealed value (a hash of the key, never the key).
    package let id: String

    /// Wraps 32 key bytes.
    package init(bytes: [UInt8]) {
        self.bytes = bytes
        id = String(Hashing.sha256Hex(Array("postillon-secret-key-id:".utf8) + bytes).prefix(16))
    }

    /// Reads a key file.
    /// - Throws: ``ConfigurationError`` when the file is missing, readable by others, or not 32 base64 bytes.
    package init(file: String, key configKey: ConfigKey) throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(configKey, "cannot read '\(file)'")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: text), bytes.count == 32 else {
            throw ConfigurationError(configKey, "'\(file)' must hold 32 random bytes in base64 (openssl rand -base64 32)")
        }
        self.init(bytes: Array(bytes))
    }

    /// Reads the key file, or when `create` is set creates it (mode 0600, 32 random bytes) if it
    /// does not exist yet.
    /// - Throws: ``ConfigurationError`` when it cannot be read or created.
    package static func loadOrCreate(file: String, key configKey: ConfigKey, create: Bool) throws -> SecretKey {
        if create && !FileManager.default.fileExists(atPath: file) {
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                let line = Array((Data(bytes).base64EncodedString() + "\n").utf8)
                let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                fsync(descriptor)
                close(descriptor)
                guard written == line.count else { throw ConfigurationError(configKey, "cannot write '\(file)'") }
            } else if errno != EEXIST {
                throw ConfigurationError(configKey, "cannot create '\(file)': \(String(cString: strerror(errno)))")
            }
        }
        return try SecretKey(file: file, key: configKey)
    }
}
