import Crypto
import Foundation

/// Seals passwords with AES-256-GCM under the current secret key and opens them with the current or
/// the previous key (rotation: start with the new key as current and the old one as previous; sessions
/// sealed under the old key are resealed on their next use).
package struct PasswordSealer: Sendable {
    /// Seals new values.
    package let current: SecretKey
    /// Still opens values sealed before a rotation.
    package let previous: SecretKey?

    /// Creates a sealer.
    package init(current: SecretKey, previous: SecretKey? = nil) {
        self.current = current
        self.previous = previous
    }

    /// Base64 of nonce, ciphertext and tag; `context` (the token hash) is authenticated, so a sealed
    /// value copied to another row does not open.
    /// - Throws: ``StateStoreError`` if sealing fails (it does not with a valid key).
    package func seal(_ password: String, context: String) throws -> String {
        do {
            let box = try AES.GCM.seal(Data(password.utf8), using: current.key, authenticating: Data(context.utf8))
            guard let combined = box.combined else { throw StateStoreError("AES-GCM produced no combined box") }
            return combined.base64EncodedString()
        } catch let error as StateStoreError {
            throw error
        } catch {
            throw StateStoreError("cannot seal: \(error)")
        }
    }

    /// The password, or nil when no configured key opens the value (wrong key, tampered row).
    package func open(_ sealed: String, keyID: String, context: String) -> String? {
        guard let combined = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: combined) else { return nil }
        for key in [current, previous].compactMap({ $0 }) where key.id == keyID {
            if let plain = try? AES.GCM.open(box, using: key.key, authenticating: Data(context.utf8)) {
                return String(decoding: plain, as: UTF8.self)
            }
        }
        return nil
    }
}
